"""Integration plan, small goals and practices: services and pages ("patterns in my
check-ins" has its own file, test_check_in_patterns_page.py)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from claywork.accounts.models import User
from claywork.measures.selectors import patient_today
from claywork.practice import selectors, services
from claywork.practice.catalogue import load_catalogue
from claywork.practice.models import Goal, GoalCheck, Practice, PracticeLog, RealmRating
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def catalogue_practice(slug: str = "nature-walk") -> Practice:
    return Practice.objects.get(slug=slug, patient=None)


def test_the_catalogue_is_seeded_from_its_data_file() -> None:
    slugs = set(Practice.objects.filter(patient=None).values_list("slug", flat=True))

    assert slugs == {item["slug"] for item in load_catalogue()}
    assert len(slugs) == 15
    assert catalogue_practice("talk-therapy").display_name == "Talk therapy"


# --- Plan -----------------------------------------------------------------------------------


def test_rating_realms_twice_a_day_replaces_the_rating(personas: Personas) -> None:
    client = client_for(personas.patient)

    client.post("/plan/", {"body": "3", "emotions": "6"})
    response = client.post("/plan/", {"body": "5"})

    assert response.status_code == 302
    ratings = dict(
        RealmRating.objects.filter(patient=personas.patient).values_list("realm", "rating")
    )
    assert ratings == {"body": 5, "emotions": 6}
    page = client.get("/plan/").content.decode()
    assert 'id="wheel-data"' in page
    assert "<script>" not in page  # strict CSP: data only, drawn by a static script


@pytest.mark.parametrize("data", [{}, {"body": "11"}, {"body": "-1"}])
def test_plan_rejects_ratings_outside_0_to_10(personas: Personas, data: dict) -> None:
    response = client_for(personas.patient).post("/plan/", data)

    assert response.status_code == 400
    assert not RealmRating.objects.exists()


def test_wheel_shows_the_last_three_rating_days(personas: Personas) -> None:
    for offset in range(5):
        services.realm_ratings_save(
            patient=personas.patient,
            day=date(2026, 3, 1) + timedelta(days=offset),
            ratings={"mind": offset},
        )
    wheel = selectors.wheel_chart(selectors.realm_history(patient_id=personas.patient.pk))

    assert [series["label"] for series in wheel["series"]] == [
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
    ]
    assert wheel["series"][-1]["values"] == [None, 4, None, None, None, None]


# --- Goals ----------------------------------------------------------------------------------


def _goal_data(**overrides: str) -> dict:
    return {
        "title": "10 minutes of drawing",
        "realm": "spirit",
        "cadence": "daily",
        "per_week": "1",
        "submission_id": str(uuid.uuid4()),
    } | overrides


def test_goal_is_created_once_and_its_title_sealed(personas: Personas) -> None:
    client = client_for(personas.patient)
    data = _goal_data()

    client.post("/goals/", data)
    client.post("/goals/", data)

    goal = Goal.objects.get(patient=personas.patient)
    assert goal.title == "10 minutes of drawing"
    assert "drawing" not in goal.title_sealed


def test_checking_off_celebrates_and_counts_once_a_day(personas: Personas) -> None:
    goal, _ = services.goal_create(
        patient=personas.patient,
        realm="body",
        title="Stretch",
        cadence="daily",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    client = client_for(personas.patient)

    first = client.post(f"/goals/{goal.pk}/check/", {"action": "check"}, follow=True)
    client.post(f"/goals/{goal.pk}/check/", {"action": "check"})

    assert GoalCheck.objects.filter(goal=goal).count() == 1
    assert "A small win" in first.content.decode()
    assert "1 day in your current run" in first.content.decode()

    client.post(f"/goals/{goal.pk}/check/", {"action": "uncheck"})
    assert not GoalCheck.objects.filter(goal=goal).exists()


def test_goals_page_never_shames_a_pause(personas: Personas) -> None:
    goal, _ = services.goal_create(
        patient=personas.patient,
        realm="relationships",
        title="Call one friend",
        cadence="weekly",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    services.goal_check(goal=goal, day=patient_today(personas.patient) - timedelta(weeks=6))

    page = client_for(personas.patient).get("/goals/").content.decode()

    assert "Whenever you are ready" in page
    for word in ("broke", "failed", "missed", "lost your streak"):
        assert word not in page.lower()


def test_patient_cannot_check_another_patients_goal(personas: Personas) -> None:
    goal, _ = services.goal_create(
        patient=personas.patient,
        realm="body",
        title="Stretch",
        cadence="daily",
        per_week=1,
        submission_id=uuid.uuid4(),
    )

    for user in (personas.other_patient, personas.care_clinician, personas.clinic_admin):
        response = client_for(user).post(f"/goals/{goal.pk}/check/", {"action": "check"})
        assert response.status_code == 404
    assert not GoalCheck.objects.exists()


# --- Practices ------------------------------------------------------------------------------


def test_one_tap_log_is_idempotent_on_its_submission_id(personas: Personas) -> None:
    practice = catalogue_practice()
    client = client_for(personas.patient)
    submission = str(uuid.uuid4())

    client.post(f"/practices/{practice.pk}/log/", {"submission_id": submission})
    response = client.post(f"/practices/{practice.pk}/log/", {"submission_id": submission})

    assert response.status_code == 302
    log = PracticeLog.objects.get(patient=personas.patient)
    assert (log.duration_minutes, log.note, log.day) == (None, "", patient_today(personas.patient))


def test_log_keeps_optional_minutes_and_a_sealed_note(personas: Personas) -> None:
    practice = catalogue_practice("breathwork")
    client_for(personas.patient).post(
        f"/practices/{practice.pk}/log/",
        {"submission_id": str(uuid.uuid4()), "duration_minutes": "12", "note": "Calmer after."},
    )

    log = PracticeLog.objects.get()
    assert (log.duration_minutes, log.note) == (12, "Calmer after.")
    assert "Calmer" not in log.note_sealed


def test_bad_minutes_are_not_logged(personas: Personas) -> None:
    practice = catalogue_practice()
    response = client_for(personas.patient).post(
        f"/practices/{practice.pk}/log/",
        {"submission_id": str(uuid.uuid4()), "duration_minutes": "2000"},
        follow=True,
    )

    assert "was not logged" in response.content.decode()
    assert not PracticeLog.objects.exists()


def test_own_practice_is_sealed_listed_and_private(personas: Personas) -> None:
    client_for(personas.patient).post("/practices/", {"name": "Clay on the wheel"})
    own = Practice.objects.get(patient=personas.patient)

    assert "Clay on the wheel" not in own.own_name_sealed
    assert "Clay on the wheel" in client_for(personas.patient).get("/practices/").content.decode()
    other = client_for(personas.other_patient)
    assert "Clay on the wheel" not in other.get("/practices/").content.decode()
    response = other.post(f"/practices/{own.pk}/log/", {"submission_id": str(uuid.uuid4())})
    assert response.status_code == 404
    assert not PracticeLog.objects.exists()


def _log(patient: User, practice: Practice, day: date, minutes: int | None = None) -> None:
    services.practice_log(
        patient=patient,
        practice=practice,
        day=day,
        submission_id=uuid.uuid4(),
        duration_minutes=minutes,
    )


def test_weekly_summary_counts_the_last_seven_days(personas: Personas) -> None:
    today = date(2026, 3, 18)
    walk, breath = catalogue_practice(), catalogue_practice("breathwork")
    _log(personas.patient, walk, today, 30)
    _log(personas.patient, walk, today - timedelta(days=6), 20)
    _log(personas.patient, breath, today - timedelta(days=2))
    _log(personas.patient, walk, today - timedelta(days=7), 99)  # last week: not counted
    _log(personas.other_patient, walk, today, 45)  # someone else's

    summary = selectors.weekly_summary(patient_id=personas.patient.pk, today=today)

    assert [(line.name, line.times, line.minutes) for line in summary.lines] == [
        ("Nature walk", 2, 50),
        ("Breathwork", 1, 0),
    ]
    assert (summary.active_days, summary.minutes) == (3, 50)


@pytest.mark.parametrize("path", ["/plan/", "/goals/", "/practices/", "/patterns/"])
def test_pages_are_the_patients_alone(personas: Personas, path: str) -> None:
    assert client_for(personas.patient).get(path).status_code == 200
    for user in (personas.care_clinician, personas.clinic_admin, personas.support_person):
        assert client_for(user).get(path).status_code == 404
