"""The change-point estimate of when a lift ended (claywork/measures/change_point.py), on
hand-built series of daily mood, and through the course's durability."""

from __future__ import annotations

import random
from datetime import date, timedelta

from claywork.measures import change_point, effect
from claywork.measures.effect import EffectInputs, EffectParams

DAY_ZERO = date(2026, 1, 5)
COURSE = [DAY_ZERO, DAY_ZERO + timedelta(days=3), DAY_ZERO + timedelta(days=6)]
PRE = 3.0


def noisy(levels: list[float], seed: int = 7, spread: float = 0.8) -> list[float]:
    """Whole-number check-ins around ``levels``, with a seeded noise."""
    rng = random.Random(seed)
    return [float(max(0, min(10, round(level + rng.gauss(0, spread))))) for level in levels]


def slide(days: int, onset: int, length: int, *, upper: float = 7, lower: float = 3) -> list[float]:
    """``upper`` to ``onset``, then a linear slide over ``length`` days to ``lower``."""
    return [
        upper + (lower - upper) * min(1.0, max(0.0, (day - onset) / length)) for day in range(days)
    ]


def test_a_clean_step_is_dated_on_the_day_of_the_fall() -> None:
    values = [7.0] * 30 + [3.0] * 30
    found = change_point.lift_end(list(range(60)), values, pre=PRE, lost_fraction=0.5)
    assert found.probability > 0.99
    assert found.day == 30


def test_a_slide_is_dated_where_it_crosses_halfway_back() -> None:
    # From 7 on day 30 down to 3 over 10 days: under the halfway line (5) from day 36.
    values = noisy(slide(70, 30, 10))
    found = change_point.lift_end(list(range(70)), values, pre=PRE, lost_fraction=0.5)
    assert found.probability > 0.9
    assert found.day is not None and abs(found.day - 35) <= 3


def test_steady_noisy_mood_has_little_mass_of_an_end() -> None:
    found = change_point.lift_end(list(range(60)), noisy([7.0] * 60), pre=PRE, lost_fraction=0.5)
    assert found.probability < 0.2


def test_a_fall_that_stops_above_the_line_is_not_an_end() -> None:
    # 7 down to 6 for good: a change, but the lift (4 points over 3) is mostly still there.
    values = [7.0] * 30 + [6.0] * 30
    found = change_point.lift_end(list(range(60)), values, pre=PRE, lost_fraction=0.5)
    assert found.probability < 0.01


def test_missing_days_still_date_the_fall() -> None:
    offsets = [day for day in range(70) if day % 3 != 1]  # a third of the days missing
    levels = slide(70, 30, 6)
    values = noisy([levels[day] for day in offsets], seed=3)
    found = change_point.lift_end(offsets, values, pre=PRE, lost_fraction=0.5)
    assert found.probability > 0.9
    assert found.day is not None and abs(found.day - 33) <= 3


def test_too_few_check_ins_have_no_estimate() -> None:
    found = change_point.lift_end([0, 1, 2, 10, 11], [7, 7, 7, 3, 3], pre=PRE, lost_fraction=0.5)
    assert found == change_point.LiftEnd(0.0, None)


def test_the_spread_is_robust_to_a_fall() -> None:
    # Day-to-day steps of one point, and one step of four where the fall is: it moves the
    # median step not at all.
    values = [7.0, 6.0] * 15 + [3.0, 2.0] * 15
    assert change_point.spread(list(range(60)), values) == max(
        change_point.NOISE_FLOOR, 1 / (0.6745 * 2**0.5)
    )


# --- Through the course's durability ---------------------------------------------------------


def course_benefit(mood: list[float], *, start: int = 7) -> effect.Benefit:
    """Two weeks at ``PRE`` before the course, 5 during it, then ``mood`` from day ``start``;
    judged on day 90."""
    check_ins = [(DAY_ZERO + timedelta(days=n - 14), int(PRE)) for n in range(14)]
    check_ins += [(DAY_ZERO + timedelta(days=n), 5) for n in range(start)]
    check_ins += [
        (DAY_ZERO + timedelta(days=start + n), int(value)) for n, value in enumerate(mood)
    ]
    data = EffectInputs(phq9=[], mood=check_ins, sessions=COURSE, today=DAY_ZERO + timedelta(90))
    course = effect.evaluate(data, EffectParams(relapse_probability=0.0)).course
    assert course is not None
    return course.benefit


def test_a_noisy_slide_ends_the_lift_near_where_it_crossed_the_line() -> None:
    # Mood from day 7: 7 until day 40, then down to 3 over 8 days: under 5 from day 45.
    benefit = course_benefit(noisy(slide(84, 33, 8), seed=11))
    assert benefit.status == effect.LASTED and benefit.lost_on is not None
    assert abs((benefit.lost_on - (DAY_ZERO + timedelta(days=45))).days) <= 3


def test_a_noisy_bad_week_that_recovers_is_not_an_end() -> None:
    levels = [7.0] * 84
    for n in range(30, 38):  # days 37-44: a bad week at the pre-course level
        levels[n] = 3.0
    assert course_benefit(noisy(levels, seed=5)).status == effect.HOLDING


def test_a_fall_in_the_last_days_of_data_is_too_recent_to_tell() -> None:
    # Down to 3 for the last five days: not enough later data to call it an end.
    levels = [7.0] * 79 + [3.0] * 5
    benefit = course_benefit(noisy(levels, seed=9, spread=0.5))
    assert benefit.status == effect.UNSURE


def test_too_little_data_after_the_course_is_not_enough_data() -> None:
    check_ins = [(DAY_ZERO + timedelta(days=n - 14), 3) for n in range(14)]
    check_ins += [(DAY_ZERO + timedelta(days=n), 5) for n in range(7)]
    data = EffectInputs(phq9=[], mood=check_ins, sessions=COURSE, today=DAY_ZERO + timedelta(7))
    course = effect.evaluate(data, EffectParams(relapse_probability=0.0)).course
    assert course is not None and course.benefit.status == effect.NOT_ENOUGH_DATA


# --- Decision 0006, eleventh amendment ------------------------------------------------------


def course_with_next_session(mood: list[float], next_session: int) -> effect.Benefit:
    """``course_benefit``'s data, with a next session (a booster) on day ``next_session``."""
    check_ins = [(DAY_ZERO + timedelta(days=n - 14), int(PRE)) for n in range(14)]
    check_ins += [(DAY_ZERO + timedelta(days=n), 5) for n in range(7)]
    check_ins += [(DAY_ZERO + timedelta(days=7 + n), int(value)) for n, value in enumerate(mood)]
    sessions = [*COURSE, DAY_ZERO + timedelta(days=next_session)]
    data = EffectInputs(phq9=[], mood=check_ins, sessions=sessions, today=DAY_ZERO + timedelta(90))
    course = effect.evaluate(data, EffectParams(relapse_probability=0.0)).course
    assert course is not None
    return course.benefit


def test_a_booster_given_while_mood_was_under_the_line_ends_the_courses_lift() -> None:
    # 7 until day 40, then down to 3 over 6 days (under 5 from day 43), noisy; a booster on day
    # 46. Too few days of the fall for the change point alone, but mood was under the line when
    # the booster came: nothing later can tell more, so the lift ended (not "too recently").
    benefit = course_with_next_session(noisy(slide(84, 33, 6), seed=3, spread=1.2), 46)
    assert benefit.status == effect.LASTED and benefit.lost_on is not None
    # Within the ±5 days the simulation scores (the slide-and-floor fit says day 40 here).
    assert abs((benefit.lost_on - (DAY_ZERO + timedelta(days=43))).days) <= 3
    assert benefit.summary == f"The lift lasted about {benefit.days} days"


def test_a_booster_given_while_mood_held_its_level_is_still_holding() -> None:
    benefit = course_with_next_session(noisy([7.0] * 84, seed=3, spread=1.2), 46)
    assert benefit.status == effect.UNTIL_NEXT


def test_an_early_relapse_after_a_clear_first_fortnight_is_measured_not_no_lift() -> None:
    # 7 for ten days after the course, then back at the pre-course level (3) from day 17: the
    # four weeks' median is 3 (no lift), the first two weeks' 7, four points over the
    # pre-course level (twice the minimum lift or more): the lift was there, and it ended.
    benefit = course_benefit([7.0] * 10 + [3.0] * 74)
    assert benefit.status == effect.LASTED and benefit.lost_on is not None
    assert abs((benefit.lost_on - (DAY_ZERO + timedelta(days=17))).days) <= 2


def test_a_lift_within_the_patients_own_noise_is_no_clear_lift() -> None:
    # Half a point over the pre-course level, in check-ins that spread by two: not a lift the
    # data can show (decision 0006, fourteenth amendment: the lift against the patient's own
    # noise).
    assert course_benefit(noisy([3.5] * 84, seed=4, spread=2.0)).status == effect.NO_LIFT
