"""Sending reminders from the outbox, by the same rules as the alert e-mails
(``core/outbox.py``).

1. Rows past their usefulness are closed: ``skipped`` if nobody tried to send them (the worker
   was stopped, say), ``failed`` if every attempt while they were useful failed.
2. Due rows are claimed a few at a time (a claim token and a lease); a send guard checks the
   patient still wants that kind (rows it turns away are ``cancelled``); the in-app
   notifications are written; then each reminder is sent only after its claim is re-checked
   and the attempt counted, on each channel the patient chose for its kind (``Channels``):
   the e-mail, then push to each of their live devices (``push.push_reminder``, the claim
   re-checked before each). Each channel is recorded as soon as it is accepted
   (``email_sent_at``; a ``PushDelivery`` per device, then ``push_sent_at``), and the row
   is marked sent when all are.
3. A channel that fails fails the attempt: retried with backoff, sending only the channel
   and the devices still missing, and ``failed`` after ``MAX_ATTEMPTS`` started attempts;
   the patient still has the in-app notification, which says what could not be sent, and
   ``claywork doctor`` counts such reminders. A device the push service forgot (404/410) is
   revoked, not retried.

Reminders never hold up alerts: the sweep sends due alerts first and gives reminders a time
slice (``reminders_send_slice``); what is left is claimed by the next sweep, which follows at
once.

As for alerts, a sender killed after the mail server accepted a message but before marking
it sent repeats it once its lease expires; the stable Message-ID lets mail systems drop the
copy. The lease is ``CLAYWORK_ALERT_LEASE_SECONDS``, shared with the alert outbox.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claywork.core import outbox
from claywork.push import services as push
from claywork.push.payload import push_payload_json
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
from claywork.reminders.subjects import SUBJECTS

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Rows claimed at once: a few, so a slow mail server cannot leave many waiting on one sender.
BATCH = 10


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 minutes after the n-th failed attempt (at most 30)."""
    return outbox.backoff(attempts, first=timedelta(minutes=1), longest=timedelta(minutes=30))


def _still_useful(now: datetime) -> Q:
    return Q(useful_until__gt=now)


REMINDER_OUTBOX = outbox.Outbox(
    model=Reminder,
    label="reminder",
    max_attempts=MAX_ATTEMPTS,
    retry_delay=retry_delay,
    also_due=_still_useful,
)


def _close_stale(now: datetime) -> None:
    """A reminder nobody sent while it was useful is not sent late. One that was tried and
    failed is ``failed`` (with its last error), one nobody tried is ``skipped``."""
    stale = Reminder.objects.filter(
        Q(state=State.PENDING) | Q(state=State.SENDING, lease_expires_at__lte=now),
        useful_until__lte=now,
    )
    for pk in stale.filter(attempts__gt=0).values_list("pk", flat=True):
        logger.error("reminder %s failed: it could not be e-mailed while it was useful", pk)
    stale.filter(attempts__gt=0).update(state=State.FAILED, lease_expires_at=None, claim="")
    stale.update(state=State.SKIPPED, lease_expires_at=None, claim="")


@dataclass(frozen=True)
class Slice:
    sent: int
    # False when the time ran out (or the process is stopping) with due reminders left.
    finished: bool


def reminders_send_slice(*, now: datetime, seconds: float | None) -> Slice:
    """Send due reminders for at most about ``seconds`` (None: until none is due). A send
    in flight is finished; claimed rows not started are handed back."""
    deadline = None if seconds is None else time.monotonic() + seconds
    _close_stale(now)
    outbox.give_up_on_abandoned(REMINDER_OUTBOX, now=now)
    sent = 0
    while True:
        if outbox.stop_requested() or (deadline is not None and time.monotonic() >= deadline):
            return Slice(
                sent, finished=not Reminder.objects.filter(REMINDER_OUTBOX.due(now)).exists()
            )
        token = outbox.claim(REMINDER_OUTBOX, now=now, limit=BATCH)
        if token is None:
            return Slice(sent, finished=True)
        sent += _send_batch(token, deadline)


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Send every reminder that is due; returns how many were sent. Safe to run twice, or in
    several processes at once."""
    return reminders_send_slice(now=now or timezone.now(), seconds=None).sent


def _send_batch(token: str, deadline: float | None) -> int:
    claimed = list(outbox.claimed(REMINDER_OUTBOX, token).select_related("patient", "session"))
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
    wanted, unwanted = [], []
    for reminder in claimed:
        choice = prefs.get(reminder.patient_id)
        if (
            reminder.patient.is_active
            and (choice is None or choice.wants(reminder.kind))
            and reminder.pk not in answered
        ):
            wanted.append(reminder)
        else:
            unwanted.append(reminder.pk)
    Reminder.objects.filter(pk__in=unwanted, state=State.SENDING, claim=token).update(
        state=State.CANCELLED, lease_expires_at=None
    )
    Notification.objects.bulk_create([_notice(r, now) for r in wanted], ignore_conflicts=True)
    mail_connection = get_connection()
    try:
        return outbox.send_claimed(
            REMINDER_OUTBOX,
            wanted,
            token,
            lambda reminder: _send(
                reminder, prefs.get(reminder.patient_id), token, mail_connection, now
            ),
            deadline=deadline,
        )
    finally:
        _close_quietly(mail_connection)


class PushFailed(Exception):
    """The push service of one or more devices failed (not "gone"): retried with backoff."""


class ChannelsFailed(Exception):
    """Both channels of the reminder failed."""


def _send(
    reminder: Reminder,
    choice: ReminderPreferences | None,
    token: str,
    mail_connection: BaseEmailBackend,
    now: datetime,
) -> None:
    """Each channel the patient chose for this kind that has not gone out yet: the e-mail,
    then push to their devices. Each is recorded as soon as it is sent, under the claim; a
    channel that fails makes the attempt fail, and the retry sends only what is missing."""
    kind = reminder.kind
    failures: list[Exception] = []
    if reminder.email_sent_at is None and (choice is None or choice.by_email(kind)):
        try:
            _email(reminder, mail_connection, now)
        except Exception as error:  # retried with backoff; the push channel is still tried
            failures.append(error)
        else:
            _record(reminder, token, "email_sent_at")
    if (
        reminder.push_sent_at is None
        and (choice is None or choice.by_push(kind))
        and push.push_enabled()
    ):
        # Before each device (the e-mail may have taken a while): go on only while the claim
        # is still ours, renewing its lease.
        result = push.push_reminder(
            reminder_id=reminder.pk,
            patient_id=reminder.patient_id,
            payload=push_payload_json(reminder),
            still_mine=lambda: outbox.still_mine(REMINDER_OUTBOX, reminder, token),
        )
        if result.failures:
            failures.append(PushFailed("; ".join(result.failures)))
        if result.done and result.delivered:
            _record(reminder, token, "push_sent_at")
    if len(failures) == 1:
        raise failures[0]
    if failures:
        raise ChannelsFailed("; ".join(f"{type(error).__name__}: {error}" for error in failures))


def _record(reminder: Reminder, token: str, field: str) -> None:
    sent_at = timezone.now()
    if outbox.record(REMINDER_OUTBOX, reminder, token, **{field: sent_at}):
        setattr(reminder, field, sent_at)
    else:
        logger.error(
            "reminder %s: %s after its lease expired; keep CLAYWORK_ALERT_LEASE_SECONDS above "
            "the longest send",
            reminder.pk,
            field.removesuffix("_at").replace("_", " "),
        )


def _email(reminder: Reminder, mail_connection: BaseEmailBackend, now: datetime) -> None:
    """One e-mail over the batch's connection, opened at the first send so that a mail
    server that is down counts as a failed attempt of that reminder."""
    try:
        mail_connection.open()
        message = reminder_email(reminder, link=_link_for(reminder, page_for(reminder), now))
        message.connection = mail_connection
        message.send()
    except Exception:
        _close_quietly(mail_connection)  # the next reminder starts on a fresh connection
        raise


def _close_quietly(mail_connection: BaseEmailBackend) -> None:
    try:
        mail_connection.close()
    except Exception as error:  # a broken connection is being dropped anyway
        logger.info("closing the mail connection failed (%s)", type(error).__name__)


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
