"""The workers' heartbeat: every sweep of the outbox records that it ran, so a page, a probe or
an operator can tell whether alerts are being sent (``/healthz``, the staff banner, ``claywork
doctor``).

``ok``: a worker finished a sweep within ``CLAYWORK_WORKER_LATE_SECONDS`` (2 minutes by default,
four sweeps); ``late``: the newest sweep is older than that; ``missing``: no worker has ever
swept, or not for five times as long.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from claywork.core.models import WorkerHeartbeat

OK, LATE, MISSING = "ok", "late", "missing"
# Rows of processes that stopped long ago are removed by the next sweep of any worker.
FORGET_AFTER = timedelta(days=1)
_STARTED_AT = timezone.now()


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def heartbeat_record(*, now: datetime, worker: str | None = None) -> None:
    """Record that this worker finished a sweep. Two short statements, no lock held."""
    name = worker or this_worker()
    if not WorkerHeartbeat.objects.filter(worker=name).update(swept_at=now):
        try:
            with transaction.atomic():
                WorkerHeartbeat.objects.create(worker=name, started_at=_STARTED_AT, swept_at=now)
        except IntegrityError:  # the same name raced itself (a pid reused); either row will do
            WorkerHeartbeat.objects.filter(worker=name).update(swept_at=now)
    WorkerHeartbeat.objects.filter(swept_at__lt=now - FORGET_AFTER).delete()


@dataclass(frozen=True)
class WorkerStatus:
    state: str  # ok, late or missing
    last_swept_at: datetime | None
    age_seconds: int | None

    @property
    def is_ok(self) -> bool:
        return self.state == OK

    @property
    def age_minutes(self) -> int | None:
        return None if self.age_seconds is None else self.age_seconds // 60


def worker_state(last_swept_at: datetime | None, now: datetime) -> WorkerStatus:
    """The rule, without the database."""
    if last_swept_at is None:
        return WorkerStatus(MISSING, None, None)
    age = max(int((now - last_swept_at).total_seconds()), 0)
    late_after = settings.CLAYWORK_WORKER_LATE_SECONDS
    state = OK if age <= late_after else LATE if age <= 5 * late_after else MISSING
    return WorkerStatus(state, last_swept_at, age)


def worker_status(*, now: datetime | None = None) -> WorkerStatus:
    """One indexed query: the newest sweep of any worker."""
    newest = WorkerHeartbeat.objects.aggregate(newest=Max("swept_at"))["newest"]
    return worker_state(newest, now or timezone.now())
