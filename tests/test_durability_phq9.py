"""The PHQ-9 as a second witness of how long the lift lasted (decision 0006, tenth amendment):
in the change point's likelihood, deciding "no clear lift" against the mood, and confirming an
end the mood dates. Hand-built series; the simulation's figures are in bench/README.md."""

from __future__ import annotations

from datetime import date, timedelta

from claywork.measures import change_point, effect, slide_fit
from claywork.measures.effect import EffectInputs, EffectParams

DAY_ZERO = date(2026, 1, 5)
COURSE = [DAY_ZERO, DAY_ZERO + timedelta(days=3), DAY_ZERO + timedelta(days=6)]
# Steady, slightly noisy check-ins: a repeating pattern of whole numbers around a level.
WOBBLE = [0, 1, -1, 0, 1, 0, -1, 1, -1, 0]


def wobbly(levels: list[float]) -> list[int]:
    return [round(level + WOBBLE[n % len(WOBBLE)]) for n, level in enumerate(levels)]


def benefit_of(
    after: list[int], phq9: list[tuple[int, int]], *, pre: int = 3, today: int = 90
) -> effect.Benefit:
    """Two weeks at ``pre`` before the course, ``after`` from day 7; PHQ-9s as (day, total)."""
    check_ins = [(DAY_ZERO + timedelta(days=n - 14), pre + WOBBLE[n % 3]) for n in range(14)]
    check_ins += [(DAY_ZERO + timedelta(days=7 + n), value) for n, value in enumerate(after)]
    scores = [(DAY_ZERO + timedelta(days=day), total) for day, total in phq9]
    data = EffectInputs(
        phq9=scores, mood=check_ins, sessions=COURSE, today=DAY_ZERO + timedelta(days=today)
    )
    course = effect.evaluate(data, EffectParams(relapse_probability=0.0)).course
    assert course is not None
    return course.benefit


def weekly(before: int, levels: dict[range, int], last: int = 90) -> list[tuple[int, int]]:
    """A PHQ-9 four days before the course, then weekly from day 14 at the level of its range."""
    found = [(-4, before)]
    for day in range(14, last + 1, 7):
        found.append((day, next(v for span, v in levels.items() if day in span)))
    return found


def test_a_phq9_that_rises_with_a_fall_in_mood_adds_to_the_mass_of_an_end() -> None:
    # Mood 6 over a pre-course 4 until day 40, then 4.5 for 12 days: a fall mood alone is
    # fairly but not fully sure of. A PHQ-9 rising from day 42 adds to it; a flat one, with
    # levels of its own, neither adds nor takes away (the end's confirmation does that).
    offsets = list(range(52))
    values = [6.0 + WOBBLE[n % 10] for n in range(40)] + [4.5 + WOBBLE[n % 10] for n in range(12)]
    days = [14, 21, 28, 35, 42, 49]
    rising = change_point.Second(days, [8, 7, 8, 8, 11, 14], 2.2)
    flat = change_point.Second(days, [8, 7, 8, 8, 8, 7], 2.2)
    alone = change_point.lift_end(offsets, values, pre=4.0, lost_fraction=0.5)
    with_rise = change_point.lift_end(offsets, values, pre=4.0, lost_fraction=0.5, second=rising)
    with_flat = change_point.lift_end(offsets, values, pre=4.0, lost_fraction=0.5, second=flat)
    assert 0.9 < alone.probability < 0.99
    assert with_rise.probability > alone.probability + 0.005
    assert abs(with_flat.probability - alone.probability) < 0.001


def test_a_falling_phq9_is_no_evidence_of_an_end() -> None:
    # Only a rise counts: a PHQ-9 improving while mood falls fits as "no change" in the PHQ-9.
    offsets = list(range(70))
    values = [7.0] * 35 + [3.0] * 35
    falling = change_point.Second([14, 28, 42, 56], [12, 10, 6, 4], 2.2)
    found = change_point.lift_end(offsets, values, pre=3.0, lost_fraction=0.5, second=falling)
    assert found.day == 35 and found.probability > 0.99


def test_a_small_lift_in_mood_that_the_phq9_confirms_is_measured() -> None:
    # Mood at the pre-course level (no lift to the fit), but the PHQ-9 fell from 16 to 9: a
    # partial response and more than the reliable change.
    mood = wobbly([3.0] * 83)
    phq9 = weekly(16, {range(0, 91): 9})
    assert benefit_of(mood, phq9).status != effect.NO_LIFT
    assert benefit_of(mood, []).status == effect.NO_LIFT


def test_a_phq9_fall_under_the_reliable_change_leaves_no_clear_lift() -> None:
    # 10 to 7 is 30% but three points: within the instrument's error.
    mood = wobbly([3.0] * 83)
    assert benefit_of(mood, weekly(10, {range(0, 91): 7})).status == effect.NO_LIFT


def test_a_fall_in_mood_the_later_phq9s_share_is_surer_than_one_they_do_not() -> None:
    # Mood 7 until day 45, then 4.5 to the end; the PHQ-9 fell from 18 to 6 after the course.
    # In the slide-and-floor fit (decision 0006, fourteenth amendment) the PHQ-9s share the
    # timing: rising again from day 50 they make "no end" far less likely than staying at 6.
    offsets = list(range(7, 90))
    values = [float(v) for v in wobbly([7.0] * 38 + [4.5] * 45)]
    pre = [float(3 + WOBBLE[n % 3]) for n in range(14)]
    later = [(day, total) for day, total in weekly(18, {range(0, 91): 6}) if day >= 20]
    shared = [(day, 16 if day >= 50 else total) for day, total in later]

    def probability(phq9: list[tuple[int, int]]) -> float:
        found = slide_fit.fit(
            list(range(-20, -6)),
            pre,
            offsets,
            values,
            last=84,
            min_lift=1.0,
            phq9_pre=[18.0],
            phq9_offsets=[day - 6 for day, _ in phq9],
            phq9_values=[float(total) for _, total in phq9],
        )
        assert found is not None
        return found.probability

    assert 1 - probability(shared) < (1 - probability(later)) / 10


def test_without_phq9s_the_end_is_dated_from_mood_alone() -> None:
    mood = wobbly([7.0] * 38 + [3.0] * 45)
    benefit = benefit_of(mood, [])
    assert benefit.status == effect.LASTED and benefit.lost_on is not None
    assert abs((benefit.lost_on - (DAY_ZERO + timedelta(days=45))).days) <= 2
