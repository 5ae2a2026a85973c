"""The alert tier's relapse filter: the posterior probability that a relapse has begun, from
the patient's own check-ins and PHQ-9s, raises the fading alert on a fall to the pre-course
level and not on a bad week that recovers (decision 0006, fourth amendment)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from claywork.accounts.models import User
from claywork.measures import effect
from claywork.measures.effect import EffectInputs, EffectParams
from claywork.measures.models import FadingEpisode
from claywork.measures.relapse_filter import RelapseFilter, inertia, level, level_spread, spread
from tests.test_fading_episodes import (  # noqa: F401 (the fixture)
    CaptureCallbacks,
    check_in_today,
    fading_alerts,
    patient,
)

FIRST = date(2026, 1, 5)
USUAL = (6, 7, 8)  # after the course: a usual level of 7


def _params(**changes: Any) -> EffectParams:
    # The other alert-tier rules out of the way: only the rule under test can raise an alert.
    quiet = {"alert_threshold": 10_000.0, "confirm_phq9_rise": 27, "phq9_confirmed_rise": 27}
    return EffectParams().with_changes(**{"relapse_probability": 0.8, **quiet, **changes})


def _inputs(
    low: dict[int, int],
    *,
    last: int,
    every: int = 1,
    gap: range = range(0),
    phq9: dict[int, int] | None = None,
) -> EffectInputs:
    """Three sessions from day 0; mood 3 for the two weeks before, then 6, 7, 8 in turn,
    ``low[day]`` on the days given; a check-in every ``every`` days from day 30 (every day
    before), none on the days of ``gap``; a PHQ-9 of 18 before the course, then ``phq9``."""
    mood = []
    for n in range(-14, last + 1):
        if (n >= 30 and n % every) or n in gap:
            continue
        value = 3 if n < 0 else low.get(n, USUAL[n % 3])
        mood.append((FIRST + timedelta(days=n), value))
    sessions = [FIRST + timedelta(days=n) for n in (0, 3, 6)]
    scores = [(FIRST - timedelta(days=3), 18)]
    scores += [(FIRST + timedelta(days=n), t) for n, t in sorted((phq9 or {}).items())]
    return EffectInputs(scores, mood, sessions, FIRST + timedelta(last))


def _alerted(inputs: EffectInputs, params: EffectParams) -> list[effect.Episode]:
    return [e for e in effect.evaluate(inputs, params).episodes if e.tier == effect.ALERT]


def _probable(episode: effect.Episode) -> str:
    """The detail of the filter's rule on an episode."""
    if episode.rule == effect.MOOD_RELAPSE_PROBABLE:
        return episode.detail
    return next(d.detail for d in episode.deepened if d.rule == effect.MOOD_RELAPSE_PROBABLE)


def test_a_fall_back_to_the_pre_course_level_raises_the_alert_within_days() -> None:
    inputs = _inputs({n: 3 for n in range(50, 61)}, last=60)

    (episode,) = _alerted(inputs, _params())

    assert FIRST + timedelta(days=50) <= episode.alerted_on <= FIRST + timedelta(days=54)
    detail = _probable(episode)
    assert detail.startswith("probability of a sustained fall 0.")
    assert "mood 7 usually" in detail and "above where it was before the course" in detail


def test_a_bad_week_that_recovers_raises_no_alert() -> None:
    inputs = _inputs({n: 5 for n in range(50, 56)}, last=75)  # two points down for six days

    assert _alerted(inputs, _params()) == []


def test_the_same_dip_raises_the_alert_when_it_does_not_recover() -> None:
    inputs = _inputs({n: 4 for n in range(50, 76)}, last=75)

    (episode,) = _alerted(inputs, _params())

    assert episode.alerted_on > FIRST + timedelta(days=53)


@pytest.mark.parametrize("every", [2, 3])
def test_a_relapse_with_missed_days_is_still_alerted(every: int) -> None:
    inputs = _inputs({n: 3 for n in range(50, 71)}, last=70, every=every)

    (episode,) = _alerted(inputs, _params())

    assert FIRST + timedelta(days=50) <= episode.alerted_on <= FIRST + timedelta(days=60)


def test_two_weeks_without_check_ins_raise_nothing() -> None:
    inputs = _inputs({}, last=75, gap=range(45, 60))

    assert effect.evaluate(inputs, _params()).episodes == []


def test_a_raised_phq9_makes_the_fall_likely_sooner() -> None:
    fall = {n: 4 for n in range(50, 61)}
    scores = {n: 6 for n in range(13, 50, 7)}
    with_phq9 = _inputs(fall, last=60, phq9={**scores, 52: 16})
    without = _inputs(fall, last=60, phq9=scores)

    (sooner,) = _alerted(with_phq9, _params())
    (later,) = _alerted(without, _params())

    assert sooner.alerted_on < later.alerted_on


def test_no_alert_before_the_fall_begins() -> None:
    inputs = _inputs({n: 3 for n in range(50, 61)}, last=60)

    episodes = effect.evaluate(inputs, _params()).episodes

    assert all(e.start >= FIRST + timedelta(days=50) for e in episodes)


def test_a_probability_of_zero_turns_the_rule_off() -> None:
    inputs = _inputs({n: 3 for n in range(50, 61)}, last=60)

    assert _alerted(inputs, _params(relapse_probability=0.0)) == []


def test_no_lift_no_probable_relapse() -> None:
    """A patient whose mood never rose above the pre-course level has nothing to lose."""
    flat = EffectInputs(
        [],
        [(FIRST + timedelta(days=n), 3 if n < 50 else 1) for n in range(-14, 61)],
        [FIRST + timedelta(days=n) for n in (0, 3, 6)],
        FIRST + timedelta(days=60),
    )

    assert _alerted(flat, _params()) == []


# --- the filter and its estimates ---------------------------------------------------------------


def test_the_filter_grows_more_certain_with_each_low_check_in() -> None:
    relapse = RelapseFilter(usual=7, lift=4, sd=1.0, rho=0.3)
    probabilities = []
    for mood in (7, 6, 8, 7, 3, 3, 3, 3, 3):
        relapse.step()
        relapse.check_in(mood)
        probabilities.append(relapse.probability())
    assert probabilities[3] < 0.1
    assert probabilities[4:] == sorted(probabilities[4:]) and probabilities[-1] > 0.8


def test_estimates_are_robust_to_one_odd_check_in() -> None:
    # The median absolute deviation of 7, 7, 6, 8, 7, 0 is 0.5: the 0 does not widen it.
    assert spread([7, 7, 6, 8, 7, 0]) == pytest.approx(1.4826 * 0.5)
    assert 0.0 <= inertia([(7, 6), (6, 8), (8, 7), (7, 7), (7, 6), (6, 7)]) <= 0.8
    assert inertia([(7, 7)]) == pytest.approx(0.3)  # too few pairs: a default


def test_the_filters_spread_is_not_stuck_on_the_median_deviations_few_values() -> None:
    # Whole-number check-ins spread about a point: the MAD gives 0.74 (half a point, x 1.4826);
    # their standard deviation less the rounding's share says 0.92.
    values = [6, 7, 7, 8, 7, 6, 8, 7, 7, 5, 7, 8, 6, 7, 9, 7]
    assert spread(values) == pytest.approx(0.7413)
    assert level_spread(values) == pytest.approx(0.922, abs=0.001)
    assert level_spread([7, 7, 7, 7]) == 0.7  # never under the floor


def test_the_filters_level_is_not_stuck_on_whole_and_half_points() -> None:
    # The median of 6, 6, 7, 7, 7, 8 is 7; the middle half's mean says where it lies.
    assert level([6, 6, 7, 7, 7, 8]) == pytest.approx(6.75)
    assert level([7, 7, 7, 7, 7, 0]) == 7  # one odd day at an end does not move it


# --- in the app ---------------------------------------------------------------------------------


def test_turned_on_a_fall_to_the_pre_course_level_raises_one_fading_alert_in_the_app(
    patient: User,  # noqa: F811
    django_capture_on_commit_callbacks: CaptureCallbacks,
    settings: Any,
) -> None:
    """The fixture's patient was lifted from 3 to 7 and has been at 5 for two days; today 3."""
    settings.CLAYWORK_FADING_RELAPSE_PROBABILITY_PERCENT = 70
    check_in_today(patient, 3, django_capture_on_commit_callbacks)

    (episode,) = FadingEpisode.objects.filter(patient=patient)
    (alert,) = fading_alerts(patient)
    assert episode.tier == effect.ALERT and episode.alert_id == alert.pk
    assert episode.latest_rule == effect.MOOD_RELAPSE_PROBABLE
    assert episode.latest_detail.startswith("probability of a sustained fall")
