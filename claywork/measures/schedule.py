"""Which scales are due, as a plain function of dates.

Baseline before the first session, again before each session, then weekly during and after
the course. ``CLAYWORK_SCHEDULED_INSTRUMENTS`` names the scales.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

BEFORE_SESSION_DAYS = 3
WEEKLY_DAYS = 7


@dataclass(frozen=True)
class DueScale:
    code: str
    reason: str


def due_scales(
    *,
    today: date,
    scheduled: list[str],
    last_completed: dict[str, date],
    next_session_day: date | None,
    has_course: bool,
) -> list[DueScale]:
    if not has_course:
        return []
    due: list[DueScale] = []
    for code in scheduled:
        last = last_completed.get(code)
        if last is None:
            due.append(DueScale(code, "baseline"))
        elif (
            next_session_day is not None
            and today >= next_session_day - timedelta(days=BEFORE_SESSION_DAYS)
            and last < next_session_day - timedelta(days=BEFORE_SESSION_DAYS)
        ):
            due.append(DueScale(code, "before your next session"))
        elif today - last >= timedelta(days=WEEKLY_DAYS):
            due.append(DueScale(code, "weekly"))
    return due
