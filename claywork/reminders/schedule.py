"""When reminders fall, as plain functions of time and zone (no database).

All arithmetic that depends on the wall clock is done in the patient's zone with ``zoneinfo``
and converted to UTC at the end, so "every day at 20:00" stays 20:00 across a DST change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``at`` in ``zone``, in UTC. A time that does not exist (skipped by a
    spring-forward) falls after the gap, 02:30 becoming 03:30; an ambiguous one (repeated by a
    fall-back) is its first occurrence. Both follow from ``fold=0`` (PEP 495)."""
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def in_quiet_hours(moment: datetime, zone: ZoneInfo, start: time | None, end: time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    wall = moment.astimezone(zone).time()
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end  # the quiet hours cross midnight


def after_quiet_hours(
    moment: datetime, zone: ZoneInfo, start: time | None, end: time | None
) -> datetime:
    """``moment`` itself, or the end of the quiet hours it falls in (in UTC)."""
    if start is None or end is None or not in_quiet_hours(moment, zone, start, end):
        return moment
    local = moment.astimezone(zone)
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)  # 23:00 in 22:00-07:00 ends tomorrow morning
    return local_instant(day, end, zone)


def next_midnight(moment: datetime, zone: ZoneInfo) -> datetime:
    """The end of ``moment``'s local day, in UTC."""
    return local_instant(moment.astimezone(zone).date() + timedelta(days=1), time(0), zone)
