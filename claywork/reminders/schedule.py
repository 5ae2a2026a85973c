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


def wall_time_after_quiet_hours(at: time, start: time | None, end: time | None) -> time | None:
    """When a reminder chosen for wall-clock ``at`` arrives, as a wall-clock time: ``at``
    itself, the end of the quiet hours it falls in, or None when the quiet hours last past
    midnight (a reminder for the day is not sent the next morning)."""
    if start is None or end is None or start == end:
        return at
    if start < end:
        return end if start <= at < end else at
    if at >= start:
        return None
    return end if at < end else at


def in_quiet_hours_on_the_clock(at: time, start: time | None, end: time | None) -> bool:
    """Whether wall-clock ``at`` is inside the quiet hours (on any day)."""
    return wall_time_after_quiet_hours(at, start, end) != at
