"""Is Claywork working? Small status functions, composed by ``/healthz`` and the staff banner.

Each function answers one question with a small dict (or a dataclass) and no health text;
``health_report`` merges them. A new part (the crisis model's state, say) is one more
function in ``STATUS_PARTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone

from claywork.core.heartbeat import WorkerStatus, worker_status
from claywork.safety import semantic
from claywork.safety.models import Alert
from claywork.safety.routing import UNDELIVERABLE


def database_status(now: datetime) -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return {"database": "unreachable"}
    return {"database": "ok"}


def worker_report(now: datetime) -> dict[str, Any]:
    status = worker_status(now=now)
    return {"worker": status.state, "worker_age_seconds": status.age_seconds}


def alerts_report(now: datetime) -> dict[str, Any]:
    """How many open alerts reach nobody (no names, no text)."""
    return {"undeliverable_alerts": Alert.objects.filter(UNDELIVERABLE).count()}


def screening_model_report(now: datetime) -> dict[str, Any]:
    """Whether the crisis screen's semantic model is loaded, or the rules screen alone."""
    return semantic.status()


STATUS_PARTS: list[Callable[[datetime], dict[str, Any]]] = [
    database_status,
    worker_report,
    alerts_report,
    screening_model_report,
]


def health_report(now: datetime | None = None) -> dict[str, Any]:
    """``status`` is ``ok``, ``degraded`` (the web answers, but alerts are not flowing) or
    ``down`` (no database)."""
    now = now or timezone.now()
    report: dict[str, Any] = {}
    for part in STATUS_PARTS:
        report.update(part(now))
        if report.get("database") == "unreachable":
            return {"status": "down", **report}
    degraded = (
        report["worker"] != "ok"
        or report["undeliverable_alerts"] > 0
        or report["screening_model"] != "ok"
    )
    return {"status": "degraded" if degraded else "ok", **report}


@dataclass(frozen=True)
class StaffBanner:
    """What a clinician or clinic admin is told at the top of every page."""

    worker: WorkerStatus
    undeliverable: int  # in the viewer's clinic
    screening_model_problem: str = ""  # why crisis screening runs on rules alone

    @property
    def shown(self) -> bool:
        return not self.worker.is_ok or self.undeliverable > 0 or bool(self.screening_model_problem)


def staff_banner(clinic_id: int | None, now: datetime | None = None) -> StaffBanner:
    """Two small indexed queries; only on staff pages."""
    now = now or timezone.now()
    undeliverable = (
        Alert.objects.filter(UNDELIVERABLE, patient__clinic_id=clinic_id).count()
        if clinic_id
        else 0
    )
    model = semantic.status()
    return StaffBanner(
        worker=worker_status(now=now),
        undeliverable=undeliverable,
        screening_model_problem=model.get("screening_model_problem", "") or "",
    )
