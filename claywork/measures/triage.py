"""The triage side of the caseload: what is due or overdue, fading in words, the clinic's
check-in limit and the mood of the last days. Plain functions over the caseload's values;
``caseload`` puts them in rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Aggregate, CharField, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Concat

from claywork.accounts.models import User
from claywork.clinics.models import Clinic
from claywork.measures import effect, instruments, schedule
from claywork.measures.models import CheckIn

# A scale due for this many days past its weekly date is overdue, not just due.
OVERDUE_GRACE_DAYS = 3


@dataclass(frozen=True)
class ScaleDue:
    """A scheduled scale the patient has not answered yet: due, or overdue."""

    title: str
    reason: str
    overdue: bool


@dataclass(frozen=True)
class FadingStanding:
    """The patient's current fading episode, in words: its firmest rule and the values."""

    rule: str
    detail: str
    since: date
    # 1: an early warning (shown, no alert), 2: the alert tier (the stored episode's tier).
    depth: int

    @property
    def words(self) -> str:
        return f"{effect.RULE_TITLES.get(self.rule, self.rule)} ({self.detail})"

    @property
    def tier(self) -> str:
        return effect.TIER_TITLES[effect.EARLY_WARNING if self.depth < 2 else effect.ALERT]


def scheduled_codes() -> list[str]:
    return [
        code for code in settings.CLAYWORK_SCHEDULED_INSTRUMENTS if code in instruments.registry()
    ]


def is_overdue(
    due: schedule.DueScale,
    *,
    today: date,
    last: date | None,
    next_session_day: date | None,
    completed_count: int,
) -> bool:
    """Overdue, not just due: a baseline still missing once a session was completed, a scale
    for the next session still missing on the day before it, or a weekly scale
    ``OVERDUE_GRACE_DAYS`` past its week."""
    if last is None:
        return completed_count > 0
    if next_session_day is not None and due.reason.startswith("before"):
        return today >= next_session_day - timedelta(days=1)
    return (today - last).days >= schedule.WEEKLY_DAYS + OVERDUE_GRACE_DAYS


def scales_due(patient: dict[str, Any], today: date, zone: ZoneInfo) -> tuple[ScaleDue, ...]:
    if patient["scores_consent"] is False:
        return ()
    last_completed = {}
    for code in scheduled_codes():
        at = patient.get(f"{code}_latest_at", patient.get(f"scheduled_{code}_at"))
        if at is not None:
            last_completed[code] = at.astimezone(zone).date()
    next_at = patient["next_session_at"]
    next_day = next_at.astimezone(zone).date() if next_at else None
    due = schedule.due_scales(
        today=today,
        scheduled=scheduled_codes(),
        last_completed=last_completed,
        next_session_day=next_day,
        has_course=patient["has_course"],
    )
    return tuple(
        ScaleDue(
            title=instruments.get_instrument(scale.code).title,
            reason=scale.reason.replace("your", "the"),
            overdue=is_overdue(
                scale,
                today=today,
                last=last_completed.get(scale.code),
                next_session_day=next_day,
                completed_count=patient["completed_count"],
            ),
        )
        for scale in due
    )


def in_window(completed_at: datetime | None, now: datetime) -> bool:
    if completed_at is None:
        return False
    opens = completed_at + timedelta(hours=settings.CLAYWORK_WINDOW_OPENS_HOURS)
    closes = completed_at + timedelta(hours=settings.CLAYWORK_WINDOW_CLOSES_HOURS)
    return opens <= now < closes


@cache
def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


class _JoinedText(Aggregate):
    """A group's texts joined by commas, in no particular order: ``GROUP_CONCAT`` on SQLite,
    ``STRING_AGG`` on PostgreSQL (Django 5.2 has no portable one)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra)


def recent_moods(since: date, patient_ref: str = "pk") -> Subquery:
    """Each patient's check-in moods since ``since`` as one text, ``"YYYY-MM-DD:mood"`` pairs
    joined by commas (``sparkline.sparkline_from_text`` reads it): a column of the caseload's
    one query, instead of a row per check-in (3,000 for 200 patients) turned into dates."""
    pairs = (
        CheckIn.objects.filter(patient=OuterRef(patient_ref), day__gte=since)
        .order_by()
        .values("patient")
        .annotate(pairs=_JoinedText(Concat("day", Value(":"), "mood", output_field=CharField())))
        .values("pairs")
    )
    return Subquery(pairs, output_field=TextField())


def fading_standing(patient: dict[str, Any]) -> FadingStanding | None:
    if patient["fading_since"] is None or patient["scores_consent"] is False:
        return None
    rule = patient["fading_rule"]
    return FadingStanding(
        rule=rule,
        detail=patient["fading_detail"],
        since=patient["fading_since"],
        depth=2 if patient.get("fading_tier") == effect.ALERT else 1,
    )


def missed_check_in_limit(clinician: User) -> int:
    """The clinic's number of days without a check-in before the caseload shows it in red."""
    if clinician.clinic_id is None:
        return int(settings.CLAYWORK_MISSED_CHECK_INS_DAYS)
    days = (
        Clinic.objects.filter(pk=clinician.clinic_id)
        .values_list("missed_check_in_days", flat=True)
        .first()
    )
    return days or settings.CLAYWORK_MISSED_CHECK_INS_DAYS
