"""Goal cadences and gentle streaks. Pure Python, no Django.

A streak never breaks on a rest: for a daily goal, up to ``REST_DAYS`` missed days in a row
are rest days and the run goes on; for a weekly goal, one missed week is a rest week. The
current day (or week) still in progress never counts against anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

REST_DAYS = 2
REST_WEEKS = 1


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Streak:
    count: int  # days (daily goals) or weeks (weekly goals) done within the current run
    unit: str  # "day" or "week"
    done_now: bool  # today / this week's target already met


def daily_streak(done_days: Iterable[date], *, today: date, rest_days: int = REST_DAYS) -> Streak:
    done = {day for day in done_days if day <= today}
    count, rest, day = 0, 0, today
    if day not in done:
        day -= timedelta(days=1)  # today is not over yet: it cannot be a miss
    while done and day >= min(done):
        if day in done:
            count, rest = count + 1, 0
        else:
            rest += 1
            if rest > rest_days:
                break
        day -= timedelta(days=1)
    return Streak(count=count, unit="day", done_now=today in done)


def weekly_streak(
    done_days: Iterable[date], *, today: date, per_week: int = 1, rest_weeks: int = REST_WEEKS
) -> Streak:
    per_week = max(1, per_week)
    counts: dict[date, int] = {}
    for day in done_days:
        if day <= today:
            counts[week_start(day)] = counts.get(week_start(day), 0) + 1
    met = {week for week, n in counts.items() if n >= per_week}
    this_week = week_start(today)
    count, rest, week = 0, 0, this_week
    if week not in met:
        week -= timedelta(weeks=1)
    while met and week >= min(met):
        if week in met:
            count, rest = count + 1, 0
        else:
            rest += 1
            if rest > rest_weeks:
                break
        week -= timedelta(weeks=1)
    return Streak(count=count, unit="week", done_now=this_week in met)


def period_progress(done_days: Iterable[date], *, today: date, cadence: str) -> int:
    """How many check-offs fall in the current period (today, or this week)."""
    if cadence == "daily":
        return sum(1 for day in done_days if day == today)
    start = week_start(today)
    return sum(1 for day in done_days if start <= day <= today)
