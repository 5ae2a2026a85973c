"""The outbox sweep: flag missed check-ins, route again alerts that reached nobody, escalate
what is overdue, then send what is due; then record the worker's heartbeat.

Run by ``claywork worker`` every 30 seconds (in a thread beside the task loop) and by
``claywork deliver-alerts``; several sweeps at once are harmless, each row is claimed by one of
them."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from django.db import close_old_connections
from django.utils import timezone

from claywork.core.heartbeat import heartbeat_record
from claywork.core.housekeeping import housekeeping_run
from claywork.reminders.delivery import reminders_send_due
from claywork.reminders.services import reminders_plan_ahead
from claywork.safety.delivery import deliveries_send_due
from claywork.safety.missed_check_ins import alerts_for_missed_check_ins
from claywork.safety.routing import alerts_escalate_due, alerts_route_undeliverable

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 30.0


@dataclass(frozen=True)
class SweepResult:
    escalated: int
    sent: int
    reminders_sent: int = 0


def outbox_sweep() -> SweepResult:
    now = timezone.now()
    alerts_for_missed_check_ins(now=now)
    alerts_route_undeliverable(now=now)
    escalated = alerts_escalate_due(now=now)
    sent = deliveries_send_due(now=now)
    # Patients' reminders share the sweep (docs/architecture.md, "How a reminder will flow").
    reminders_plan_ahead(now=now)
    housekeeping_run(now=now)  # purges and erasures registered by the apps (core/housekeeping.py)
    result = SweepResult(escalated=escalated, sent=sent, reminders_sent=reminders_send_due(now=now))
    # Only a sweep that got this far counts: staff see a banner when none has for 2 minutes.
    heartbeat_record(now=timezone.now())
    return result


def sweep_forever(interval: float, stop: threading.Event | None = None) -> None:
    """Sweep until ``stop`` is set. A failing sweep (the database restarting, say) is logged
    and tried again at the next tick: the loop itself never dies of it."""
    stop = stop or threading.Event()
    while not stop.is_set():
        close_old_connections()
        try:
            outbox_sweep()
        except Exception:
            logger.exception("alert outbox sweep failed; trying again in %s s", interval)
        finally:
            close_old_connections()
        stop.wait(interval)
