"""Getting alerts to people: the outbox of alert e-mails, and escalation.

Every alert is written together with one ``AlertDelivery`` row per recipient, in the
transaction that raised it. Sending is a separate step that can run any number of times, in any
number of processes: ``deliveries_send_due`` claims due rows a few at a time, re-checks its
claim just before each send, sends outside any transaction, then marks the row sent or
schedules a retry with backoff; after ``MAX_ATTEMPTS`` started attempts the row is ``failed``,
which the inbox shows. The claim, start, finish and release steps are ``core/outbox.py``,
shared with the reminders.

A row is recorded sent once. The mail server receives it twice only if a sender dies between
the server's "250 OK" and the row being marked (at least once to the mail server, never at
most once); the stable Message-ID lets a mail system that deduplicates drop the copy.

The messages hold no health text: the patient's name and a link to sign in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.core import outbox
from claywork.safety.models import (
    Alert,
    AlertDelivery,
    Channel,
    DeliveryPurpose,
    Severity,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
# Rows claimed at once: a few, so a slow mail server cannot leave many waiting on one sender.
BATCH = 5


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after the n-th failed attempt, at most an hour: about 4 h in all."""
    return outbox.backoff(attempts, first=FIRST_RETRY, longest=LONGEST_RETRY)


ALERT_OUTBOX = outbox.Outbox(
    model=AlertDelivery, label="alert delivery", max_attempts=MAX_ATTEMPTS, retry_delay=retry_delay
)


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


def deliveries_send_due(*, now: datetime | None = None) -> int:
    """Send every alert e-mail that is due; returns how many were sent. Safe to run anywhere,
    twice, or in several processes at once. Stops starting sends when the process is asked
    to stop (``core/outbox.py``), handing back what it had claimed."""
    now = now or timezone.now()
    outbox.give_up_on_abandoned(ALERT_OUTBOX, now=now)
    sent = 0
    while not outbox.stop_requested():
        token = outbox.claim(ALERT_OUTBOX, now=now, limit=BATCH)
        if token is None:
            break
        rows = list(
            outbox.claimed(ALERT_OUTBOX, token).select_related("alert__patient", "recipient")
        )
        sent += outbox.send_claimed(ALERT_OUTBOX, rows, token, _send)
    return sent


def _send(delivery: AlertDelivery) -> None:
    alert_email(delivery).send()


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
