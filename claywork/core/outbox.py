"""The outbox's promise, kept once for every outbox (alert e-mails, reminders): a row is sent
only by the sender holding a live claim on it, attempts count sends that started, and a
stopping sender hands back what it has not started (decision 0007).

A row moves ``pending`` → ``sending`` → ``sent``, or back to ``pending`` (a failed attempt,
retried with backoff), or ``failed`` after ``max_attempts`` started attempts:

1. **claim**: one conditional UPDATE stamps up to ``limit`` due rows with a fresh claim token
   and a lease. Due means pending and past its retry time, or ``sending`` with an expired
   lease (its sender died). On PostgreSQL the rows are picked with ``SELECT ... FOR UPDATE
   SKIP LOCKED``, so senders do not queue on each other; on SQLite the IMMEDIATE transaction
   already lets one writer in at a time. Either way the UPDATE re-checks that the row is due,
   so two senders never hold one row.
2. **start**: just before each send, one UPDATE conditional on the token *and a live lease*
   renews the lease and counts the attempt. A sender whose claim ran out while it waited (a
   slow mail server ahead of it in the batch) finds nothing to update and does not send.
3. **finish**: mark the row sent, or record the failure (retry later, or ``failed``), each
   conditional on still holding the token.
4. **release**: rows claimed but not started (the process is stopping, or the sweep's time
   slice is over) go back to ``pending`` as they were: no attempt is burnt.

The guarantee, honestly: a row is *recorded* sent once, by one sender. The mail server may
receive a message twice only if a sender dies (``kill -9``, power loss) between the server's
"250 OK" and step 3, or if one send outlasts the lease (``CLAYWORK_ALERT_LEASE_SECONDS`` must
stay above the mail backend's bound, ``core/mail.py``). That window cannot be closed from our
side of SMTP; the stable Message-ID of each row lets mail systems drop the copy.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"

Row = TypeVar("Row", bound=models.Model)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# Set when the process was asked to stop (SIGTERM, SIGINT): no new send starts.
_stopping = threading.Event()


def request_stop() -> None:
    _stopping.set()


def stop_requested() -> bool:
    return _stopping.is_set()


def pause(seconds: float) -> bool:
    """Sleep up to ``seconds``, waking at once when the process is asked to stop; returns
    whether it was."""
    return _stopping.wait(seconds)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside: SIGTERM or SIGINT stops starting sends, lets the one in flight finish and
    hands back the rest. A second signal stops at once (exit code 1); anything in flight is
    then retaken by another sender once its lease expires. Main thread only."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop_requested():
            logger.warning("%s again: stopping now", signal.strsignal(signum))
            raise SystemExit(1)
        logger.warning("%s: finishing the send in flight, then stopping", signal.strsignal(signum))
        request_stop()

    previous = {number: signal.signal(number, on_signal) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def clear_stop() -> None:
    """For a process that starts sending again (and for tests)."""
    _stopping.clear()


def lease_length() -> timedelta:
    return timedelta(seconds=settings.CLAYWORK_ALERT_LEASE_SECONDS)


def backoff(attempts: int, *, first: timedelta, longest: timedelta) -> timedelta:
    """``first``, twice that, four times ... after the n-th failed attempt, at most ``longest``."""
    return min(first * 2 ** max(attempts - 1, 0), longest)


@dataclass(frozen=True)
class Outbox:
    """One outbox table. Its model has the fields ``state``, ``claim``, ``lease_expires_at``,
    ``attempts``, ``next_attempt_at``, ``last_error`` and ``sent_at``."""

    model: type[models.Model]
    label: str  # for the log: "alert delivery", "reminder"
    max_attempts: int
    retry_delay: Callable[[int], timedelta]
    # What else a due row must be (reminders: still useful).
    also_due: Callable[[datetime], Q] = field(default=lambda now: Q())

    def due(self, now: datetime) -> Q:
        return (
            (
                Q(state=PENDING, next_attempt_at__lte=now)
                | Q(state=SENDING, lease_expires_at__lte=now)
            )
            & Q(attempts__lt=self.max_attempts)
            & self.also_due(now)
        )

    def rows(self) -> models.QuerySet[Any]:
        return self.model._default_manager.all()


def _mine(outbox: Outbox, pk: int, token: str) -> models.QuerySet[Any]:
    return outbox.rows().filter(pk=pk, state=SENDING, claim=token)


# --- 1. Claim -------------------------------------------------------------------------------


def claim(outbox: Outbox, *, now: datetime, limit: int) -> str | None:
    """Claim up to ``limit`` due rows, oldest first; returns the claim token, or None when
    nothing was due (or other senders hold all of it). Read the rows with ``claimed``."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        pks = list(
            outbox.rows()
            .select_for_update(skip_locked=True)
            .filter(outbox.due(now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not pks:
            return None
        taken = (
            outbox.rows()
            .filter(outbox.due(now), pk__in=pks)
            .update(state=SENDING, claim=token, lease_expires_at=timezone.now() + lease_length())
        )
    return token if taken else None


def claimed(outbox: Outbox, token: str) -> models.QuerySet[Any]:
    return outbox.rows().filter(claim=token, state=SENDING).order_by("next_attempt_at", "pk")


# --- 2. Start -------------------------------------------------------------------------------


def attempt_start(outbox: Outbox, row: Any, token: str) -> bool:
    """Renew the lease and count the attempt, if this sender still holds a live claim."""
    now = timezone.now()
    started = (
        _mine(outbox, row.pk, token)
        .filter(lease_expires_at__gt=now)
        .update(attempts=F("attempts") + 1, lease_expires_at=now + lease_length())
    )
    if not started:
        logger.warning("%s %s not sent: its claim ran out before the send", outbox.label, row.pk)
        return False
    row.attempts += 1
    return True


def still_mine(outbox: Outbox, row: Any, token: str) -> bool:
    """Renew the lease without counting an attempt, if this sender still holds a live claim:
    before each further step of one send (a reminder's second channel), so a sender that lost
    its claim during the first does not go on."""
    now = timezone.now()
    return bool(
        _mine(outbox, row.pk, token)
        .filter(lease_expires_at__gt=now)
        .update(lease_expires_at=now + lease_length())
    )


def record(outbox: Outbox, row: Any, token: str, **changes: object) -> bool:
    """Write part of a send's outcome (a reminder's channel sent) while holding the claim."""
    return bool(_mine(outbox, row.pk, token).update(**changes))


# --- 3. Finish ------------------------------------------------------------------------------


def attempt_succeeded(outbox: Outbox, row: Any, token: str) -> None:
    if not _mine(outbox, row.pk, token).update(
        state=SENT, sent_at=timezone.now(), lease_expires_at=None, last_error=""
    ):
        # The send outlasted the lease and another sender retook the row: it may be sent
        # twice. Only a lease shorter than the mail backend's bound allows this.
        logger.error(
            "%s %s was sent after its lease expired; keep CLAYWORK_ALERT_LEASE_SECONDS above "
            "the mail timeout",
            outbox.label,
            row.pk,
        )
        return
    logger.info("%s %s sent (attempt %s)", outbox.label, row.pk, row.attempts)


def attempt_failed(outbox: Outbox, row: Any, token: str, error: BaseException) -> None:
    """Retry later with backoff, or give up after ``max_attempts`` started attempts. Every
    attempt is logged with its error."""
    reason = f"{type(error).__name__}: {error}"[:200]
    if row.attempts >= outbox.max_attempts:
        logger.error(
            "%s %s failed after %s attempts (%s)", outbox.label, row.pk, row.attempts, reason
        )
        changes: dict[str, object] = {"state": FAILED}
    else:
        retry_at = timezone.now() + outbox.retry_delay(row.attempts)
        logger.warning(
            "%s %s attempt %s failed (%s); retrying at %s",
            outbox.label,
            row.pk,
            row.attempts,
            reason,
            retry_at.isoformat(),
        )
        changes = {"state": PENDING, "next_attempt_at": retry_at}
    _mine(outbox, row.pk, token).update(lease_expires_at=None, last_error=reason, **changes)


def give_up_on_abandoned(outbox: Outbox, *, now: datetime) -> int:
    """A row whose every started attempt died with its sender is failed, not retried for
    ever. Only rows with an expired lease: never one another sender is still sending."""
    abandoned = outbox.rows().filter(
        state=SENDING, lease_expires_at__lte=now, attempts__gte=outbox.max_attempts
    )
    for pk in abandoned.values_list("pk", flat=True):
        logger.error(
            "%s %s failed: its senders stopped while sending, every time", outbox.label, pk
        )
    return abandoned.update(
        state=FAILED,
        lease_expires_at=None,
        last_error="The sender stopped while sending, every time.",
    )


# --- 4. Release -----------------------------------------------------------------------------


def release(outbox: Outbox, token: str, pks: Sequence[int]) -> int:
    """Hand back claimed rows that were not started: due again at once, no attempt counted."""
    if not pks:
        return 0
    return (
        outbox.rows()
        .filter(pk__in=list(pks), state=SENDING, claim=token)
        .update(state=PENDING, claim="", lease_expires_at=None)
    )


# --- All four, for a batch ------------------------------------------------------------------


def send_claimed(
    outbox: Outbox,
    rows: Sequence[Row],
    token: str,
    send: Callable[[Row], None],
    *,
    deadline: float | None = None,
) -> int:
    """Start, send and finish each claimed row in turn; stop starting new ones once the
    process is stopping or ``deadline`` (``time.monotonic()``) has passed, and release the
    rest. Returns how many were sent."""
    started: set[int] = set()
    sent = 0
    try:
        for row in rows:
            if stop_requested() or (deadline is not None and time.monotonic() >= deadline):
                break
            if not attempt_start(outbox, row, token):
                continue
            started.add(row.pk)
            try:
                send(row)
            except Exception as error:  # any failure of the mail system is retried, never lost
                attempt_failed(outbox, row, token, error)
                continue
            attempt_succeeded(outbox, row, token)
            sent += 1
    finally:
        release(outbox, token, [row.pk for row in rows if row.pk not in started])
    return sent
