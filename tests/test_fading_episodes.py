"""Fading episodes in the app: kept per patient, one alert each, updated when they deepen."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from claywork.accounts.models import User
from claywork.measures import effect, selectors, services
from claywork.measures.models import CheckIn, FadingEpisode, ScaleResponse
from claywork.measures.services import CheckInValues
from claywork.safety.models import Alert, AlertKind, Severity
from claywork.safety.services import alert_acknowledge, alert_raise
from tests import factories

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def patient(db: None) -> User:
    """A course 60-54 days ago that lifted mood from 3 to 7; 5 for the last two days, and
    weekly PHQ-9s of 5 since the course (18 before it)."""
    patient = factories.PatientFactory()
    clinician = factories.ClinicianFactory(clinic=patient.clinic)
    factories.add_to_care_team(patient, clinician)
    course = factories.make_course(patient)
    for days_ago in (60, 57, 54):
        factories.make_session(
            course, status="completed", completed_at=timezone.now() - timedelta(days=days_ago)
        )
    moods = {days_ago: 3 for days_ago in range(61, 75)}
    moods |= {days_ago: 5 for days_ago in range(54, 61)}
    moods |= {days_ago: 7 for days_ago in range(3, 54)}
    moods |= {days_ago: 5 for days_ago in range(1, 3)}
    _check_ins(patient, moods)
    for days_ago, total in [(63, 18)] + [(days_ago, 5) for days_ago in (46, 39, 32, 25, 18, 11)]:
        phq9(patient, total, days_ago=days_ago)
    return patient


def _today(patient: User) -> date:
    return selectors.patient_today(patient)


def _check_ins(patient: User, moods: dict[int, int]) -> None:
    today = _today(patient)
    CheckIn.objects.bulk_create(
        CheckIn(
            patient=patient,
            day=today - timedelta(days=days_ago),
            mood=mood,
            anxiety=3,
            energy=5,
            sleep_hours=Decimal("7"),
        )
        for days_ago, mood in moods.items()
    )


def phq9(patient: User, total: int, *, days_ago: int = 0) -> ScaleResponse:
    answers = {str(n): 0 for n in range(1, 10)}
    for n in range(1, 9):
        answers[str(n)] = min(3, total)
        total -= answers[str(n)]
    response = services.response_start(
        patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
    )
    response = services.response_submit(response=response, answers=answers)
    ScaleResponse.objects.filter(pk=response.pk).update(
        completed_at=timezone.now() - timedelta(days=days_ago)
    )
    return response


def check_in_today(patient: User, mood: int, capture: CaptureCallbacks) -> None:
    with capture(execute=True):
        services.check_in_save(
            patient=patient,
            day=_today(patient),
            values=CheckInValues(mood=mood, anxiety=3, energy=5, sleep_hours=Decimal("7")),
        )


def fading_alerts(patient: User) -> list[Alert]:
    return list(Alert.objects.filter(patient=patient, kind=AlertKind.FADING_EFFECT).order_by("pk"))


@pytest.fixture
def mood_alerts_at_once(settings: Any) -> None:
    """The alert tier's mood CUSUM set to the early warning's own threshold and slack: the
    mood rule raises its alert on the day it fires (for the alert workflow's tests)."""
    settings.CLAYWORK_FADING_ALERT_THRESHOLD_TENTHS = settings.CLAYWORK_FADING_MOOD_THRESHOLD_TENTHS
    settings.CLAYWORK_FADING_ALERT_SLACK_TENTHS = settings.CLAYWORK_FADING_MOOD_SLACK_TENTHS
    settings.CLAYWORK_FADING_ALERT_DAYS = 1


def test_a_few_low_days_give_an_early_warning_and_no_alert(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    check_in_today(patient, 5, django_capture_on_commit_callbacks)  # updated: nothing new

    (episode,) = FadingEpisode.objects.filter(patient=patient)
    today = _today(patient)
    assert episode.is_open and episode.started_on == today
    assert (episode.rule, episode.tier, episode.depth) == (
        effect.MOOD_EARLY_WARNING,
        effect.EARLY_WARNING,
        1,
    )
    assert episode.latest_detail == (
        f"mood 5.0 on average over 3 check-ins since {(today - timedelta(days=2)).isoformat()}, "
        "2.0 below its usual 7"
    )
    assert episode.alert_id is None and fading_alerts(patient) == []


def test_a_sustained_fall_escalates_the_early_warning_to_one_alert(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks, settings: Any
) -> None:
    settings.CLAYWORK_FADING_ALERT_THRESHOLD_TENTHS = 80  # 8 mood points below usual - slack...
    settings.CLAYWORK_FADING_ALERT_DAYS = 7  # ...over at least a week
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    opened = FadingEpisode.objects.get(patient=patient)
    for days_later in range(1, 6):  # the fall goes on: 8 days at 5 instead of 7
        with time_machine.travel(timezone.now() + timedelta(days=days_later)):
            check_in_today(patient, 5, django_capture_on_commit_callbacks)

    (episode,) = FadingEpisode.objects.filter(patient=patient)
    (alert,) = fading_alerts(patient)
    assert opened.tier == effect.EARLY_WARNING
    assert (episode.pk, episode.started_on) == (opened.pk, opened.started_on)
    assert (episode.tier, episode.latest_rule) == (effect.ALERT, effect.MOOD_SUSTAINED_FALL)
    assert episode.alert_id == alert.pk and alert.severity == Severity.MEDIUM
    assert alert.title.startswith(
        "Effect may be fading: Daily mood below its usual level, sustained "
        "(mood 5.0 on average over 8 check-ins since"
    )


def test_a_phq9_reliable_rise_alerts_at_once(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        phq9(patient, 15)

    (episode,) = FadingEpisode.objects.filter(patient=patient)
    (alert,) = fading_alerts(patient)
    assert (episode.rule, episode.tier) == (effect.PHQ9_RELIABLE_RISE, effect.ALERT)
    assert episode.alert_id == alert.pk
    assert alert.title == (
        "Effect may be fading: PHQ-9 reliably above its usual level "
        "(PHQ-9 15, 10 above its usual 5 (a reliable change is 6 or more; alerting at 10))"
    )


def test_a_phq9_rise_during_an_early_warning_raises_its_alert(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    assert fading_alerts(patient) == []
    with (
        time_machine.travel(timezone.now() + timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        phq9(patient, 15)

    (episode,) = FadingEpisode.objects.filter(patient=patient)
    (alert,) = fading_alerts(patient)
    assert (episode.rule, episode.latest_rule) == (
        effect.MOOD_EARLY_WARNING,
        effect.PHQ9_RELIABLE_RISE,
    )
    assert (episode.tier, episode.depth) == (effect.ALERT, 3)
    assert alert.title.startswith("Effect may be fading: PHQ-9 reliably above its usual level")
    assert "PHQ-9 15, 10 above its usual 5" in alert.title


@pytest.mark.usefixtures("mood_alerts_at_once")
def test_a_deeper_rule_updates_the_open_alert_instead_of_raising_another(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    (first,) = fading_alerts(patient)
    with django_capture_on_commit_callbacks(execute=True):
        phq9(patient, 15)

    (episode,) = FadingEpisode.objects.filter(patient=patient)
    (alert,) = fading_alerts(patient)
    assert alert.pk == first.pk
    assert (episode.latest_rule, episode.depth) == (effect.PHQ9_RELIABLE_RISE, 3)
    assert alert.title.startswith("Effect may be fading: PHQ-9 reliably above its usual level")
    assert "PHQ-9 15, 10 above its usual 5" in alert.title


@pytest.mark.usefixtures("mood_alerts_at_once")
def test_once_acknowledged_a_deeper_episode_gets_a_new_alert(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    (first,) = fading_alerts(patient)
    clinician = User.objects.get(caseload_links__patient=patient)
    alert_acknowledge(alert=first, by=clinician, note="Called; a hard week at work.")
    with django_capture_on_commit_callbacks(execute=True):
        phq9(patient, 15)

    first_again, second = fading_alerts(patient)
    episode = FadingEpisode.objects.get(patient=patient)
    assert first_again.title == first.title  # the acknowledged alert is left as it was seen
    assert second.is_open and "PHQ-9 reliably above" in second.title
    assert (episode.alert_id, episode.revision) == (second.pk, 1)


@pytest.mark.usefixtures("mood_alerts_at_once")
def test_an_episode_that_ended_says_so_on_its_unseen_alert(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    for days_later in range(1, 5):  # mood back at 7 for the next four days
        with time_machine.travel(timezone.now() + timedelta(days=days_later)):
            check_in_today(patient, 7, django_capture_on_commit_callbacks)

    episode = FadingEpisode.objects.get(patient=patient)
    (alert,) = fading_alerts(patient)
    assert episode.ended_on is not None
    assert alert.title.endswith(f"; back to usual since {episode.ended_on.isoformat()}")


@pytest.mark.usefixtures("mood_alerts_at_once")
def test_an_episode_the_corrected_numbers_no_longer_show_is_closed(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    # The last days' check-ins corrected to 7: the rules no longer find any episode.
    CheckIn.objects.filter(patient=patient, day__gte=_today(patient) - timedelta(days=4)).update(
        mood=7
    )
    assert services.fading_refresh(patient=patient) is None

    episode = FadingEpisode.objects.get(patient=patient)
    (alert,) = fading_alerts(patient)
    assert episode.ended_on == _today(patient)
    assert "no longer seen in the numbers since" in alert.title


@pytest.mark.usefixtures("mood_alerts_at_once")
def test_a_check_in_backfilled_for_last_week_moves_the_episode_not_its_alert(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    CheckIn.objects.filter(patient=patient, day=_today(patient) - timedelta(days=1)).delete()
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    check_in_today(patient, 4, django_capture_on_commit_callbacks)  # deeper today
    before = FadingEpisode.objects.get(patient=patient)

    with django_capture_on_commit_callbacks(execute=True):
        services.check_in_save(
            patient=patient,
            day=_today(patient) - timedelta(days=1),  # yesterday's, entered today
            values=CheckInValues(mood=4, anxiety=3, energy=5, sleep_hours=Decimal("7")),
        )

    after = FadingEpisode.objects.get(patient=patient)
    assert after.pk == before.pk and after.alert_id == before.alert_id
    assert len(fading_alerts(patient)) == 1
    assert after.started_on <= before.started_on


def test_a_scale_answered_twice_on_one_day_counts_once_as_the_later_answer(
    patient: User,
) -> None:
    phq9(patient, 9, days_ago=0)
    later = phq9(patient, 6, days_ago=0)
    ScaleResponse.objects.filter(pk=later.pk).update(completed_at=timezone.now())

    inputs = selectors.effect_inputs(patient_id=patient.pk)

    todays = [total for day, total in inputs.phq9 if day == _today(patient)]
    assert todays == [6]
    assert [day for day, _ in inputs.phq9] == sorted({day for day, _ in inputs.phq9})


@pytest.mark.usefixtures("mood_alerts_at_once")
def test_an_open_fading_alert_from_before_the_upgrade_is_carried_on(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    old, _ = alert_raise(
        patient=patient,
        kind=AlertKind.FADING_EFFECT,
        severity=Severity.MEDIUM,
        title="Effect may be fading: PHQ-9 is 11, 6 points above its low of 5",
        dedupe_key=f"fading:{patient.pk}:2026-11-02",
    )

    check_in_today(patient, 5, django_capture_on_commit_callbacks)

    (alert,) = fading_alerts(patient)
    assert alert.pk == old.pk
    assert alert.title.startswith("Effect may be fading: Daily mood below its usual level")
    assert FadingEpisode.objects.get(patient=patient).alert_id == old.pk


def test_episodes_are_kept_without_an_alert_while_scores_are_not_shared(
    patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    from claywork.clinics import consent
    from claywork.clinics.models import Clinic

    Clinic.objects.filter(pk=patient.clinic_id).update(patients_may_withdraw_scores=True)
    patient.refresh_from_db()
    consent.consent_withdraw(user=patient, topic=consent.SCORES)
    check_in_today(patient, 5, django_capture_on_commit_callbacks)

    assert FadingEpisode.objects.get(patient=patient).is_open
    assert fading_alerts(patient) == []


def test_a_caseloads_current_episodes_take_one_query(
    patient: User, django_assert_num_queries: Any
) -> None:
    others = [factories.PatientFactory(clinic=patient.clinic) for _ in range(3)]
    for other in others[:2]:
        FadingEpisode.objects.create(
            patient=other,
            started_on=date(2026, 3, 1),
            rule=effect.MOOD_EARLY_WARNING,
            detail="mood 4.0",
            latest_rule=effect.MOOD_EARLY_WARNING,
            latest_detail="mood 4.0",
        )
    FadingEpisode.objects.create(
        patient=others[2],
        started_on=date(2026, 1, 1),
        ended_on=date(2026, 1, 20),
        rule=effect.MOOD_EARLY_WARNING,
        detail="mood 4.0",
        latest_rule=effect.MOOD_EARLY_WARNING,
        latest_detail="mood 4.0",
    )

    with django_assert_num_queries(1):
        current = selectors.current_fading_episodes(
            patient_ids=[patient.pk, *(other.pk for other in others)]
        )

    assert set(current) == {others[0].pk, others[1].pk}
    assert current[others[0].pk].started_on == date(2026, 3, 1)


def test_a_caseload_query_can_carry_each_patients_current_episode(patient: User) -> None:
    FadingEpisode.objects.create(
        patient=patient,
        started_on=date(2026, 3, 1),
        rule=effect.MOOD_EARLY_WARNING,
        detail="mood 4.0",
        latest_rule=effect.PHQ9_RELIABLE_RISE,
        latest_detail="PHQ-9 12",
    )
    quiet = factories.PatientFactory(clinic=patient.clinic)

    rows = {
        row["pk"]: row
        for row in User.objects.filter(pk__in=[patient.pk, quiet.pk])
        .annotate(**selectors.current_fading_annotations())
        .values("pk", "fading_since", "fading_rule", "fading_detail", "fading_tier")
    }

    assert rows[patient.pk]["fading_since"] == date(2026, 3, 1)
    assert rows[patient.pk]["fading_tier"] == effect.ALERT
    assert rows[patient.pk]["fading_rule"] == effect.PHQ9_RELIABLE_RISE
    assert rows[quiet.pk]["fading_since"] is None
