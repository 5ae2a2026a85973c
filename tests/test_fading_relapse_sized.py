"""The alert tier's likelihood-ratio CUSUM: a fall about as deep as the course's lift raises
the fading alert; a shallower bad week that recovers does not (decision 0006, fourth
amendment)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from claywork.accounts.models import User
from claywork.measures import effect
from claywork.measures.effect import EffectInputs, EffectParams
from claywork.measures.models import FadingEpisode
from tests.test_fading_episodes import (  # noqa: F401 (the fixture)
    CaptureCallbacks,
    check_in_today,
    fading_alerts,
    patient,
)
from tests.test_fading_relapse_probable import FIRST, _alerted, _inputs


def _params(**changes: Any) -> EffectParams:
    # The other alert-tier rules out of the way: only the rule under test can raise an alert.
    quiet = {
        "alert_threshold": 10_000.0,
        "confirm_phq9_rise": 27,
        "phq9_confirmed_rise": 27,
        "relapse_probability": 0.0,
    }
    rule = {"relapse_shift": 0.7, "relapse_threshold": 8.0}
    return EffectParams().with_changes(**{**rule, **quiet, **changes})


def test_a_fall_back_to_the_pre_course_level_raises_the_alert_within_days() -> None:
    inputs = _inputs({n: 3 for n in range(50, 61)}, last=60)

    (episode,) = _alerted(inputs, _params())

    assert FIRST + timedelta(days=50) <= episode.alerted_on <= FIRST + timedelta(days=53)
    assert effect.MOOD_RELAPSE_SIZED_FALL in {episode.rule, episode.latest_rule}
    deepest = next(
        (d for d in episode.deepened if d.rule == effect.MOOD_RELAPSE_SIZED_FALL), episode
    )
    assert "above where it was before the course (3)" in deepest.detail


def test_a_shallower_bad_week_that_recovers_raises_no_alert() -> None:
    inputs = _inputs({n: 5 for n in range(50, 56)}, last=70)  # two points down for six days

    assert _alerted(inputs, _params()) == []


def test_the_same_bad_week_raises_the_alert_when_it_does_not_recover() -> None:
    inputs = _inputs({n: 5 for n in range(50, 71)}, last=70)

    (episode,) = _alerted(inputs, _params())

    assert episode.alerted_on > FIRST + timedelta(days=55)


@pytest.mark.parametrize("every", [2, 3])
def test_a_relapse_with_missed_days_is_still_alerted(every: int) -> None:
    inputs = _inputs({n: 3 for n in range(50, 71)}, last=70, every=every)

    (episode,) = _alerted(inputs, _params())

    assert FIRST + timedelta(days=50) <= episode.alerted_on <= FIRST + timedelta(days=58)


def test_a_week_without_check_ins_adds_nothing() -> None:
    inputs = _inputs({}, last=70, gap=range(45, 60))

    assert effect.evaluate(inputs, _params()).episodes == []


def test_no_alert_before_the_fall_begins() -> None:
    inputs = _inputs({n: 3 for n in range(50, 61)}, last=60)

    episodes = effect.evaluate(inputs, _params()).episodes

    assert all(e.start >= FIRST + timedelta(days=50) for e in episodes)


def test_a_share_of_zero_turns_the_rule_off() -> None:
    inputs = _inputs({n: 3 for n in range(50, 61)}, last=60)

    assert _alerted(inputs, _params(relapse_shift=0.0)) == []


def test_no_lift_no_relapse_sized_fall() -> None:
    """A patient whose mood never rose above the pre-course level has nothing to lose."""
    flat = EffectInputs(
        [],
        [(FIRST + timedelta(days=n), 3 if n < 50 else 1) for n in range(-14, 61)],
        [FIRST + timedelta(days=n) for n in (0, 3, 6)],
        FIRST + timedelta(days=60),
    )

    assert _alerted(flat, _params()) == []


# --- in the app ---------------------------------------------------------------------------------


def test_turned_on_a_fall_to_the_pre_course_level_raises_one_fading_alert_in_the_app(
    patient: User,  # noqa: F811
    django_capture_on_commit_callbacks: CaptureCallbacks,
    settings: Any,
) -> None:
    """The fixture's patient was lifted from 3 to 7 and has been at 5 for two days; today 3."""
    settings.CLAYWORK_FADING_RELAPSE_SHIFT_PERCENT = 70
    settings.CLAYWORK_FADING_RELAPSE_THRESHOLD_TENTHS = 80
    check_in_today(patient, 3, django_capture_on_commit_callbacks)

    (episode,) = FadingEpisode.objects.filter(patient=patient)
    (alert,) = fading_alerts(patient)
    assert episode.tier == effect.ALERT and episode.alert_id == alert.pk
    assert episode.latest_rule == effect.MOOD_RELAPSE_SIZED_FALL
    assert "above where it was before the course (3)" in episode.latest_detail


def test_off_by_default_the_same_day_is_only_an_early_warning(
    patient: User,  # noqa: F811
    django_capture_on_commit_callbacks: CaptureCallbacks,
    settings: Any,
) -> None:
    # The relapse filter (on by default; tests/test_fading_relapse_probable.py) alerts on this
    # day since decision 0006's sixth amendment: off here, as this is about the CUSUM.
    settings.CLAYWORK_FADING_RELAPSE_PROBABILITY_PERCENT = 0
    check_in_today(patient, 3, django_capture_on_commit_callbacks)

    (episode,) = FadingEpisode.objects.filter(patient=patient)
    assert episode.tier == effect.EARLY_WARNING and fading_alerts(patient) == []
