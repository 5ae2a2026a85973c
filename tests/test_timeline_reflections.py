"""The integration timeline after a session says which steps the patient reflected on, with a
way back to what they wrote, instead of "Reflect on this" again."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from claywork.care.integration import integration_steps
from claywork.journal import services as journal
from claywork.journal.library import sync_prompt_library
from claywork.journal.models import Prompt
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _step(page: str, key_title: str) -> str:
    found = re.search(
        rf"<li class=\"[^\"]*\"[^>]*>\s*<h2>{re.escape(key_title)}.*?</li>", page, re.S
    )
    assert found, key_title
    return found[0]


def test_a_step_reflected_on_shows_done_with_a_link_to_the_reflection() -> None:
    sync_prompt_library(Prompt)
    clinic = factories.ClinicFactory()
    patient = factories.PatientFactory(clinic=clinic)
    clinician = factories.ClinicianFactory(clinic=clinic)
    factories.add_to_care_team(patient, clinician)
    course = factories.make_course(patient, clinician)
    # Now is day 3 after the session; the patient reflected in the window, at hour 14.
    completed_at = timezone.now() - timedelta(days=3, hours=1)
    session = factories.make_session(course, status="completed", completed_at=completed_at)
    window_prompt = Prompt.objects.filter(step="window", is_active=True).first()
    assert window_prompt is not None
    steps = {step.key: step.title for step in integration_steps(completed_at)}
    client = client_for(patient)

    before = client.get(f"/sessions/{session.pk}/timeline/").content.decode()
    with time_machine.travel(completed_at + timedelta(hours=14)):
        entry, _ = journal.entry_create(
            patient=patient,
            content=journal.EntryContent(kind="reflection", title="", body="Lighter.", tags=[]),
            submission_id=uuid.uuid4(),
            session=session,
            prompt=window_prompt,
        )
    after = client.get(f"/sessions/{session.pk}/timeline/").content.decode()

    assert "Reflect on this" in _step(before, steps["window"])
    done = _step(after, steps["window"])
    assert "Reflected" in done and "Reflect on this" not in done
    assert f'href="/journal/{entry.pk}/"' in done
    # The day-3 step, now current, is not marked by the window's reflection.
    day3 = _step(after, steps["day_3"])
    assert "Reflected" not in day3 and "Reflect on this" in day3


def test_the_care_team_sees_the_timeline_without_reflection_links() -> None:
    clinic = factories.ClinicFactory()
    patient = factories.PatientFactory(clinic=clinic)
    clinician = factories.ClinicianFactory(clinic=clinic)
    factories.add_to_care_team(patient, clinician)
    session = factories.make_session(factories.make_course(patient, clinician), status="completed")
    factories.make_entry(patient, session=session, body="Private.")

    page = client_for(clinician).get(f"/sessions/{session.pk}/timeline/").content.decode()

    assert "Reflected" not in page and "/journal/" not in page
