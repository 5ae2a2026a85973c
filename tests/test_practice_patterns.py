"""Patterns in my check-ins: the rules on series built by hand (no database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pytest

from claywork.practice import pattern_words, patterns
from claywork.practice.patterns import CheckInDay

FIRST = date(2026, 3, 2)  # a Monday


def series(
    days: int,
    mood: Callable[[int], float | None],
    practices: dict[str, Callable[[int], bool]],
    anxiety: Callable[[int], float | None] = lambda _: None,
) -> tuple[dict[date, CheckInDay], dict[str, set[date]]]:
    check_ins = {}
    for offset in range(days):
        value = mood(offset)
        if value is not None:
            check_ins[FIRST + timedelta(days=offset)] = CheckInDay(value, anxiety(offset))
    logged = {
        name: {FIRST + timedelta(days=d) for d in range(days) if on(d)}
        for name, on in practices.items()
    }
    return check_ins, logged


def judge(
    days: int,
    mood: Callable[[int], float | None],
    practices: dict[str, Callable[[int], bool]],
    anxiety: Callable[[int], float | None] = lambda _: None,
) -> patterns.Patterns:
    check_ins, logged = series(days, mood, practices, anxiety)
    return patterns.find_patterns(
        check_ins, logged, first_day=FIRST, last_day=FIRST + timedelta(days=days - 1)
    )


def noise(seed: int, days: int, spread: float = 1.5) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, spread, days)


def test_a_clear_better_mood_on_practice_days_is_claimed_with_plain_numbers() -> None:
    jitter = noise(1, 70, 0.8)
    walked = np.random.default_rng(2).random(70) < 0.4
    found = judge(70, lambda d: round(5 + 2 * walked[d] + jitter[d]), {"Walk": lambda d: walked[d]})

    (walk,) = found.practices
    assert walk.mood.clear
    assert walk.mood.size_words == "large"
    assert walk.mood.adjusted == pytest.approx(2.0, abs=0.5)
    sentence = pattern_words.about("Walk", walk.mood)
    assert sentence.startswith("On days you did Walk, your mood was on average ")
    assert f"{walk.mood.n_with} vs {walk.mood.n_without} days" in sentence
    assert "A clear, large difference" in sentence


def test_a_clear_difference_still_lists_what_else_could_explain_it() -> None:
    jitter = noise(1, 70, 0.8)
    walked = np.random.default_rng(2).random(70) < 0.4
    found = judge(70, lambda d: round(5 + 2 * walked[d] + jitter[d]), {"Walk": lambda d: walked[d]})

    (described,) = pattern_words.described(found)
    assert described.clear
    assert any("Good days may lead to Walk" in line for line in described.other_explanations)
    assert any("changing over time" in line for line in described.other_explanations)


def test_mood_and_practice_both_rising_over_the_weeks_is_not_a_clear_difference() -> None:
    # Mood climbs 3 points over the window; the practice goes from never to nearly every day.
    jitter = noise(3, 84, 0.7)
    rng = np.random.default_rng(4)
    done = rng.random(84) < np.linspace(0.05, 0.9, 84)
    found = judge(84, lambda d: 4 + 3 * d / 84 + jitter[d], {"Stretch": lambda d: done[d]})

    (stretch,) = found.practices
    assert stretch.mood.difference > 1  # the plain numbers do differ...
    assert not stretch.mood.clear  # ...but not once the drift is allowed for
    assert stretch.mood.size_words == ""
    assert "No clear difference" in pattern_words.about("Stretch", stretch.mood)


def test_better_weekends_with_weekend_walks_are_not_a_clear_difference() -> None:
    jitter = noise(5, 84, 0.7)
    weekend = [(FIRST + timedelta(days=d)).weekday() >= 5 for d in range(84)]
    chance = np.random.default_rng(15).random(84)
    hiked = [chance[d] < (0.8 if weekend[d] else 0.1) for d in range(84)]
    found = judge(84, lambda d: 5 + 2 * weekend[d] + jitter[d], {"Hike": lambda d: hiked[d]})

    (hike,) = found.practices
    assert hike.mood.difference > 1
    assert hike.mood.p_value is not None
    assert not hike.mood.clear


def test_a_worse_mood_on_practice_days_is_never_called_clear() -> None:
    jitter = noise(6, 70, 0.8)
    journaled = np.random.default_rng(7).random(70) < 0.4
    found = judge(
        70, lambda d: 6 - 2 * journaled[d] + jitter[d], {"Journal": lambda d: journaled[d]}
    )

    (journal,) = found.practices
    assert journal.mood.difference < -1.5
    assert not journal.mood.clear
    assert "only a higher mood" in pattern_words.about("Journal", journal.mood)


def test_with_several_practices_one_lucky_gap_is_not_enough() -> None:
    # Five practices on random days, no effect; Holm keeps the family at 4%.
    jitter = noise(8, 84)
    rng = np.random.default_rng(9)
    done = {f"Practice {k}": rng.random(84) < 0.4 for k in range(5)}
    found = judge(
        84, lambda d: 6 + jitter[d], {name: (lambda d, on=on: on[d]) for name, on in done.items()}
    )

    assert found.tested == 5
    assert not any(p.mood.clear or p.anxiety.clear for p in found.practices)


def test_anxiety_is_compared_only_on_the_days_that_have_it() -> None:
    jitter = noise(10, 70, 0.8)
    walked = np.random.default_rng(11).random(70) < 0.4
    found = judge(
        70,
        lambda d: round(5 + 2 * walked[d] + jitter[d]),
        {"Walk": lambda d: walked[d]},
        anxiety=lambda d: None if d % 2 else 6 - 2 * walked[d] + jitter[d],
    )

    (walk,) = found.practices
    assert walk.anxiety.n_with + walk.anxiety.n_without == 35
    assert walk.mood.n_with + walk.mood.n_without == 70
    assert walk.anxiety.compared


def test_anxiety_never_given_says_there_is_nothing_to_compare() -> None:
    found = judge(56, lambda d: 5 + d % 3, {"Walk": lambda d: d % 2 == 0})

    (walk,) = found.practices
    assert walk.anxiety.reason == "no check-in in this window has anxiety"
    assert "nothing to compare" in pattern_words.about("Walk", walk.anxiety)


def test_identical_check_ins_say_there_is_nothing_to_compare() -> None:
    found = judge(56, lambda _: 7, {"Walk": lambda d: d % 2 == 0})

    (walk,) = found.practices
    assert walk.mood.reason == "your mood was 7 on every check-in day"
    assert not walk.mood.clear


def test_a_practice_logged_every_day_has_no_days_without_it() -> None:
    found = judge(56, lambda d: 5 + d % 3, {"Breathwork": lambda _: True})

    (breathwork,) = found.practices
    assert "no days without it to compare" in breathwork.mood.reason
    assert found.tested == 0


def test_a_practice_always_on_the_same_weekday_cannot_be_told_from_the_weekday() -> None:
    found = judge(56, lambda d: 5 + d % 3, {"Yoga": lambda d: d % 7 == 5})

    (yoga,) = found.practices
    assert yoga.mood.reason == "it falls on the same weekdays throughout"


def test_two_days_of_data_give_a_notice_and_no_comparison() -> None:
    check_ins, logged = series(2, lambda d: 5 + d, {"Walk": lambda d: d == 0})
    found = patterns.find_patterns(
        check_ins, logged, first_day=FIRST, last_day=FIRST + timedelta(1)
    )

    assert found.practices == []
    assert "at least 4 weeks" in found.notice


def test_weeks_long_gaps_are_compared_without_error() -> None:
    # Check-ins only in weeks 1-2 and 9-12 of a 12-week window.
    jitter = noise(12, 84, 1.0)
    found = judge(
        84,
        lambda d: None if 14 <= d < 56 else 5 + jitter[d],
        {"Walk": lambda d: d % 3 == 0},
    )

    (walk,) = found.practices
    assert walk.mood.n_with + walk.mood.n_without == 42
    assert walk.mood.p_value is not None
    assert not walk.mood.clear


def test_too_few_check_ins_in_a_long_window_give_a_notice() -> None:
    found = judge(84, lambda d: 5 if d % 10 == 0 else None, {"Walk": lambda d: d % 2 == 0})

    assert found.practices == []
    assert "comparing needs at least 14" in found.notice


def test_the_window_starts_after_the_last_session_or_90_days_back() -> None:
    today = date(2026, 6, 30)

    assert patterns.window_start(today=today, last_session=None) == today - timedelta(89)
    assert patterns.window_start(today=today, last_session=date(2026, 1, 1)) == today - timedelta(
        89
    )
    assert patterns.window_start(today=today, last_session=date(2026, 6, 1)) == date(2026, 6, 2)


def test_the_same_days_always_give_the_same_answer() -> None:
    jitter = noise(13, 70)
    walked = np.random.default_rng(14).random(70) < 0.4
    check_ins, logged = series(
        70, lambda d: 5 + walked[d] + jitter[d], {"Walk": lambda d: walked[d]}
    )
    last = FIRST + timedelta(69)

    first_read = patterns.find_patterns(check_ins, logged, first_day=FIRST, last_day=last)
    second_read = patterns.find_patterns(check_ins, logged, first_day=FIRST, last_day=last)

    assert first_read == second_read


def streaky_days(rng: np.random.Generator, days: int, share: float, stay: float) -> np.ndarray:
    """Practice days in streaks: yesterday's state kept with ``stay``, else drawn afresh."""
    done = np.zeros(days)
    done[0] = rng.random() < share
    for day in range(1, days):
        done[day] = done[day - 1] if rng.random() < stay else rng.random() < share
    return done


def run_lengths(days: np.ndarray) -> float:
    """The mean length of a run of practice days."""
    starts = np.sum(np.diff(np.concatenate([[0.0], days])) == 1)
    return float(days.sum() / max(starts, 1))


def test_the_chance_practice_days_keep_the_streaks_and_the_share_of_the_real_ones() -> None:
    real = streaky_days(np.random.default_rng(21), 84, share=0.4, stay=0.85)

    drawn = patterns._practice_draws(real, FIRST, seed=5)

    assert np.array_equal(drawn[0], real)
    shares = drawn[1:].mean(axis=1)
    assert abs(float(np.median(shares)) - real.mean()) < 0.1
    runs = np.array([run_lengths(row) for row in drawn[1:]])
    independent = 1 / (1 - real.mean())  # what days drawn one by one would give
    assert np.median(runs) > 2 * independent
    assert abs(float(np.median(runs)) - run_lengths(real)) < 0.5 * run_lengths(real)


def test_streaky_practice_and_carried_over_mood_with_no_link_are_rarely_called_clear() -> None:
    # 100 patients: mood carries over (AR(1) 0.7), the practice comes in streaks, no link.
    rng = np.random.default_rng(2027)
    days, claims = 60, 0
    for _ in range(100):
        carried = np.zeros(days)
        for day in range(1, days):
            carried[day] = 0.7 * carried[day - 1] + np.sqrt(1 - 0.49) * rng.normal()
        mood = np.clip(np.round(6 + 1.5 * carried), 0, 10)
        done = streaky_days(rng, days, share=rng.uniform(0.2, 0.6), stay=0.85)
        found = judge(days, lambda d, m=mood: float(m[d]), {"Walk": lambda d, o=done: bool(o[d])})
        claims += sum(p.mood.clear for p in found.practices)
    # One-sided at 4%, so about 4 in 100 by chance; the replaced Welch rule gave about 25.
    assert claims <= 10


def test_a_one_point_gap_with_no_other_spread_is_judged_against_chance_days() -> None:
    # All 9s without the practice, all 10s with it: no spread at all. Whole-point check-ins are
    # never known better than their rounding, so the statistic stays finite and the gap is
    # read against drawn practice days (under the replaced rule: an interval of zero width).
    on = np.random.default_rng(3).random(60) < 0.4
    found = judge(60, lambda d: 10.0 if on[d] else 9.0, {"Walk": lambda d: bool(on[d])})

    (walk,) = found.practices
    assert walk.mood.p_value is not None
    assert walk.mood.p_value >= 1 / (patterns.DRAWS + 1)
    assert walk.mood.clear
    assert walk.mood.size_words == "large"


def test_the_chance_practice_days_keep_a_habit_that_grows_over_the_weeks() -> None:
    # Ten habits, each started rarely and done most days by the end, in streaks.
    days = 84
    thirds = np.array_split(np.arange(days), 3)
    share = np.linspace(0.1, 0.8, days)
    gaps, rises = [], []
    for seed in range(10):
        rng = np.random.default_rng(31 + seed)
        real = np.zeros(days)
        for day in range(1, days):
            real[day] = real[day - 1] if rng.random() < 0.6 else rng.random() < share[day]

        drawn = patterns._practice_draws(real, FIRST, seed=8)

        assert np.all(drawn[1:, 0] == real[0])  # they start where the real days start
        drawn_thirds = [float(np.median(drawn[1:, third].mean(axis=1))) for third in thirds]
        gaps.append([d - real[third].mean() for d, third in zip(drawn_thirds, thirds, strict=True)])
        real_rise = real[thirds[2]].mean() - real[thirds[0]].mean()
        rises.append((drawn_thirds[2] - drawn_thirds[0], real_rise))
    assert np.all(np.abs(np.mean(gaps, axis=0)) < 0.08)
    assert all(abs(drawn - real) < 0.2 for drawn, real in rises)


def test_a_rise_that_levels_off_with_a_habit_that_levels_off_is_rarely_called_clear() -> None:
    # 60 patients: mood rises 2 points over the first five weeks then stays; the practice grows
    # from rare to most days over the same weeks, in streaks; no link between them.
    rng = np.random.default_rng(2029)
    days, claims = 70, 0
    bend = np.minimum(np.arange(days) / 35, 1.0)
    for _ in range(60):
        mood = np.clip(np.round(5 + 2 * bend + rng.normal(0, 1.5, days)), 0, 10)
        done = np.zeros(days)
        for day in range(1, days):
            chance = 0.1 + 0.6 * bend[day]
            done[day] = done[day - 1] if rng.random() < 0.6 else rng.random() < chance
        found = judge(days, lambda d, m=mood: float(m[d]), {"Walk": lambda d, o=done: bool(o[d])})
        claims += sum(p.mood.clear for p in found.practices)
    # One-sided at 4%: about 2 or 3 in 60 by chance.
    assert claims <= 6
