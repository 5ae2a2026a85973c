"""Sending reminders from the outbox: the alert outbox's pattern (``safety.delivery``).

1. Rows past their usefulness (the worker was stopped, say) are marked ``skipped``.
2. Due rows (pending and past their retry time, or ``sending`` with an expired lease: their
   sender was killed) are claimed a batch at a time with one conditional UPDATE that stamps
   them with a fresh claim value, so two senders never both win a row.
3. A send guard checks the patient still wants that kind; then the in-app notifications are
   written (one per reminder), each e-mail is sent outside any transaction (one mail
   connection per batch), and each row is marked sent as soon as its e-mail is accepted.

As for alerts, a sender killed after the mail server accepted a message but before marking
it sent repeats it once its lease expires; the stable Message-ID lets mail systems drop the
copy. The lease is ``CLAYWORK_ALERT_LEASE_SECONDS``, shared with the alert outbox.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claywork.reminders import guards, links
from claywork.reminders.chosen import parse_scale_subject
from claywork.reminders.models import (
    REFLECTION_KINDS,
    SUBJECT_KINDS,
    Kind,
    Notification,
    Reminder,
    ReminderPreferences,
    State,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Rows claimed at once: small enough to send well within one lease.
BATCH = 25

SUBJECTS = {
    Kind.SESSION_UPCOMING: "Claywork: a reminder for tomorrow",
    Kind.WINDOW_OPENS: "Claywork: a moment to reflect",
    Kind.WINDOW_CLOSING: "Claywork: a moment to reflect, before the day is out",
    Kind.FOLLOW_UP: "Claywork: a moment to look back",
    Kind.CHECK_IN: "Claywork: your daily check-in",
    Kind.SCALE_DUE: "Claywork: a short questionnaire is ready",
    Kind.GOAL: "Claywork: a goal you asked to be reminded of",
    Kind.PRACTICE: "Claywork: a practice you asked to be reminded of",
}


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(minutes=1) * 2 ** max(attempts - 1, 0), timedelta(minutes=30))


def _due(now: datetime) -> Q:
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.SENDING, lease_expires_at__lte=now
    )


def _skip_stale(now: datetime) -> int:
    """A reminder nobody sent while it was useful is not sent late."""
    return Reminder.objects.filter(
        Q(state=State.PENDING) | Q(state=State.SENDING, lease_expires_at__lte=now),
        useful_until__lte=now,
    ).update(state=State.SKIPPED, lease_expires_at=None)


def _give_up_on_abandoned(now: datetime) -> None:
    Reminder.objects.filter(
        state=State.SENDING, lease_expires_at__lte=now, attempts__gte=MAX_ATTEMPTS
    ).update(
        state=State.FAILED,
        lease_expires_at=None,
        last_error="The sender stopped while sending, every time.",
    )


def _claim(pks: list[int], now: datetime) -> list[Reminder]:
    """Take a batch of rows for sending with one conditional UPDATE: a row another sender
    claimed first no longer matches (its state or lease changed), so each row has one sender.
    """
    claim = uuid.uuid4().hex
    Reminder.objects.filter(
        _due(now), pk__in=pks, attempts__lt=MAX_ATTEMPTS, useful_until__gt=now
    ).update(
        state=State.SENDING,
        attempts=F("attempts") + 1,
        lease_expires_at=timezone.now() + timedelta(seconds=settings.CLAYWORK_ALERT_LEASE_SECONDS),
        claim=claim,
    )
    return list(
        Reminder.objects.filter(claim=claim, state=State.SENDING)
        .select_related("patient", "session")
        .order_by("due_at", "pk")
    )


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Send every reminder that is due; returns how many were sent. Safe to run twice, or in
    several processes at once."""
    now = now or timezone.now()
    _skip_stale(now)
    _give_up_on_abandoned(now)
    sent = 0
    while True:
        due = list(
            Reminder.objects.filter(_due(now), attempts__lt=MAX_ATTEMPTS, useful_until__gt=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not due:
            return sent
        sent += _send_batch(_claim(due, now))


def _send_batch(claimed: list[Reminder]) -> int:
    if not claimed:
        return 0
    now = timezone.now()
    prefs = {
        p.patient_id: p
        for p in ReminderPreferences.objects.filter(
            patient_id__in={reminder.patient_id for reminder in claimed}
        )
    }
    answered = guards.no_longer_needed(claimed)
    wanted = []
    for reminder in claimed:
        choice = prefs.get(reminder.patient_id)
        if (
            reminder.patient.is_active
            and (choice is None or choice.wants(reminder.kind))
            and reminder.pk not in answered
        ):
            wanted.append(reminder)
        else:
            _mine(reminder).update(state=State.CANCELLED, lease_expires_at=None)
    Notification.objects.bulk_create([_notice(r, now) for r in wanted], ignore_conflicts=True)
    sent = 0
    with get_connection() as mail_connection:
        for reminder in wanted:
            sent += _send(reminder, mail_connection, now)
    return sent


def _mine(reminder: Reminder) -> QuerySet[Reminder]:
    return Reminder.objects.filter(pk=reminder.pk, state=State.SENDING, claim=reminder.claim)


def _send(reminder: Reminder, mail_connection: BaseEmailBackend, now: datetime) -> int:
    mine = _mine(reminder)
    try:
        message = reminder_email(reminder, link=_link_for(reminder, page_for(reminder), now))
        message.connection = mail_connection
        message.send()
    except Exception as error:  # any failure is retried, never lost
        _record_failure(reminder, mine, error)
        return 0
    if not mine.update(state=State.SENT, sent_at=timezone.now(), lease_expires_at=None):
        logger.warning("reminder %s sent after its lease expired", reminder.pk)
    return 1


def _record_failure(reminder: Reminder, mine: QuerySet[Reminder], error: Exception) -> None:
    reason = f"{type(error).__name__}: {error}"[:200]
    logger.warning("reminder %s attempt %s failed (%s)", reminder.pk, reminder.attempts, reason)
    if reminder.attempts >= MAX_ATTEMPTS:
        mine.update(state=State.FAILED, lease_expires_at=None, last_error=reason)
        return
    mine.update(
        state=State.PENDING,
        next_attempt_at=timezone.now() + retry_delay(reminder.attempts),
        lease_expires_at=None,
        last_error=reason,
    )


def page_for(reminder: Reminder) -> str:
    """The page that answers the reminder, for a signed-in patient."""
    if reminder.kind in REFLECTION_KINDS and reminder.session_id:
        return f"{reverse('journal:entry_new')}?session={reminder.session_id}"
    if reminder.kind == Kind.CHECK_IN:
        return reverse("measures:check_in")
    if reminder.kind == Kind.GOAL:
        return f"{reverse('practice:goals')}#{reminder.subject.replace(':', '-')}"
    if reminder.kind == Kind.PRACTICE:
        return f"{reverse('practice:practices')}#{reminder.subject.replace(':', '-')}"
    if reminder.kind == Kind.SCALE_DUE:
        code, _ = parse_scale_subject(reminder.subject)
        return reverse("measures:scale_form", args=[code])
    if reminder.session_id:
        return reverse("care:session_detail", args=[reminder.session_id])
    return "/"


def _notice(reminder: Reminder, now: datetime) -> Notification:
    return Notification(
        patient_id=reminder.patient_id,
        reminder=reminder,
        title=SUBJECTS[Kind(reminder.kind)].removeprefix("Claywork: ").capitalize(),
        path=page_for(reminder),
        created_at=now,
    )


def _link_for(reminder: Reminder, path: str, now: datetime) -> str:
    if reminder.kind in REFLECTION_KINDS and reminder.session_id:
        token = links.link_issue(reminder=reminder, now=now)
        return f"{settings.SITE_URL}{reverse('reminders:redeem', args=[token])}"
    if reminder.kind in SUBJECT_KINDS:
        # The page's address would name the questionnaire; a neutral one leads there.
        return f"{settings.SITE_URL}{reverse('reminders:open', args=[reminder.pk])}"
    return f"{settings.SITE_URL}{path}"


def reminder_email(reminder: Reminder, *, link: str) -> EmailMessage:
    """Who and when, never what: no names, no session details, no words the patient wrote."""
    domain = urlsplit(settings.SITE_URL).hostname or "claywork.invalid"
    body = render_to_string(
        f"reminders/email/{reminder.kind}.txt",
        {
            "link": link,
            "settings_link": f"{settings.SITE_URL}{reverse('reminders:settings')}",
        },
    )
    return EmailMessage(
        subject=SUBJECTS[Kind(reminder.kind)],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.patient.email],
        headers={"Message-ID": f"<claywork.reminder-{reminder.pk}@{domain}>"},
    )
