"""Reads for the plan, goals, practices and "patterns in my check-ins"; all scoped to one
patient."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from claywork.accounts.models import User
from claywork.care.models import Session, SessionStatus
from claywork.journal.models import Entry
from claywork.measures.models import CheckIn
from claywork.practice import cadence, patterns
from claywork.practice.models import Goal, Practice, PracticeLog, Realm, RealmRating
from claywork.vault.services import open_text

WHEEL_DAYS_SHOWN = 3


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


def check_in_patterns(*, patient: User, today: date) -> patterns.Patterns:
    """Each practice the patient logged in the window against their check-ins there: four
    queries (the last session, the check-ins, the practice days, the practices' names)."""
    last_session = (
        Session.objects.filter(
            patient=patient, status=SessionStatus.COMPLETED, completed_at__isnull=False
        )
        .order_by("-completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    last_session_day = last_session.astimezone(patient.zone).date() if last_session else None
    since = patterns.window_start(today=today, last_session=last_session_day)
    check_ins = {
        day: patterns.CheckInDay(mood, anxiety)
        for day, mood, anxiety in CheckIn.objects.filter(
            patient=patient, day__gte=since, day__lte=today
        ).values_list("day", "mood", "anxiety")
    }
    days_by_practice: dict[int, set[date]] = defaultdict(set)
    for practice_id, day in PracticeLog.objects.filter(
        patient=patient, day__gte=since, day__lte=today
    ).values_list("practice_id", "day"):
        days_by_practice[practice_id].add(day)
    practice_days: dict[str, set[date]] = {}
    for practice in Practice.objects.filter(pk__in=days_by_practice).order_by("pk"):
        name = practice.display_name
        while name in practice_days:  # two own practices with one name stay two
            name += " (again)"
        practice_days[name] = days_by_practice[practice.pk]
    return patterns.find_patterns(
        check_ins, practice_days, first_day=since, last_day=today, seed=patient.pk
    )


# --- The insights that feed the plan ----------------------------------------------------------

LINKED_ENTRIES_SHOWN = 5
LINKED_ENTRIES_READ = 300
OPENING_WORDS = 10


@dataclass(frozen=True)
class LinkedEntry:
    """A journal entry linked to a realm or a goal: its title, or its opening words."""

    entry_id: int
    words: str
    created_at: datetime


@dataclass(frozen=True)
class GoalLinks:
    goal: Goal
    entries: list[LinkedEntry]


@dataclass(frozen=True)
class RealmLinks:
    realm: str
    label: str
    entries: list[LinkedEntry]
    goals: list[GoalLinks]


def _opening_words(text: str) -> str:
    words = text.split()
    return " ".join(words[:OPENING_WORDS]) + ("…" if len(words) > OPENING_WORDS else "")


def _opened(token: str, context: str, owner_id: int) -> str:
    return open_text(token=token, context=context, owner_id=owner_id) if token else ""


def _linked_entry(
    pk: int, owner_id: int, title_sealed: str, body_sealed: str, created_at: datetime
) -> LinkedEntry:
    # Opened here rather than through model instances: the body only when there is no title.
    title = _opened(title_sealed, Entry.title.context, owner_id)
    if not title.strip():
        title = _opened(body_sealed, Entry.body.context, owner_id)
    return LinkedEntry(pk, _opening_words(title), created_at)


def plan_links(*, patient_id: int) -> list[RealmLinks]:
    """Per realm, the patient's entries linked to it and their goals in it, each with the
    entries linked to the goal; newest first, a few each. Two queries (and the patient's key),
    however many realms, goals and entries."""
    goals = list(Goal.objects.filter(patient_id=patient_id, is_active=True))
    rows = (
        Entry.objects.filter(patient_id=patient_id)
        .filter(~Q(realm="") | Q(goal__isnull=False))
        .order_by("-created_at", "-pk")
        .values_list(
            "pk", "patient_id", "title_sealed", "body_sealed", "created_at", "realm", "goal_id"
        )[:LINKED_ENTRIES_READ]
    )
    by_realm: dict[str, list[LinkedEntry]] = defaultdict(list)
    by_goal: dict[int, list[LinkedEntry]] = defaultdict(list)
    for pk, owner_id, title_sealed, body_sealed, created_at, realm, goal_id in rows:
        wanted_here = realm and len(by_realm[realm]) < LINKED_ENTRIES_SHOWN
        wanted_there = goal_id and len(by_goal[goal_id]) < LINKED_ENTRIES_SHOWN
        if not (wanted_here or wanted_there):
            continue
        linked = _linked_entry(pk, owner_id, title_sealed, body_sealed, created_at)
        if wanted_here:
            by_realm[realm].append(linked)
        if wanted_there:
            by_goal[goal_id].append(linked)
    return [
        RealmLinks(
            realm=realm,
            label=label,
            entries=by_realm[realm],
            goals=[GoalLinks(goal, by_goal[goal.pk]) for goal in goals if goal.realm == realm],
        )
        for realm, label in Realm.choices
    ]
