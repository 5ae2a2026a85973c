"""The early warning on the care team's pages: the caseload, the patient page and the progress
page show "Mood below usual — watch" with the rule in words; no alert is raised, and the
patient's own pages say nothing of it (decision 0006)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from claywork.accounts.models import User
from claywork.measures import effect, selectors, services
from claywork.measures.models import CheckIn, FadingEpisode
from claywork.measures.services import CheckInValues
from claywork.safety.models import Alert, AlertKind
from tests import factories
from tests.conftest import client_for

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def watched(db: None, django_capture_on_commit_callbacks: CaptureCallbacks) -> User:
    """A course 60-54 days ago lifted mood from 3 to 7; three days at 5 open an early warning."""
    patient = factories.PatientFactory(full_name="Wanda Watched")
    clinician = factories.ClinicianFactory(clinic=patient.clinic)
    factories.add_to_care_team(patient, clinician)
    course = factories.make_course(patient)
    for days_ago in (60, 57, 54):
        factories.make_session(
            course, status="completed", completed_at=timezone.now() - timedelta(days=days_ago)
        )
    today = selectors.patient_today(patient)
    moods = {days_ago: 3 for days_ago in range(61, 75)}
    moods |= {days_ago: 7 for days_ago in range(3, 61)}
    moods |= {days_ago: 5 for days_ago in range(1, 3)}
    CheckIn.objects.bulk_create(
        CheckIn(patient=patient, day=today - timedelta(days=days_ago), mood=mood)
        for days_ago, mood in moods.items()
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.check_in_save(
            patient=patient,
            day=today,
            values=CheckInValues(mood=5, anxiety=3, energy=5, sleep_hours=Decimal("7")),
        )
    return patient


def _clinician(patient: User) -> User:
    return User.objects.get(caseload_links__patient=patient)


def test_an_early_warning_is_kept_and_raises_no_alert(watched: User) -> None:
    episode = FadingEpisode.objects.get(patient=watched)

    assert (episode.tier, episode.rule) == (effect.EARLY_WARNING, effect.MOOD_EARLY_WARNING)
    assert episode.is_open and episode.alert_id is None
    assert not Alert.objects.filter(patient=watched, kind=AlertKind.FADING_EFFECT).exists()


def test_the_caseload_shows_the_early_warning_with_its_rule(watched: User) -> None:
    page = client_for(_clinician(watched)).get("/").content.decode()

    assert "Mood below usual — watch" in page
    assert "Daily mood below its usual level (mood 5.0 on average over 3 check-ins" in page


def test_the_patient_page_shows_the_early_warning_with_its_rule(watched: User) -> None:
    page = client_for(_clinician(watched)).get(f"/patients/{watched.pk}/").content.decode()

    assert "Mood below usual — watch" in page
    assert "Daily mood below its usual level (mood 5.0" in page
    assert "May be fading" not in page


def test_the_progress_page_shows_the_early_warning_and_that_no_alert_was_raised(
    watched: User,
) -> None:
    url = f"/patients/{watched.pk}/progress/"
    page = client_for(_clinician(watched)).get(url).content.decode()

    assert "Mood below usual — watch, since" in page
    assert "Daily mood below its usual level" in page
    assert "no alert has been raised" in page


def test_the_patient_is_not_shown_an_early_warning(watched: User) -> None:
    patient = client_for(watched)

    assert "A gentle note" not in patient.get("/").content.decode()
    assert "A gentle note" not in patient.get("/measures/progress/").content.decode()
