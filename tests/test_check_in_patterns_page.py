"""The "Patterns in my check-ins" page: the patient's own check-ins and practice days, the
window after the last session, the old address, and what the page says."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.accounts.models import User
from claywork.measures.models import CheckIn
from claywork.measures.selectors import patient_today
from claywork.practice import selectors, services
from claywork.practice.models import Practice
from tests.conftest import Personas, client_for
from tests.factories import PatientFactory, make_course, make_session


@pytest.fixture
def patient(db: None) -> User:
    """A patient with no session yet (the personas' patient had one today)."""
    return PatientFactory()


def walk() -> Practice:
    return Practice.objects.get(slug="nature-walk", patient=None)


def check_ins_and_walks(
    patient: User, *, days: int, lift: float, anxiety_every: int = 1, seed: int = 1
) -> list[date]:
    """``days`` days up to today: a walk on ~40% of them, mood ``lift`` higher on those days."""
    today = patient_today(patient)
    rng = np.random.default_rng(seed)
    walked_days = []
    for offset in range(days):
        day = today - timedelta(days=days - 1 - offset)
        walked = bool(rng.random() < 0.4)
        mood = int(np.clip(round(5 + lift * walked + rng.normal(0, 0.8)), 0, 10))
        CheckIn.objects.create(
            patient=patient,
            day=day,
            mood=mood,
            anxiety=10 - mood if offset % anxiety_every == 0 else None,
        )
        if walked:
            walked_days.append(day)
            services.practice_log(
                patient=patient,
                practice=walk(),
                day=day,
                submission_id=uuid.uuid4(),
                duration_minutes=None,
                note="",
            )
    return walked_days


def test_the_page_shows_plain_numbers_and_what_else_could_explain_them(
    patient: User,
) -> None:
    check_ins_and_walks(patient, days=70, lift=2)

    page = client_for(patient).get("/patterns/").content.decode()

    assert "Patterns in my check-ins" in page
    assert "On days you did Nature walk, your mood was on average" in page
    assert "A clear, large difference" in page
    assert "What else could explain it" in page
    assert "Good days may lead to Nature walk" in page


def test_without_a_difference_the_page_says_no_clear_difference(patient: User) -> None:
    check_ins_and_walks(patient, days=70, lift=0, seed=3)

    page = client_for(patient).get("/patterns/").content.decode()

    assert "No clear difference" in page
    assert "A clear" not in page
    for size in ("small difference", "moderate difference", "large difference"):
        assert size not in page


def test_anxiety_missing_on_some_days_is_compared_on_the_days_that_have_it(
    patient: User,
) -> None:
    check_ins_and_walks(patient, days=70, lift=2, anxiety_every=2)

    found = selectors.check_in_patterns(patient=patient, today=patient_today(patient))

    (walked,) = found.practices
    assert walked.mood.n_with + walked.mood.n_without == 70
    assert walked.anxiety.n_with + walked.anxiety.n_without == 35


def test_the_window_starts_the_day_after_the_last_session(patient: User) -> None:
    check_ins_and_walks(patient, days=70, lift=2)
    today = patient_today(patient)
    session_day = today - timedelta(days=40)
    moment = datetime.combine(session_day, time(12), tzinfo=patient.zone)
    make_session(make_course(patient), status="completed", completed_at=moment)

    found = selectors.check_in_patterns(patient=patient, today=today)

    assert found.first_day == session_day + timedelta(days=1)
    assert found.check_in_days == 40


def test_a_course_that_just_ended_leaves_too_few_days_and_says_so(patient: User) -> None:
    check_ins_and_walks(patient, days=70, lift=2)
    moment = datetime.combine(
        patient_today(patient) - timedelta(days=5), time(12), tzinfo=patient.zone
    )
    make_session(make_course(patient), status="completed", completed_at=moment)

    page = client_for(patient).get("/patterns/").content.decode()

    assert "need at least 4 weeks of check-ins after your last session" in page
    assert "there have been 5 days so far" in page


def test_an_empty_history_invites_logging(patient: User) -> None:
    response = client_for(patient).get("/patterns/")

    assert response.status_code == 200
    assert "patterns will show here over time" in response.content.decode()


def test_each_patient_sees_only_their_own_practices(personas: Personas) -> None:
    check_ins_and_walks(personas.patient, days=70, lift=2)

    page = client_for(personas.other_patient).get("/patterns/").content.decode()

    assert "Nature walk" not in page


def test_the_old_address_moves_to_the_new_page(patient: User) -> None:
    response = client_for(patient).get("/insights/")

    assert (response.status_code, response["Location"]) == (301, "/patterns/")


def test_patterns_read_in_a_fixed_number_of_queries(patient: User) -> None:
    today = patient_today(patient)
    for slug in ("nature-walk", "breathwork", "meditation"):
        services.practice_log(
            patient=patient,
            practice=Practice.objects.get(slug=slug, patient=None),
            day=today,
            submission_id=uuid.uuid4(),
            duration_minutes=None,
            note="",
        )

    with CaptureQueriesContext(connection) as queries:
        selectors.check_in_patterns(patient=patient, today=today)

    assert len(queries) == 4
