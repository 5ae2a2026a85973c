"""A new patient's first steps: a checklist on the home page, each step skippable and
resumable, done steps gone as soon as the patient does them anywhere in Claywork."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from claywork.care import services as care
from claywork.crisis import services as crisis
from claywork.measures import services as measures
from claywork.onboarding.models import OnboardingState
from claywork.onboarding.steps import STEP_KEYS, checklist_for
from tests import factories
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def _steps_on_home(client: Any) -> list[str]:
    page = client.get("/").content.decode()
    return re.findall(r'<li class="step" id="step-([a-z_]+)">', page)


def _new_patient() -> Any:
    clinic = factories.ClinicFactory()
    patient = factories.PatientFactory(clinic=clinic)
    clinician = factories.ClinicianFactory(clinic=clinic)
    factories.add_to_care_team(patient, clinician)
    return patient, clinician


def test_a_new_patient_sees_every_first_step_on_home() -> None:
    patient, clinician = _new_patient()
    factories.make_course(patient, clinician)

    assert _steps_on_home(client_for(patient)) == list(STEP_KEYS)


def test_each_step_is_done_by_doing_it_anywhere_and_then_leaves_the_list() -> None:
    patient, clinician = _new_patient()
    course = factories.make_course(patient, clinician)
    client = client_for(patient)

    client.post("/start/guide/")
    care.motivation_save(course=course, text="To feel the ground again.")
    for code in ("phq9", "gad7"):
        answers = {str(n): 0 for n in range(1, 10 if code == "phq9" else 8)}
        measures.response_submit(
            response=measures.response_start(
                patient=patient, instrument_code=code, submission_id=uuid.uuid4()
            ),
            answers=answers,
        )
    assert _steps_on_home(client) == ["safety_plan", "reminders", "support"]

    crisis.safety_plan_save(
        patient=patient, author=patient, content={"helpers": "Ines"}, submission_id=uuid.uuid4()
    )
    client.post(
        "/reminders/settings/",
        {"timezone": "America/Chicago", "check_in_time": "20:00", "check_in": "on"},
    )
    client.post("/circle/", {"full_name": "Ines", "email": "ines@example.test"})

    assert _steps_on_home(client) == []
    page = client.get("/").content.decode()
    assert 'id="first-steps-heading"' not in page and "you skipped" not in page
    assert checklist_for(patient).done_count == len(STEP_KEYS)


def test_a_skipped_step_leaves_home_and_waits_on_the_first_steps_page() -> None:
    patient, _ = _new_patient()
    client = client_for(patient)

    response = client.post("/start/support/skip/", {"return_to": "home"})

    assert response.status_code == 302 and response["Location"] == "/"
    assert "support" not in _steps_on_home(client)
    start = client.get("/start/").content.decode()
    assert "Skipped" in start and "Put back on my list" in start

    client.post("/start/support/resume/", {"return_to": "start"})
    assert "support" in _steps_on_home(client)


def test_skipping_every_step_leaves_a_way_back() -> None:
    patient, _ = _new_patient()
    client = client_for(patient)
    for key in STEP_KEYS:
        client.post(f"/start/{key}/skip/")

    client.get("/")  # the "skipped" messages are shown once
    page = client.get("/").content.decode()

    assert 'id="first-steps-heading"' not in page
    assert "first steps you skipped" in page and 'href="/start/"' in page


def test_skipping_twice_or_an_unknown_step_is_harmless() -> None:
    patient, _ = _new_patient()
    client = client_for(patient)

    client.post("/start/expect/skip/")
    client.post("/start/expect/skip/")
    unknown = client.post("/start/teleport/skip/")

    assert OnboardingState.objects.get(patient=patient).skipped == ["expect"]
    assert unknown.status_code == 404


def test_motivation_waits_for_a_treatment_course() -> None:
    patient, clinician = _new_patient()
    client = client_for(patient)

    page = client.get("/").content.decode()
    assert "Possible once your care team has planned your treatment course." in page

    course = factories.make_course(patient, clinician)
    page = client.get("/").content.decode()
    assert f'href="/courses/{course.pk}/motivation/"' in page


def test_the_guide_is_read_once_and_can_be_read_again() -> None:
    patient, _ = _new_patient()
    client = client_for(patient)

    guide = client.get("/start/guide/").content.decode()
    client.post("/start/guide/")
    client.post("/start/guide/")

    for topic in ("set and setting", "12 to 24 hours", "When it gets hard", "family and friends"):
        assert topic in guide, topic
    assert "expect" not in _steps_on_home(client)
    assert client.get("/start/guide/").status_code == 200


def test_the_baseline_step_opens_the_first_questionnaire_not_answered() -> None:
    patient, _ = _new_patient()
    measures.response_submit(
        response=measures.response_start(
            patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
        ),
        answers={str(n): 0 for n in range(1, 10)},
    )

    page = client_for(patient).get("/").content.decode()

    assert 'href="/scales/gad7/">Start</a>' in page


def test_first_steps_are_for_patients_only(personas: Personas) -> None:
    for person in (personas.care_clinician, personas.clinic_admin, personas.support_person):
        client = client_for(person)
        assert client.get("/start/").status_code == 404
        assert client.get("/start/guide/").status_code == 404
        assert client.post("/start/expect/skip/").status_code == 404
    assert not OnboardingState.objects.exists()
