"""Getting alerts to people: the outbox of alert e-mails, and escalation.

Every alert is written together with one ``AlertDelivery`` row per recipient, in the
transaction that raised it. Sending is a separate step that can run any number of times, in any
number of processes:

1. ``deliveries_send_due`` picks rows that are due (pending and past their retry time, or
   ``sending`` with an expired lease: their sender was killed) and claims each with one
   conditional UPDATE on its attempt count, so two senders never both win the same row;
2. it sends the e-mail outside any transaction, then marks the row sent (or schedules a retry
   with backoff; after ``MAX_ATTEMPTS`` the row is ``failed``, which the inbox shows).

A sender that dies after the mail server accepted a message but before marking it sent will
have it sent again once the lease expires: delivery is at least once, never at most once. The
message carries a stable Message-ID, so a mail system that deduplicates drops the copy.

The messages hold no health text: the patient's name and a link to sign in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.safety.models import (
    Alert,
    AlertDelivery,
    Channel,
    DeliveryPurpose,
    DeliveryState,
    Severity,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
BATCH = 100


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after the n-th failed attempt, at most an hour: about 4 h in all."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def lease_length() -> timedelta:
    return timedelta(seconds=settings.CLAYWORK_ALERT_LEASE_SECONDS)


# --- Writing the outbox ---------------------------------------------------------------------


def deliveries_create(
    *, alert: Alert, recipients: Iterable[User], purpose: str, now: datetime
) -> int:
    """One e-mail row per recipient; creating the same rows again adds nothing."""
    rows = [
        AlertDelivery(
            alert=alert,
            recipient=recipient,
            channel=Channel.EMAIL,
            purpose=purpose,
            next_attempt_at=now,
        )
        for recipient in {user.pk: user for user in recipients}.values()
    ]
    AlertDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- Sending --------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, lease_expires_at__lte=now
    )


def _give_up_on_abandoned(now: datetime) -> None:
    """A row whose every attempt died with its sender is failed, not retried for ever."""
    abandoned = AlertDelivery.objects.filter(
        state=DeliveryState.SENDING, lease_expires_at__lte=now, attempts__gte=MAX_ATTEMPTS
    )
    for pk in abandoned.values_list("pk", flat=True):
        logger.error("alert delivery %s failed: its senders stopped while sending", pk)
    abandoned.update(
        state=DeliveryState.FAILED,
        lease_expires_at=None,
        last_error="The sender stopped while sending, every time.",
    )


def _claim(pk: int, attempts: int, now: datetime) -> AlertDelivery | None:
    """Take one row for sending. Only one sender's UPDATE can match ``attempts``."""
    claimed = AlertDelivery.objects.filter(_due(now), pk=pk, attempts=attempts).update(
        state=DeliveryState.SENDING,
        attempts=attempts + 1,
        lease_expires_at=timezone.now() + lease_length(),
    )
    if not claimed:
        return None
    return AlertDelivery.objects.select_related("alert__patient", "recipient").get(pk=pk)


def deliveries_send_due(*, now: datetime | None = None) -> int:
    """Send every alert e-mail that is due; returns how many were sent. Safe to run anywhere,
    twice, or in several processes at once."""
    now = now or timezone.now()
    _give_up_on_abandoned(now)
    due = (
        AlertDelivery.objects.filter(_due(now), attempts__lt=MAX_ATTEMPTS)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "attempts")
    )
    sent = 0
    for pk, attempts in list(due[:BATCH]):
        delivery = _claim(pk, attempts, now)
        if delivery is not None and _send(delivery):
            sent += 1
    return sent


def _send(delivery: AlertDelivery) -> bool:
    mine = AlertDelivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.SENDING, attempts=delivery.attempts
    )
    try:
        alert_email(delivery).send()
    except Exception as error:  # any failure of the mail system is retried, never lost
        _record_failure(delivery, mine, error)
        return False
    if not mine.update(
        state=DeliveryState.SENT, sent_at=timezone.now(), lease_expires_at=None, last_error=""
    ):
        # The lease ran out while the mail server was slow and another sender took the row.
        logger.warning("alert delivery %s sent after its lease expired", delivery.pk)
    logger.info("alert delivery %s sent (attempt %s)", delivery.pk, delivery.attempts)
    return True


def _record_failure(
    delivery: AlertDelivery, mine: QuerySet[AlertDelivery], error: Exception
) -> None:
    reason = f"{type(error).__name__}: {error}"[:200]
    if delivery.attempts >= MAX_ATTEMPTS:
        logger.error(
            "alert delivery %s failed after %s attempts (%s)",
            delivery.pk,
            delivery.attempts,
            type(error).__name__,
        )
        changes: dict[str, object] = {"state": DeliveryState.FAILED}
    else:
        retry_at = timezone.now() + retry_delay(delivery.attempts)
        logger.warning(
            "alert delivery %s attempt %s failed (%s); retrying at %s",
            delivery.pk,
            delivery.attempts,
            type(error).__name__,
            retry_at.isoformat(),
        )
        changes = {"state": DeliveryState.PENDING, "next_attempt_at": retry_at}
    mine.update(lease_expires_at=None, last_error=reason, **changes)


# --- The message ----------------------------------------------------------------------------


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _lead_and_link(delivery: AlertDelivery) -> tuple[str, str]:
    """The one sentence of the e-mail, and its link. Clinicians are sent to the alert; clinic
    admins (who cannot read it) to the patient's care team page."""
    alert = delivery.alert
    about = (
        "A high-priority alert" if alert.severity == Severity.HIGH else "An alert"
    ) + f" for {alert.patient.full_name}"
    minutes = settings.CLAYWORK_ALERT_ESCALATE_MINUTES
    escalation = delivery.purpose == DeliveryPurpose.ESCALATION
    if delivery.recipient.role == Role.CLINIC_ADMIN:
        link = _link(reverse("clinics:care_team", args=[alert.patient_id]))
        if escalation:
            return (
                f"{about} has not been acknowledged by their care team after {minutes} "
                "minutes. Please make sure a clinician on the care team sees it:",
                link,
            )
        return (
            f"{about} needs attention, and no clinician is on their care team to receive it. "
            "Please add one:",
            link,
        )
    link = _link(reverse("safety:alert_detail", args=[alert.pk]))
    if escalation:
        return (
            f"{about} has not been acknowledged after {minutes} minutes and needs your attention:",
            link,
        )
    return f"{about} needs your attention:", link


def alert_email(delivery: AlertDelivery) -> EmailMessage:
    """The e-mail for one delivery: who, and where to look. Never what the alert is about."""
    lead, link = _lead_and_link(delivery)
    subject = (
        "Claywork: an alert has not been acknowledged"
        if delivery.purpose == DeliveryPurpose.ESCALATION
        else "Claywork: an alert needs your attention"
    )
    domain = urlsplit(settings.SITE_URL).hostname or "claywork.invalid"
    return EmailMessage(
        subject=subject,
        body=f"{lead} {link}\n\nSign in to Claywork to see it. This e-mail says nothing more "
        "on purpose.\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient.email],
        # Stable across retries, so a mail system that deduplicates drops a repeated copy.
        headers={
            "Message-ID": f"<claywork.alert-{delivery.alert_id}.delivery-{delivery.pk}@{domain}>"
        },
    )
