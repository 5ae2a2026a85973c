"""Which scales are due: baseline, before each session, weekly; nothing without a course."""

from __future__ import annotations

from datetime import date, timedelta

from claywork.measures import schedule, selectors
from claywork.measures.schedule import DueScale
from tests.conftest import Personas

TODAY = date(2025, 6, 16)
SCALES = ["phq9", "gad7"]


def _due(
    *,
    last_completed: dict[str, date] | None = None,
    next_session_in: int | None = None,
    has_course: bool = True,
) -> list[DueScale]:
    return schedule.due_scales(
        today=TODAY,
        scheduled=SCALES,
        last_completed=last_completed or {},
        next_session_day=None
        if next_session_in is None
        else TODAY + timedelta(days=next_session_in),
        has_course=has_course,
    )


def _days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def test_nothing_is_due_without_a_course() -> None:
    assert _due(has_course=False) == []
    assert _due(has_course=False, last_completed={"phq9": _days_ago(30)}) == []


def test_every_scale_is_due_as_a_baseline_before_anything_is_completed() -> None:
    assert _due(next_session_in=10) == [DueScale("phq9", "baseline"), DueScale("gad7", "baseline")]


def test_only_the_scale_never_completed_is_due_as_a_baseline() -> None:
    assert _due(last_completed={"phq9": _days_ago(1)}) == [DueScale("gad7", "baseline")]


def test_scales_are_due_within_three_days_before_a_session() -> None:
    last = {"phq9": _days_ago(4), "gad7": _days_ago(4)}
    reason = "before your next session"
    assert _due(last_completed=last, next_session_in=3) == [
        DueScale("phq9", reason),
        DueScale("gad7", reason),
    ]
    assert _due(last_completed=last, next_session_in=0) == [
        DueScale("phq9", reason),
        DueScale("gad7", reason),
    ]


def test_nothing_is_due_before_the_session_window_opens() -> None:
    last = {"phq9": _days_ago(4), "gad7": _days_ago(4)}
    assert _due(last_completed=last, next_session_in=4) == []


def test_a_scale_completed_inside_the_window_is_not_due_again() -> None:
    last = {"phq9": _days_ago(1), "gad7": _days_ago(5)}
    assert _due(last_completed=last, next_session_in=2) == [
        DueScale("gad7", "before your next session")
    ]


def test_scales_are_due_weekly_between_and_after_sessions() -> None:
    assert _due(last_completed={"phq9": _days_ago(7), "gad7": _days_ago(6)}) == [
        DueScale("phq9", "weekly")
    ]
    assert _due(last_completed={"phq9": _days_ago(40), "gad7": _days_ago(40)}) == [
        DueScale("phq9", "weekly"),
        DueScale("gad7", "weekly"),
    ]


def test_a_patient_with_a_course_and_no_scores_is_asked_for_a_baseline(
    personas: Personas,
) -> None:
    due = selectors.due_scales_for(patient=personas.patient)
    assert [scale.code for scale in due] == ["phq9", "gad7"]
    assert {scale.reason for scale in due} == {"baseline"}
    assert selectors.due_scales_for(patient=personas.other_patient) == []
