"""A replay resumed from the previous evaluation's checkpoint (``fading.episodes_from``) finds
the same episodes as a replay of the whole history, day after day, on simulated patients: the
app's saves step a day or two instead of the whole history (bench/relapse_filter_cost.py) and
tell the clinician exactly what they told before."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bench.effect_cohort import SimPatient, cohort
from claywork.measures import effect, fading
from claywork.measures.effect import EffectInputs, EffectParams


def _until(sim: SimPatient, today: date) -> EffectInputs:
    """What the app holds on ``today``: the data up to it."""
    return EffectInputs(
        phq9=[p for p in sim.phq9 if p[0] <= today],
        mood=[m for m in sim.check_ins if m[0] <= today],
        sessions=[s for s in sim.sessions if s <= today],
        today=today,
    )


def _patients() -> list[SimPatient]:
    """A relapse alerted by the filter, one that stays well, and a partial responder who
    relapses after a booster, from a fixed seed (each scenario's first)."""
    found: dict[str, SimPatient] = {}
    for sim in cohort(7, 40):
        if sim.scenario in {"relapse", "stable", "partial_relapse"}:
            found.setdefault(sim.scenario, sim)
    return list(found.values())


@pytest.mark.parametrize("sim", _patients(), ids=lambda sim: sim.scenario)
def test_a_replay_resumed_each_day_finds_what_a_full_replay_finds(sim: SimPatient) -> None:
    params = EffectParams()
    checkpoint = None
    resumed = 0
    today = sim.sessions[0]
    while today <= sim.follow_up_end:
        inputs = _until(sim, today)
        incremental = effect.evaluate(inputs, params, checkpoint=checkpoint)
        resumed += checkpoint is not None and checkpoint.day == today - timedelta(days=2)
        assert incremental.episodes == effect.evaluate(inputs, params).episodes, today
        checkpoint = incremental.checkpoint
        today += timedelta(days=1)
    assert resumed > 60  # it did resume, nearly every day


def test_the_patients_include_an_alert() -> None:
    # The comparison above means something only if the filter's state mattered.
    alerts = [
        episode
        for sim in _patients()
        for episode in effect.evaluate(_until(sim, sim.follow_up_end), EffectParams()).episodes
        if episode.alerted_on
    ]
    assert any(episode.latest_rule == effect.MOOD_RELAPSE_PROBABLE for episode in alerts)


def _relapsing() -> SimPatient:
    return next(sim for sim in _patients() if sim.scenario == "relapse")


def test_a_check_in_backfilled_before_the_checkpoint_replays_from_the_start() -> None:
    sim = _relapsing()
    today = sim.onset + timedelta(days=10) if sim.onset else sim.follow_up_end
    checkpoint = effect.evaluate(_until(sim, today), EffectParams()).checkpoint
    assert checkpoint is not None
    inputs = _until(sim, today + timedelta(days=1))
    # A week ago, a day marked much lower than it was.
    backfilled = today - timedelta(days=7)
    mood = sorted({**dict(inputs.mood), backfilled: 0}.items())
    changed = EffectInputs(inputs.phq9, mood, inputs.sessions, inputs.today)
    assert fading.fingerprint(changed, EffectParams(), checkpoint.day) != checkpoint.fingerprint
    resumed = effect.evaluate(changed, EffectParams(), checkpoint=checkpoint)
    assert resumed.episodes == effect.evaluate(changed, EffectParams()).episodes


def test_a_checkpoint_made_under_other_rules_is_not_used() -> None:
    sim = _relapsing()
    inputs = _until(sim, sim.follow_up_end)
    quiet = EffectParams(mood_threshold=1000.0)  # no early warning
    checkpoint = effect.evaluate(inputs, quiet).checkpoint
    assert checkpoint is not None
    later = EffectInputs(inputs.phq9, inputs.mood, inputs.sessions, inputs.today + timedelta(1))
    found = effect.evaluate(later, EffectParams(), checkpoint=checkpoint).episodes
    assert found == effect.evaluate(later, EffectParams()).episodes
    assert found != effect.evaluate(later, quiet).episodes


def test_a_checkpoint_is_the_day_before_today() -> None:
    sim = _relapsing()
    report = effect.evaluate(_until(sim, sim.follow_up_end), EffectParams())
    assert report.checkpoint is not None
    assert report.checkpoint.day == sim.follow_up_end - timedelta(days=1)
    assert effect.evaluate(_until(sim, sim.sessions[0]), EffectParams()).checkpoint is None
