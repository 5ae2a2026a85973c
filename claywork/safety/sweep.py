"""The outbox sweep: flag missed check-ins, route again alerts that reached nobody, escalate
what is overdue, send the due alert e-mails, then reminders for a time slice; then record the
worker's heartbeat.

Run by ``claywork worker`` every 30 seconds (in a thread beside the task loop) and by
``claywork deliver-alerts``; several sweeps at once are harmless, each row is claimed by one of
them. Alerts never wait behind reminders: a sweep gives reminders at most
``REMINDER_SLICE_SECONDS``, and when some are left the next sweep (alerts first again) starts
at once instead of after the interval.

Stopping (``core/outbox.py``'s stop request, set on SIGTERM/SIGINT): no new send starts, the
one in flight finishes (bounded by the mail timeout), claimed rows not started are handed
back, and ``sweep_forever`` returns."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import close_old_connections
from django.utils import timezone

from claywork.core import outbox
from claywork.core.heartbeat import heartbeat_record
from claywork.core.housekeeping import housekeeping_run
from claywork.reminders.delivery import reminders_send_slice
from claywork.reminders.services import reminders_plan_ahead
from claywork.safety.delivery import deliveries_send_due
from claywork.safety.missed_check_ins import alerts_for_missed_check_ins
from claywork.safety.routing import alerts_escalate_due, alerts_route_undeliverable

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 30.0
# The most a sweep spends on reminders before looking at alerts again.
REMINDER_SLICE_SECONDS = 10.0


@dataclass(frozen=True)
class SweepResult:
    escalated: int
    sent: int
    reminders_sent: int = 0
    # False when the reminders' time slice ran out with some still due.
    reminders_finished: bool = True


def outbox_sweep(*, reminder_seconds: float | None = REMINDER_SLICE_SECONDS) -> SweepResult:
    now = timezone.now()
    alerts_for_missed_check_ins(now=now)
    alerts_route_undeliverable(now=now)
    escalated = alerts_escalate_due(now=now)
    sent = deliveries_send_due(now=now)
    # Patients' reminders share the sweep (docs/architecture.md, "How a reminder will flow").
    reminders_plan_ahead(now=now)
    housekeeping_run(now=now)  # purges and erasures registered by the apps (core/housekeeping.py)
    reminders = reminders_send_slice(now=now, seconds=reminder_seconds)
    result = SweepResult(
        escalated=escalated,
        sent=sent,
        reminders_sent=reminders.sent,
        reminders_finished=reminders.finished,
    )
    # Only a sweep that got this far counts: staff see a banner when none has for 2 minutes.
    heartbeat_record(now=timezone.now())
    return result


def sweep_forever(interval: float) -> None:
    """Sweep until the process is asked to stop (``core/outbox.py``). A failing sweep (the
    database restarting, say) is logged and tried again at the next tick: the loop itself never
    dies of it."""
    while not outbox.stop_requested():
        close_old_connections()
        wait = interval
        try:
            if not outbox_sweep().reminders_finished:
                wait = 0  # reminders are left: sweep again now, alerts first
        except Exception:
            logger.exception("alert outbox sweep failed; trying again in %s s", interval)
        finally:
            close_old_connections()
        outbox.pause(wait)
