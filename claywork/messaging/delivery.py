"""Sending "you have a new message" e-mails from the outbox (``MessageNotice``), in the
reminders' pattern (``reminders.delivery``): due rows are claimed with one conditional UPDATE
and a lease, each e-mail is sent outside any transaction and marked sent at once.

The e-mail says only that there is a new message and links to the thread's address, which
names nothing but a number: no names, no subject, no words of the message. A notice whose
reader has already opened the message, or who is no longer on the patient's care team, is
cancelled instead of sent.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claywork.core import policy
from claywork.messaging.models import MessageNotice, NoticeState, ReadMark

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 25
SUBJECT = "Claywork: you have a new message"


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(minutes=1) * 2 ** max(attempts - 1, 0), timedelta(minutes=30))


def _due(now: datetime) -> Q:
    return Q(state=NoticeState.PENDING, next_attempt_at__lte=now) | Q(
        state=NoticeState.SENDING, lease_expires_at__lte=now
    )


def _claim(pks: list[int], now: datetime) -> list[MessageNotice]:
    claim = uuid.uuid4().hex
    MessageNotice.objects.filter(_due(now), pk__in=pks, attempts__lt=MAX_ATTEMPTS).update(
        state=NoticeState.SENDING,
        attempts=F("attempts") + 1,
        lease_expires_at=now + timedelta(seconds=settings.CLAYWORK_ALERT_LEASE_SECONDS),
        claim=claim,
    )
    return list(
        MessageNotice.objects.filter(claim=claim, state=NoticeState.SENDING)
        .select_related("recipient", "thread")
        .order_by("pk")
    )


def notices_send_due(*, now: datetime | None = None) -> int:
    """Send every due notice; returns how many e-mails were sent. Safe to run twice at once."""
    now = now or timezone.now()
    MessageNotice.objects.filter(
        state=NoticeState.SENDING, lease_expires_at__lte=now, attempts__gte=MAX_ATTEMPTS
    ).update(state=NoticeState.FAILED, lease_expires_at=None)
    sent = 0
    while True:
        due = list(
            MessageNotice.objects.filter(_due(now), attempts__lt=MAX_ATTEMPTS)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not due:
            return sent
        sent += _send_batch(_claim(due, now))


def _still_wanted(notice: MessageNotice) -> bool:
    """The recipient may still read the thread and has not read the message yet."""
    if not notice.recipient.is_active:
        return False
    if not policy.threads_visible_to(notice.recipient).filter(pk=notice.thread_id).exists():
        return False
    return not ReadMark.objects.filter(
        thread_id=notice.thread_id, reader_id=notice.recipient_id, read_up_to__gte=notice.message_id
    ).exists()


def _mine(notice: MessageNotice) -> QuerySet[MessageNotice]:
    return MessageNotice.objects.filter(pk=notice.pk, state=NoticeState.SENDING, claim=notice.claim)


def _send_batch(claimed: list[MessageNotice]) -> int:
    sent = 0
    with get_connection() as mail_connection:
        for notice in claimed:
            if not _still_wanted(notice):
                _mine(notice).update(state=NoticeState.CANCELLED, lease_expires_at=None)
                continue
            try:
                email = notice_email(notice)
                email.connection = mail_connection
                email.send()
            except Exception as error:  # retried, never lost
                _record_failure(notice, error)
                continue
            _mine(notice).update(
                state=NoticeState.SENT, sent_at=timezone.now(), lease_expires_at=None
            )
            sent += 1
    return sent


def _record_failure(notice: MessageNotice, error: Exception) -> None:
    reason = f"{type(error).__name__}"[:200]
    logger.warning("message notice %s attempt %s failed (%s)", notice.pk, notice.attempts, reason)
    if notice.attempts >= MAX_ATTEMPTS:
        _mine(notice).update(state=NoticeState.FAILED, lease_expires_at=None, last_error=reason)
        return
    _mine(notice).update(
        state=NoticeState.PENDING,
        next_attempt_at=timezone.now() + retry_delay(notice.attempts),
        lease_expires_at=None,
        last_error=reason,
    )


def notice_email(notice: MessageNotice) -> EmailMessage:
    """That there is a message, and a link: never who it is from, its subject or its words."""
    domain = urlsplit(settings.SITE_URL).hostname or "claywork.invalid"
    link = f"{settings.SITE_URL}{reverse('messaging:thread', args=[notice.thread_id])}"
    body = render_to_string(
        "messaging/email/new_message.txt",
        {"link": link, "help_link": f"{settings.SITE_URL}{reverse('help_now')}"},
    )
    return EmailMessage(
        subject=SUBJECT,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.recipient.email],
        headers={"Message-ID": f"<claywork.message-notice-{notice.pk}@{domain}>"},
    )
