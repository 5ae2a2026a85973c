"""Where a patient is in their integration window: pure functions of time and settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from claywork.care.integration import LAST_STEP_DAYS, integration_steps, window_position

COMPLETED = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def _at(*, hours: float = 0, days: float = 0) -> datetime:
    return COMPLETED + timedelta(hours=hours, days=days)


# --- Default offsets: window 12-24 h, follow-ups on days 3, 7 and 14 --------------------------


def test_just_after_the_session_is_hour_zero_of_rest() -> None:
    position = window_position(COMPLETED, COMPLETED)
    assert position.headline == "Hour 0 after your session"
    assert position.current_step == "rest"
    assert position.hours_since == 0
    assert not position.finished


def test_before_twelve_hours_counts_hours_after_the_session() -> None:
    position = window_position(COMPLETED, _at(hours=5, days=0) + timedelta(minutes=59))
    assert position.headline == "Hour 5 after your session"
    assert position.detail == "Your 12-24 h integration window opens in 7 h."
    assert position.current_step == "rest"
    assert position.hours_since == 5
    assert not position.finished


def test_the_window_opens_at_exactly_twelve_hours() -> None:
    assert window_position(COMPLETED, _at(hours=12) - timedelta(seconds=1)).current_step == "rest"
    position = window_position(COMPLETED, _at(hours=12))
    assert position.headline == "Hour 12 of the 12-24 h window"
    assert position.current_step == "window"


def test_at_fourteen_hours_the_window_is_open() -> None:
    position = window_position(COMPLETED, _at(hours=14, days=0) + timedelta(minutes=30))
    assert position.headline == "Hour 14 of the 12-24 h window"
    assert position.detail == "The window is open for about 10 more hours."
    assert position.current_step == "window"
    assert position.hours_since == 14
    assert not position.finished


def test_after_the_window_closes_and_before_day_three_the_window_reflection_continues() -> None:
    position = window_position(COMPLETED, _at(hours=30))
    assert position.headline == "Day 1 of your integration"
    assert position.current_step == "window"
    assert not position.finished


@pytest.mark.parametrize(
    ("days", "headline", "step"),
    [
        (3, "Day 3 of your integration", "day_3"),
        (5, "Day 5 of your integration", "day_3"),
        (7, "Day 7 of your integration", "day_7"),
        (13, "Day 13 of your integration", "day_7"),
        (14, "Day 14 of your integration", "day_14"),
        (20, "Day 20 of your integration", "day_14"),
    ],
)
def test_follow_up_days(days: int, headline: str, step: str) -> None:
    position = window_position(COMPLETED, _at(days=days))
    assert position.headline == headline
    assert position.current_step == step
    assert position.hours_since == days * 24
    assert not position.finished
    assert position.detail == "Keep going at your own pace."


def test_the_timeline_is_finished_after_the_last_step() -> None:
    last_step_ends = _at(days=14 + LAST_STEP_DAYS)
    assert not window_position(COMPLETED, last_step_ends - timedelta(seconds=1)).finished
    position = window_position(COMPLETED, last_step_ends)
    assert position.finished
    assert position.current_step is None
    assert "timeline is complete" in position.detail
    assert window_position(COMPLETED, _at(days=400)).finished


def test_a_clock_before_the_session_end_is_not_negative() -> None:
    position = window_position(COMPLETED, COMPLETED - timedelta(hours=3))
    assert position.hours_since == 0
    assert position.headline == "Hour 0 after your session"


def test_default_steps_are_contiguous_and_ordered() -> None:
    steps = integration_steps(COMPLETED)
    assert [step.key for step in steps] == ["rest", "window", "day_3", "day_7", "day_14"]
    assert steps[0].starts_at == COMPLETED
    assert steps[1].starts_at == _at(hours=12)
    assert steps[1].ends_at == _at(hours=24)
    assert steps[1].title == "The 12-24 h integration window"
    assert [step.starts_at for step in steps[2:]] == [_at(days=3), _at(days=7), _at(days=14)]
    assert [step.ends_at for step in steps[2:]] == [_at(days=7), _at(days=14), _at(days=21)]
    for earlier, later in zip(steps[2:], steps[3:], strict=False):
        assert earlier.ends_at == later.starts_at


def test_step_states_follow_the_clock_and_the_current_step() -> None:
    rest, window, day_3, *_ = integration_steps(COMPLETED)
    now = _at(hours=14)
    current = window_position(COMPLETED, now).current_step
    assert [step.state(now, current) for step in (rest, window, day_3)] == [
        "past",
        "current",
        "upcoming",
    ]
    # Between the window closing and day 3, the window's reflection is still the current step.
    later = _at(hours=30)
    current = window_position(COMPLETED, later).current_step
    assert [step.state(later, current) for step in (rest, window, day_3)] == [
        "past",
        "current",
        "upcoming",
    ]


def test_explicit_offsets_override_settings() -> None:
    steps = integration_steps(COMPLETED, opens_hours=4, closes_hours=8, follow_up_days=[1, 10])
    assert [step.key for step in steps] == ["rest", "window", "day_1", "day_10"]
    assert steps[1].starts_at == _at(hours=4)
    assert steps[-1].ends_at == _at(days=10 + LAST_STEP_DAYS)


def test_follow_up_days_inside_the_window_are_dropped() -> None:
    steps = integration_steps(COMPLETED, opens_hours=12, closes_hours=48, follow_up_days=[1, 3])
    assert [step.key for step in steps] == ["rest", "window", "day_3"]


# --- Settings overrides -----------------------------------------------------------------------


@override_settings(CLAYWORK_WINDOW_OPENS_HOURS=6)
def test_window_opening_follows_settings() -> None:
    early = window_position(COMPLETED, _at(hours=5))
    assert early.headline == "Hour 5 after your session"
    assert early.detail == "Your 6-24 h integration window opens in 1 h."
    open_now = window_position(COMPLETED, _at(hours=7))
    assert open_now.headline == "Hour 7 of the 6-24 h window"
    assert open_now.current_step == "window"
    assert integration_steps(COMPLETED)[1].starts_at == _at(hours=6)


@override_settings(CLAYWORK_WINDOW_OPENS_HOURS=12, CLAYWORK_WINDOW_CLOSES_HOURS=36)
def test_window_closing_follows_settings() -> None:
    position = window_position(COMPLETED, _at(hours=30))
    assert position.headline == "Hour 30 of the 12-36 h window"
    assert position.detail == "The window is open for about 6 more hours."


@override_settings(CLAYWORK_FOLLOW_UP_DAYS=[2, 5])
def test_follow_up_days_follow_settings() -> None:
    steps = integration_steps(COMPLETED)
    assert [step.key for step in steps] == ["rest", "window", "day_2", "day_5"]
    assert steps[-1].ends_at == _at(days=5 + LAST_STEP_DAYS)
    assert window_position(COMPLETED, _at(days=2)).current_step == "day_2"
    assert window_position(COMPLETED, _at(days=3)).current_step == "day_2"
    assert window_position(COMPLETED, _at(days=5)).current_step == "day_5"
    assert window_position(COMPLETED, _at(days=7)).current_step == "day_5"
    finished = window_position(COMPLETED, _at(days=5 + LAST_STEP_DAYS))
    assert finished.finished
    assert finished.current_step is None


@override_settings(CLAYWORK_FOLLOW_UP_DAYS=[])
def test_with_no_follow_up_days_the_timeline_ends_with_the_window() -> None:
    steps = integration_steps(COMPLETED)
    assert [step.key for step in steps] == ["rest", "window"]
    assert window_position(COMPLETED, _at(hours=23)).current_step == "window"
    assert window_position(COMPLETED, _at(hours=24)).finished
