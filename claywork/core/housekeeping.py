"""Periodic clean-up that belongs to a domain app but runs in the worker's sweep: purging
deleted journal entries after their undo window, erasing accounts whose grace period ended.

``core`` imports no domain app, so each app registers its job here (from its ``AppConfig.ready``)
and the sweep (``safety.sweep``) runs them all every tick. A job is a plain function of the
current time; a failing job is logged and does not stop the others or the sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

logger = logging.getLogger(__name__)

Job = Callable[[datetime], object]
_jobs: dict[str, Job] = {}


def housekeeping_register(name: str, job: Job) -> None:
    _jobs[name] = job


def housekeeping_run(*, now: datetime) -> dict[str, object]:
    """Run every registered job once; returns what each returned (None when it failed)."""
    results: dict[str, object] = {}
    for name, job in _jobs.items():
        try:
            results[name] = job(now)
        except Exception:
            logger.exception("housekeeping job %s failed; trying again next sweep", name)
            results[name] = None
    return results
