"""An early warning confirmed: the PHQ-9 Claywork asks for when it opens, and the rules that
turn the warning into an alert (decision 0006, second amendment)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from claywork.accounts.models import User
from claywork.clinics.consent import scores_shared_with_care_team
from claywork.measures import effect
from claywork.measures.effect import EffectInputs, EffectParams
from claywork.measures.models import FadingEpisode
from claywork.reminders.chosen import parse_scale_subject, scale_request
from claywork.reminders.delivery import reminder_email
from claywork.reminders.models import Kind, Reminder, ReminderPreferences
from tests.test_fading_episodes import (  # noqa: F401 (the fixture)
    CaptureCallbacks,
    check_in_today,
    fading_alerts,
    patient,
    phq9,
)

# --- the rules, no database -------------------------------------------------------------------

FIRST = date(2026, 1, 5)


def _history(
    *, low_from: int, low: int, last: int, skip_after: int | None = None
) -> tuple[list[tuple[date, int]], list[tuple[date, int]], list[date]]:
    """Three sessions from day 0; mood 3 before, 7 after, ``low`` from ``low_from``; weekly
    PHQ-9s of 5 after the course (18 before it); check-ins every day, or, after
    ``skip_after``, every third day."""
    sessions = [FIRST + timedelta(days=n) for n in (0, 3, 6)]
    mood = []
    for n in range(-14, last + 1):
        if skip_after is not None and n > skip_after and n % 3:
            continue
        value = 3 if n < 0 else low if n >= low_from else 7
        mood.append((FIRST + timedelta(days=n), value))
    phq = [(FIRST - timedelta(days=3), 18)] + [
        (FIRST + timedelta(days=n), 5) for n in range(14, low_from, 7)
    ]
    return mood, phq, sessions


def _params(**changes: Any) -> EffectParams:
    # The confirmations under test, the relapse filter out of the way.
    return EffectParams().with_changes(**{"relapse_probability": 0.0, **changes})


def test_a_phq9_a_little_above_usual_during_an_early_warning_confirms_it_into_an_alert() -> None:
    mood, phq, sessions = _history(low_from=50, low=5, last=53)
    phq.append((FIRST + timedelta(days=53), 9))  # 4 above its usual 5: no reliable change
    inputs = EffectInputs(phq, mood, sessions, FIRST + timedelta(days=53))

    (episode,) = effect.evaluate(inputs, _params(confirm_phq9_rise=4)).episodes

    assert episode.rule == effect.MOOD_EARLY_WARNING
    assert episode.latest_rule == effect.PHQ9_CONFIRMS_WARNING
    assert episode.tier == effect.ALERT and episode.alerted_on == FIRST + timedelta(days=53)
    assert episode.latest_detail == (
        "PHQ-9 9 while mood was below usual, 4 above its usual 5 (confirming at 4 or more)"
    )
    assert effect.phq9_requests([episode]) == [episode.start]


def test_the_same_phq9_without_an_early_warning_raises_nothing() -> None:
    mood, phq, sessions = _history(low_from=100, low=5, last=53)
    phq.append((FIRST + timedelta(days=53), 9))
    inputs = EffectInputs(phq, mood, sessions, FIRST + timedelta(days=53))

    assert effect.evaluate(inputs, _params(confirm_phq9_rise=4)).episodes == []


def test_a_phq9_below_the_confirming_rise_leaves_the_warning_a_warning() -> None:
    mood, phq, sessions = _history(low_from=50, low=5, last=53)
    phq.append((FIRST + timedelta(days=53), 8))
    inputs = EffectInputs(phq, mood, sessions, FIRST + timedelta(days=53))

    (episode,) = effect.evaluate(inputs, _params(confirm_phq9_rise=4)).episodes

    assert episode.tier == effect.EARLY_WARNING and episode.alerted_on is None


def test_a_deepening_fall_with_fewer_check_ins_confirms_the_warning() -> None:
    params = _params(confirm_mood_threshold=8.0, confirm_check_in_drop=0.3, alert_threshold=1e6)
    mood, phq, sessions = _history(low_from=50, low=4, last=60, skip_after=52)
    (episode,) = effect.evaluate(
        EffectInputs(phq, mood, sessions, FIRST + timedelta(days=60)), params
    ).episodes

    assert episode.latest_rule == effect.MOOD_FALL_FEWER_CHECK_INS
    assert episode.tier == effect.ALERT
    assert "check-ins on 57% of the last 7 days, against 100% usually" in episode.latest_detail


def test_the_same_fall_with_check_ins_as_usual_stays_an_early_warning() -> None:
    params = _params(confirm_mood_threshold=8.0, confirm_check_in_drop=0.3, alert_threshold=1e6)
    mood, phq, sessions = _history(low_from=50, low=4, last=60)
    (episode,) = effect.evaluate(
        EffectInputs(phq, mood, sessions, FIRST + timedelta(days=60)), params
    ).episodes

    assert episode.tier == effect.EARLY_WARNING


def test_the_fewer_check_ins_rule_is_off_at_a_zero_threshold() -> None:
    params = _params(confirm_mood_threshold=0.0, confirm_check_in_drop=0.3, alert_threshold=1e6)
    mood, phq, sessions = _history(low_from=50, low=4, last=60, skip_after=52)
    (episode,) = effect.evaluate(
        EffectInputs(phq, mood, sessions, FIRST + timedelta(days=60)), params
    ).episodes

    assert episode.tier == effect.EARLY_WARNING


# --- the PHQ-9 asked for, in the app -----------------------------------------------------------


@pytest.fixture
def wants_scale_reminders(patient: User) -> ReminderPreferences:  # noqa: F811
    return ReminderPreferences.objects.create(patient=patient, scale_due_time=time(18, 0))


def _requests(someone: User) -> list[Reminder]:
    return list(
        Reminder.objects.filter(patient=someone, kind=Kind.SCALE_DUE, subject__contains=":asked-")
    )


@pytest.mark.usefixtures("wants_scale_reminders")
def test_a_patient_whose_early_warning_opens_is_asked_for_one_phq9_not_one_a_day(
    patient: User,  # noqa: F811
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    for days_later in (1, 2):  # still below usual: the warning stays open
        with time_machine.travel(timezone.now() + timedelta(days=days_later)):
            check_in_today(patient, 5, django_capture_on_commit_callbacks)

    episode = FadingEpisode.objects.get(patient=patient)
    (request,) = _requests(patient)
    assert episode.tier == effect.EARLY_WARNING and episode.is_open
    assert request.subject.endswith(f":asked-{episode.pk}")
    assert parse_scale_subject(request.subject)[0] == "phq9"
    local = request.due_at.astimezone(patient.zone)
    assert local.time() == time(18, 0)


@pytest.mark.usefixtures("wants_scale_reminders")
def test_the_phq9_request_says_a_questionnaire_is_ready_and_never_why(
    patient: User,  # noqa: F811
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    (request,) = _requests(patient)

    email = reminder_email(request, link="https://clinic.example/r/1")

    words = f"{email.subject}\n{email.body}".lower()
    assert email.subject == "Claywork: a short questionnaire is ready"
    for health_word in ("mood", "fading", "phq", "warning", "below", "depress", "relapse"):
        assert health_word not in words


@pytest.mark.usefixtures("wants_scale_reminders")
def test_answering_the_phq9_a_little_above_usual_raises_the_alert(
    patient: User,  # noqa: F811
    django_capture_on_commit_callbacks: CaptureCallbacks,
    settings: Any,
) -> None:
    settings.CLAYWORK_FADING_CONFIRM_PHQ9_RISE = 3
    check_in_today(patient, 5, django_capture_on_commit_callbacks)
    assert fading_alerts(patient) == []
    with (
        time_machine.travel(timezone.now() + timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        phq9(patient, 8)  # 3 above its usual 5: under the reliable change of 6

    episode = FadingEpisode.objects.get(patient=patient)
    (alert,) = fading_alerts(patient)
    assert (episode.tier, episode.latest_rule) == (effect.ALERT, effect.PHQ9_CONFIRMS_WARNING)
    assert episode.alert_id == alert.pk
    assert len(_requests(patient)) == 1


def test_a_patient_who_chose_no_time_for_scale_reminders_is_not_asked(
    patient: User,  # noqa: F811
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    ReminderPreferences.objects.create(patient=patient, scale_due_time=None)
    check_in_today(patient, 5, django_capture_on_commit_callbacks)

    assert FadingEpisode.objects.get(patient=patient).tier == effect.EARLY_WARNING
    assert _requests(patient) == []


def test_a_patient_not_sharing_scores_is_not_asked(
    patient: User,  # noqa: F811
    django_capture_on_commit_callbacks: CaptureCallbacks,
    wants_scale_reminders: ReminderPreferences,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("claywork.measures.services._alert_wanted", lambda patient: False)
    check_in_today(patient, 5, django_capture_on_commit_callbacks)

    assert FadingEpisode.objects.filter(patient=patient).exists()
    assert _requests(patient) == []
    assert scores_shared_with_care_team(patient.pk)  # only the stub said no


@pytest.mark.usefixtures("wants_scale_reminders")
def test_a_request_key_with_a_colon_is_refused_and_writes_nothing(
    patient: User,  # noqa: F811
) -> None:
    with pytest.raises(ValueError, match="without colons"):
        scale_request(patient=patient, code="phq9", key="asked:1", now=timezone.now())
    with pytest.raises(ValueError, match="without colons"):
        scale_request(patient=patient, code="phq9", key="", now=timezone.now())

    assert _requests(patient) == []


@pytest.mark.usefixtures("wants_scale_reminders")
def test_asking_twice_with_the_same_key_writes_one_reminder(patient: User) -> None:  # noqa: F811
    now = timezone.now()
    first = scale_request(patient=patient, code="phq9", key="asked-7", now=now)
    again = scale_request(patient=patient, code="phq9", key="asked-7", now=now)

    assert (first, again) == (True, False)
    assert len(_requests(patient)) == 1
