"""The simulation's truth (bench/effect_cohort.py): the perceptible onset, and a PHQ-9 the
app asks for, answered the same way on every run."""

from __future__ import annotations

from datetime import timedelta

from bench.effect_cohort import cohort


def test_a_relapse_is_perceptible_on_or_after_its_onset_and_by_the_end_of_its_fall() -> None:
    relapses = [sim for sim in cohort(7, 120) if sim.onset is not None]

    assert relapses
    for sim in relapses:
        assert sim.onset is not None and sim.perceptible_onset is not None
        assert sim.slide_days is not None
        assert sim.onset <= sim.perceptible_onset <= sim.onset + timedelta(days=sim.slide_days)
    # A slow slide is seen days after it starts; an abrupt one within a day or two.
    slow = [s for s in relapses if s.slide_days and s.slide_days >= 12 and s.perceptible_onset]
    assert any(s.perceptible_onset - s.onset >= timedelta(days=3) for s in slow if s.onset)


def test_patients_who_stay_well_have_no_onset_of_either_kind() -> None:
    for sim in cohort(7, 60):
        if sim.scenario in {"stable", "partial", "non_responder"}:
            assert (sim.onset, sim.perceptible_onset) == (None, None)


def test_a_requested_phq9_is_answered_the_same_way_every_time_within_two_days() -> None:
    sims = cohort(7, 40)
    again = cohort(7, 40)
    answered = 0
    for sim, twin in zip(sims, again, strict=True):
        asked_on = sim.course_end + timedelta(days=20)
        answer = sim.answer_requested_phq9(asked_on, set())
        assert answer == twin.answer_requested_phq9(asked_on, set())
        if answer is not None:
            answered += 1
            day, total = answer
            assert asked_on <= day <= asked_on + timedelta(days=2)
            assert 0 <= total <= 27
            # Already answered that day: no second PHQ-9 on one day.
            assert sim.answer_requested_phq9(asked_on, {day}) is None
    assert 0 < answered < len(sims)  # answered with the adherence as the probability
