"""Reads for the plan, goals, practices and "what helps me"; all scoped to one patient."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from claywork.measures.models import CheckIn
from claywork.practice import cadence, insights
from claywork.practice.models import Goal, Practice, PracticeLog, Realm, RealmRating

WHEEL_DAYS_SHOWN = 3
INSIGHT_WINDOW_DAYS = 180


def practices_for(*, patient_id: int) -> QuerySet[Practice]:
    """The catalogue and the patient's own practices."""
    return Practice.objects.filter(Q(patient__isnull=True) | Q(patient_id=patient_id))


@dataclass(frozen=True)
class RatingDay:
    day: date
    ratings: list[int | None]  # in Realm order


def realm_history(*, patient_id: int) -> list[RatingDay]:
    """Every day the patient rated their realms, oldest first."""
    by_day: dict[date, dict[str, int]] = defaultdict(dict)
    for realm, day, rating in RealmRating.objects.filter(patient_id=patient_id).values_list(
        "realm", "day", "rating"
    ):
        by_day[day][realm] = rating
    return [
        RatingDay(day, [ratings.get(realm) for realm in Realm.values])
        for day, ratings in sorted(by_day.items())
    ]


def wheel_chart(history: list[RatingDay]) -> dict[str, Any]:
    """The radar ("wheel") chart's data: the realms and the last few rating days."""
    return {
        "labels": list(Realm.labels),
        "series": [
            {"label": rated.day.isoformat(), "values": rated.ratings}
            for rated in history[-WHEEL_DAYS_SHOWN:]
        ],
    }


@dataclass(frozen=True)
class GoalView:
    goal: Goal
    streak: cadence.Streak
    progress: int  # check-offs in the current period


def goals_overview(*, patient_id: int, today: date) -> list[GoalView]:
    goals = list(
        Goal.objects.filter(patient_id=patient_id, is_active=True).prefetch_related("checks")
    )
    views = []
    for goal in goals:
        days = [check.day for check in goal.checks.all()]
        if goal.cadence == "weekly":
            streak = cadence.weekly_streak(days, today=today, per_week=goal.per_week)
        else:
            streak = cadence.daily_streak(days, today=today)
        progress = cadence.period_progress(days, today=today, cadence=goal.cadence)
        views.append(GoalView(goal, streak, progress))
    return views


@dataclass(frozen=True)
class WeeklyLine:
    name: str
    times: int
    minutes: int


@dataclass(frozen=True)
class WeeklySummary:
    first_day: date
    last_day: date
    lines: list[WeeklyLine]
    active_days: int
    minutes: int


def weekly_summary(*, patient_id: int, today: date) -> WeeklySummary:
    """The last seven days, today included."""
    first = today - timedelta(days=6)
    logs = PracticeLog.objects.filter(
        patient_id=patient_id, day__gte=first, day__lte=today
    ).select_related("practice")
    times: dict[int, int] = defaultdict(int)
    minutes: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    days: set[date] = set()
    for log in logs:
        times[log.practice_id] += 1
        minutes[log.practice_id] += log.duration_minutes or 0
        names[log.practice_id] = log.practice.display_name
        days.add(log.day)
    lines = sorted(
        (WeeklyLine(names[pk], times[pk], minutes[pk]) for pk in times),
        key=lambda line: (-line.times, line.name),
    )
    return WeeklySummary(first, today, lines, len(days), sum(minutes.values()))


@dataclass(frozen=True)
class PracticeInsight:
    name: str
    days_with: int
    days_without: int
    mood: insights.Comparison | None
    anxiety: insights.Comparison | None


def what_helps(*, patient_id: int, today: date) -> list[PracticeInsight]:
    """For each practice the patient has logged, check-in days with it against days without."""
    since = today - timedelta(days=INSIGHT_WINDOW_DAYS)
    check_ins = {
        day: (mood, anxiety)
        for day, mood, anxiety in CheckIn.objects.filter(
            patient_id=patient_id, day__gte=since, day__lte=today
        ).values_list("day", "mood", "anxiety")
    }
    practice_days: dict[int, set[date]] = defaultdict(set)
    for practice_id, day in PracticeLog.objects.filter(
        patient_id=patient_id, day__gte=since, day__lte=today
    ).values_list("practice_id", "day"):
        practice_days[practice_id].add(day)
    names = {
        practice.pk: practice.display_name
        for practice in Practice.objects.filter(pk__in=practice_days)
    }
    results = []
    for practice_id, days in practice_days.items():
        with_days = [check_ins[day] for day in check_ins if day in days]
        without_days = [check_ins[day] for day in check_ins if day not in days]
        results.append(
            PracticeInsight(
                name=names[practice_id],
                days_with=len(with_days),
                days_without=len(without_days),
                mood=insights.compare([m for m, _ in with_days], [m for m, _ in without_days]),
                anxiety=insights.compare([a for _, a in with_days], [a for _, a in without_days]),
            )
        )
    return sorted(results, key=lambda result: (-result.days_with, result.name))
