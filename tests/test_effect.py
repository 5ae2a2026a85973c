"""Is the effect holding? The rules, as plain functions over hand-built numbers."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.test import override_settings

from claywork.measures import effect
from claywork.measures.effect import EffectInputs

ROOT = Path(__file__).resolve().parent.parent
SESSION = date(2025, 3, 10)


def _day(offset: int) -> date:
    return SESSION + timedelta(days=offset)


def _daily(first: int, values: list[int]) -> list[tuple[date, int]]:
    """One mood a day from ``SESSION + first`` days on."""
    return [(_day(first + n), value) for n, value in enumerate(values)]


def _inputs(
    *,
    phq9: list[tuple[date, int]] | None = None,
    mood: list[tuple[date, int]] | None = None,
    sessions: list[date] | None = None,
) -> EffectInputs:
    return EffectInputs(
        phq9=phq9 or [],
        mood=mood or [],
        sessions=[SESSION] if sessions is None else sessions,
        today=_day(60),
    )


def _mood_lifted_then_falling(days_after_fall: int) -> list[tuple[date, int]]:
    """5 the week before the session, 9 for its first week, then 3 a day for a while.

    The 7-day mean peaks at 9 on day 7; it is 2 or more below that from day 10 on.
    """
    return _daily(-7, [5] * 7) + _daily(1, [9] * 7) + _daily(8, [3] * days_after_fall)


# --- rolling_mean ----------------------------------------------------------------------------


def test_rolling_mean_needs_three_check_ins_in_the_window() -> None:
    points = _daily(0, [4, 6, 8])
    assert effect.rolling_mean(points[:2]) == []
    assert effect.rolling_mean(points) == [(_day(2), 6.0)]


def test_rolling_mean_covers_the_seven_days_ending_each_day() -> None:
    means = dict(effect.rolling_mean(_daily(1, list(range(1, 11)))))  # day n has value n
    assert means[_day(10)] == pytest.approx(7.0)  # days 4-10
    assert means[_day(7)] == pytest.approx(4.0)  # days 1-7


def test_rolling_mean_skips_a_day_whose_window_is_too_thin() -> None:
    points = _daily(0, [5, 5, 5]) + [(_day(20), 9)]
    assert [day for day, _ in effect.rolling_mean(points)] == [_day(2)]


# --- Fading: PHQ-9 ---------------------------------------------------------------------------


def test_no_sessions_no_fading_signal() -> None:
    inputs = _inputs(phq9=[(_day(7), 3), (_day(14), 20)], sessions=[])
    assert effect.fading_signal(inputs) is None


def test_phq9_five_above_its_post_course_low_is_fading() -> None:
    inputs = _inputs(phq9=[(_day(-3), 18), (_day(7), 6), (_day(14), 8), (_day(21), 11)])
    signal = effect.fading_signal(inputs)
    assert signal is not None
    assert signal.since == _day(21)
    assert signal.reason == "PHQ-9 is 11, 5 points above its low of 6"


def test_phq9_four_above_its_low_is_not_fading() -> None:
    inputs = _inputs(phq9=[(_day(7), 6), (_day(14), 10)])
    assert effect.fading_signal(inputs) is None


def test_a_low_before_the_first_session_does_not_count() -> None:
    inputs = _inputs(phq9=[(_day(-3), 3), (_day(7), 8), (_day(14), 9)])
    assert effect.fading_signal(inputs) is None


def test_phq9_back_down_ends_the_signal() -> None:
    inputs = _inputs(phq9=[(_day(7), 6), (_day(14), 12), (_day(21), 7)])
    assert effect.fading_signal(inputs) is None


def test_consecutive_raised_phq9s_keep_the_day_the_rise_began() -> None:
    inputs = _inputs(phq9=[(_day(7), 6), (_day(14), 12), (_day(21), 13)])
    signal = effect.fading_signal(inputs)
    assert signal is not None and signal.since == _day(14)


def test_phq9_rise_threshold_by_argument_and_by_setting() -> None:
    inputs = _inputs(phq9=[(_day(7), 6), (_day(14), 9)])
    assert effect.fading_signal(inputs) is None
    assert effect.fading_signal(inputs, phq9_rise=3) is not None
    with override_settings(CLAYWORK_FADING_PHQ9_RISE=3):
        assert effect.fading_signal(inputs) is not None
    with override_settings(CLAYWORK_FADING_PHQ9_RISE=4):
        assert effect.fading_signal(inputs) is None


# --- Fading: mood ----------------------------------------------------------------------------


def test_mood_mean_two_below_its_post_session_high_for_five_days_is_fading() -> None:
    signal = effect.fading_signal(_inputs(mood=_mood_lifted_then_falling(7)))  # to day 14
    assert signal is not None
    assert signal.since == _day(10)
    assert "for 5 days" in signal.reason


def test_four_days_below_is_not_yet_fading() -> None:
    assert effect.fading_signal(_inputs(mood=_mood_lifted_then_falling(6))) is None  # to day 13


def test_a_day_without_a_check_in_breaks_the_run() -> None:
    mood = [point for point in _mood_lifted_then_falling(7) if point[0] != _day(12)]
    assert effect.fading_signal(_inputs(mood=mood)) is None
    longer = [point for point in _mood_lifted_then_falling(10) if point[0] != _day(12)]
    signal = effect.fading_signal(_inputs(mood=longer))  # days 13-17 make a new run of five
    assert signal is not None and signal.since == _day(13)


def test_mood_that_has_come_back_is_no_longer_fading() -> None:
    mood = _mood_lifted_then_falling(7) + _daily(15, [9] * 5)  # mean 7.3 on day 19
    assert effect.fading_signal(_inputs(mood=mood)) is None


def test_only_mood_after_the_latest_session_counts() -> None:
    inputs = _inputs(mood=_mood_lifted_then_falling(7), sessions=[SESSION, _day(14)])
    assert effect.fading_signal(inputs) is None


def test_mood_thresholds_by_argument_and_by_setting() -> None:
    four_days = _inputs(mood=_mood_lifted_then_falling(6))
    assert effect.fading_signal(four_days, mood_days=4) is not None
    with override_settings(CLAYWORK_FADING_MOOD_DAYS=4):
        assert effect.fading_signal(four_days) is not None
    five_days = _inputs(mood=_mood_lifted_then_falling(7))
    # From day 10 the mean is 2.6 below the high, from day 11 3.4: a drop of 3 starts later.
    assert effect.fading_signal(five_days, mood_drop=3) is None
    with override_settings(CLAYWORK_FADING_MOOD_DROP=3):
        assert effect.fading_signal(five_days) is None
        assert effect.fading_signal(_inputs(mood=_mood_lifted_then_falling(8))) is not None


# --- How long a session's benefit lasted -----------------------------------------------------


def _lifted_for_ten_days() -> list[tuple[date, int]]:
    """5 the week before, 8 for ten days after, then back to 5."""
    return _daily(-7, [5] * 7) + _daily(1, [8] * 10) + _daily(11, [5] * 15)


def test_benefit_lasted_until_mood_is_back_within_the_margin() -> None:
    [benefit] = effect.benefit_durations(_inputs(mood=_lifted_for_ten_days()), margin=0.5)
    # The 7-day mean first exceeds 5.5 on day 2 and is back at or below it on day 16 (38/7).
    assert benefit.status == "lasted"
    assert benefit.lasted_days == 16
    assert benefit.pre_level == pytest.approx(5.0)
    assert benefit.peak == pytest.approx(8.0)
    assert benefit.summary == "Benefit lasted about 16 days"


def test_benefit_still_above_the_margin_is_holding() -> None:
    mood = _daily(-7, [5] * 7) + _daily(1, [8] * 20)
    [benefit] = effect.benefit_durations(_inputs(mood=mood), margin=0.5)
    assert (benefit.status, benefit.lasted_days) == ("holding", 20)
    assert benefit.summary == "Still holding after 20 days"


def test_a_session_without_a_lift_says_so() -> None:
    mood = _daily(-7, [5] * 7) + _daily(1, [5] * 14)
    [benefit] = effect.benefit_durations(_inputs(mood=mood), margin=0.5)
    assert (benefit.status, benefit.lasted_days, benefit.pre_level) == ("no_lift", None, 5.0)


def test_too_few_check_ins_before_a_session_is_not_enough_data() -> None:
    mood = _daily(-2, [5] * 2) + _daily(1, [8] * 10)
    [benefit] = effect.benefit_durations(_inputs(mood=mood), margin=0.5)
    assert benefit.status == "not_enough_data"
    assert benefit.summary == "Not enough check-ins around this session to tell"


def test_each_session_is_measured_up_to_the_next() -> None:
    mood = _daily(-7, [5] * 7) + _daily(1, [8] * 30)
    first, second = effect.benefit_durations(
        _inputs(mood=mood, sessions=[SESSION, _day(14)]), margin=0.5
    )
    assert (first.status, first.lasted_days) == ("holding", 13)
    assert second.status == "no_lift"  # already at 8 the week before it
    assert second.pre_level == pytest.approx(8.0)


def test_benefit_margin_by_argument_and_by_setting() -> None:
    inputs = _inputs(mood=_lifted_for_ten_days())
    [wide] = effect.benefit_durations(inputs, margin=3.5)
    assert wide.status == "no_lift"  # the mean never passes 8.5
    with override_settings(CLAYWORK_BENEFIT_MARGIN_TENTHS=35):
        assert effect.benefit_durations(inputs)[0].status == "no_lift"
    with override_settings(CLAYWORK_BENEFIT_MARGIN_TENTHS=5):
        assert effect.benefit_durations(inputs)[0].lasted_days == 16


# --- Documentation ---------------------------------------------------------------------------


def test_every_measures_setting_is_explained_in_docs_measures() -> None:
    source = (ROOT / "claywork" / "settings.py").read_text()
    section = source.split("# --- Measures", 1)[1].split("# ---", 1)[0]
    names = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', section))
    assert {"CLAYWORK_FADING_PHQ9_RISE", "CLAYWORK_BENEFIT_MARGIN_TENTHS"} <= names
    documented = set(
        re.findall(r"^\| `([A-Z0-9_]+)` \|", (ROOT / "docs" / "measures.md").read_text(), re.M)
    )
    assert names <= documented, f"explain in docs/measures.md: {sorted(names - documented)}"
