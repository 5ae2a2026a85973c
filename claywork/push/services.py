"""Subscribing a device to push reminders, revoking it, and sending one message to it.

Sending uses ``pywebpush`` (VAPID signing, RFC 8291 encryption): a well-kept library rather
than hand-written cryptography. A push service that answers 404 or 410 has forgotten the
subscription (the app was uninstalled, permission withdrawn): the row is revoked at once and
never tried again, so a dead device cannot cause a storm of retries. Any other failure is
returned to the caller, whose outbox retries with its backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from pywebpush import WebPushException, webpush

from claywork.accounts.models import User
from claywork.push.models import PushDelivery, PushSubscription, endpoint_digest

logger = logging.getLogger(__name__)

# Seconds before a push service that does not answer counts as a failed attempt.
SEND_TIMEOUT = 10
# How long the push service may hold a message for a device that is offline: a reminder
# older than a day has lost its use.
TIME_TO_LIVE = 24 * 3600
GONE = frozenset({404, 410})
# The session remembers this browser's subscription (its endpoint's hash), so signing out
# here, or ending this sign-in from another browser, revokes it.
SESSION_KEY = "push_endpoint_hash"


class PushDisabled(Exception):
    """No VAPID keys are configured, so this Claywork sends no push messages."""


def push_enabled() -> bool:
    return bool(settings.CLAYWORK_VAPID_PUBLIC_KEY and settings.CLAYWORK_VAPID_PRIVATE_KEY)


def push_subscribe(
    *, patient: User, endpoint: str, p256dh: str, auth: str, device_label: str = ""
) -> PushSubscription:
    """Remember this browser for the patient. The same browser again (the same endpoint)
    updates its row, and brings it back if it was revoked; an endpoint that was someone
    else's (one browser, two accounts) moves to this patient."""
    digest = endpoint_digest(endpoint)
    values = {
        "patient": patient,
        "endpoint": endpoint,
        "p256dh": p256dh,
        "auth": auth,
        "device_label": device_label[:80],
        "revoked_at": None,
        "revoked_reason": "",
    }
    try:
        with transaction.atomic():
            subscription, _ = PushSubscription.objects.update_or_create(
                endpoint_hash=digest, defaults=values
            )
    except IntegrityError:  # the same browser subscribed twice at once
        subscription = PushSubscription.objects.get(endpoint_hash=digest)
    return subscription


def push_revoke(*, patient: User, endpoint: str, reason: str = "turned off") -> bool:
    """Stop sending to this browser (the patient's own)."""
    return bool(
        PushSubscription.objects.filter(
            patient=patient, endpoint_hash=endpoint_digest(endpoint), revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), revoked_reason=reason)
    )


def push_revoke_by_digest(*, patient_id: int, digest: str, reason: str) -> bool:
    """The same, by the endpoint's hash (kept in the session: revoked at sign-out)."""
    return bool(
        PushSubscription.objects.filter(
            patient_id=patient_id, endpoint_hash=digest, revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), revoked_reason=reason)
    )


def push_revoke_all(
    *, patient: User, reason: str = "signed out everywhere", keep_digest: str = ""
) -> int:
    """Every device of the patient: for "sign out everywhere" and account erasure.
    ``keep_digest`` spares one browser: the one saying "sign out everywhere *else*"."""
    return (
        PushSubscription.objects.filter(patient=patient, revoked_at__isnull=True)
        .exclude(endpoint_hash=keep_digest)
        .update(revoked_at=timezone.now(), revoked_reason=reason)
    )


class Outcome(Enum):
    SENT = "sent"
    GONE = "gone"  # the push service forgot the subscription: revoked, never retried
    FAILED = "failed"  # anything else: the caller may retry later


@dataclass(frozen=True)
class PushResult:
    outcome: Outcome
    detail: str = ""


def push_send(*, subscription: PushSubscription, payload: str) -> PushResult:
    """Send one message to one device, outside any transaction (it waits on the network).
    ``payload`` must hold no health text (``payload.push_payload_json``)."""
    if not push_enabled():
        raise PushDisabled("set CLAYWORK_VAPID_PUBLIC_KEY and CLAYWORK_VAPID_PRIVATE_KEY")
    if subscription.revoked_at is not None:
        return PushResult(Outcome.GONE, "revoked")
    try:
        webpush(
            subscription_info=subscription.subscription_info(),
            data=payload,
            vapid_private_key=settings.CLAYWORK_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.CLAYWORK_VAPID_SUBJECT},
            timeout=SEND_TIMEOUT,
            ttl=TIME_TO_LIVE,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in GONE:
            PushSubscription.objects.filter(pk=subscription.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), revoked_reason="gone"
            )
            logger.info("push device %s is gone (%s): revoked", subscription.pk, status)
            return PushResult(Outcome.GONE, f"push service answered {status}")
        return PushResult(Outcome.FAILED, f"push service answered {status or 'an error'}")
    except (requests.RequestException, ValueError) as error:
        return PushResult(Outcome.FAILED, type(error).__name__)
    PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=timezone.now())
    return PushResult(Outcome.SENT)


@dataclass(frozen=True)
class ReminderPush:
    """One reminder pushed to a patient's live devices."""

    delivered: int  # devices that have it, now or from an earlier attempt
    failures: list[str]  # devices to try again with the outbox's backoff

    @property
    def done(self) -> bool:
        return not self.failures


def push_reminder(
    *,
    reminder_id: int,
    patient_id: int,
    payload: str,
    still_mine: Callable[[], bool] = lambda: True,
) -> ReminderPush:
    """Send one reminder to each live device of the patient that does not have it yet, one
    after another, outside any transaction. Each accepted send is recorded at once
    (``PushDelivery``), so a retry sends only to the devices that failed; a device the push
    service forgot is revoked and is not a failure (nothing to retry). ``still_mine`` is
    asked before each device (the outbox's claim, renewed): when it says no, the rest wait
    for whoever holds the reminder now."""
    devices = PushSubscription.objects.filter(
        patient_id=patient_id, revoked_at__isnull=True
    ).exclude(deliveries__reminder_id=reminder_id)
    failures: list[str] = []
    for device in devices:
        if not still_mine():
            failures.append("the claim ran out before this device")
            break
        result = push_send(subscription=device, payload=payload)
        if result.outcome is Outcome.SENT:
            delivery = PushDelivery(
                reminder_id=reminder_id, subscription=device, sent_at=timezone.now()
            )
            PushDelivery.objects.bulk_create([delivery], ignore_conflicts=True)
        elif result.outcome is Outcome.FAILED:
            failures.append(f"device {device.pk}: {result.detail}")
    return ReminderPush(PushDelivery.objects.filter(reminder_id=reminder_id).count(), failures)
