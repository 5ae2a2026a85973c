"""Truthful session times, and the guide's screen during a session: notes stamped with the
minutes since the start, quick tags, private notes, late notes and the clinic's observations."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from claywork.audit.models import AuditEvent
from claywork.care import services as care
from claywork.care.models import GuideNote, Session, SessionObservation, SessionStatus
from claywork.care.selectors import guide_notes
from claywork.clinics.models import Clinic
from claywork.ownership.export_sections import care as export_care
from tests import factories
from tests.conftest import Personas, client_for, readable_text

PRIVATE = "Private: my unease with the falling image."
ALL_OBSERVATIONS = ["vitals", "side_effects", "dissociation", "recovery"]


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _note(client: Any, session: Session, **fields: Any) -> Any:
    data = {"screen": "1", "kind": "observation", "submission_id": str(uuid.uuid4())} | fields
    return client.post(f"/sessions/{session.pk}/notes/", data)


def _choose_observations(personas: Personas, chosen: list[str]) -> None:
    Clinic.objects.filter(pk=personas.patient.clinic_id).update(session_observations=chosen)


# --- Truthful session times -------------------------------------------------------------------


def test_starting_more_than_12_hours_from_the_schedule_asks_first(personas: Personas) -> None:
    session = personas.scheduled  # tomorrow
    client = client_for(personas.care_clinician)

    asked = client.post(f"/sessions/{session.pk}/start/")

    assert asked.status_code == 200
    assert "Start the session now?" in asked.content.decode()
    assert Session.objects.get(pk=session.pk).status == SessionStatus.SCHEDULED

    started = client.post(f"/sessions/{session.pk}/start/", {"confirm": "1"})

    assert started["Location"] == f"/sessions/{session.pk}/screen/"
    assert Session.objects.get(pk=session.pk).status == SessionStatus.IN_PROGRESS


def test_starting_close_to_the_schedule_starts_at_once(personas: Personas) -> None:
    session = factories.make_session(personas.course, at=timezone.now() + timedelta(hours=2))
    response = client_for(personas.care_clinician).post(f"/sessions/{session.pk}/start/")
    assert response["Location"] == f"/sessions/{session.pk}/screen/"


def test_completing_a_scheduled_session_far_from_its_time_needs_the_box_ticked(
    personas: Personas,
) -> None:
    client = client_for(personas.care_clinician)
    url = f"/sessions/{personas.scheduled.pk}/complete/"

    refused = client.post(url, {"debrief": "Went well."})

    assert refused.status_code == 400
    assert "more than 12 hours from now" in refused.content.decode()
    assert "Went well." in refused.content.decode()  # the words are kept
    client.post(url, {"debrief": "Went well.", "confirm_off_schedule": "on"})
    assert Session.objects.get(pk=personas.scheduled.pk).is_completed


def test_every_page_shows_the_actual_time_once_there_is_one(personas: Personas) -> None:
    planned = timezone.now() + timedelta(days=2)
    session = factories.make_session(personas.course, at=planned)
    session = care.session_start(session=session)
    session = care.session_complete(session=session, debrief="Early, by agreement.")
    zone = personas.care_clinician.zone
    assert session.started_at is not None and personas.patient.zone == zone
    planned_words = planned.astimezone(zone).strftime("%a %-d %b")
    held_words = session.started_at.astimezone(zone).strftime("%a %-d %b")

    pages = {
        "session (clinician)": client_for(personas.care_clinician).get(f"/sessions/{session.pk}/"),
        "session (patient)": client_for(personas.patient).get(f"/sessions/{session.pk}/"),
        "course": client_for(personas.care_clinician).get(f"/courses/{personas.course.pk}/"),
        "patient page": client_for(personas.care_clinician).get(
            f"/patients/{personas.patient.pk}/"
        ),
    }

    for name, response in pages.items():
        page = response.content.decode()
        assert response.status_code == 200, name
        assert held_words in page, name
        assert f"planned for {planned_words}" in page or "Scheduled for" in page, name
    header = pages["session (patient)"].content.decode().split("<h1>")[1].split("</h1>")[0]
    assert held_words in header and planned_words not in header


def test_the_window_message_states_the_real_opening_time(personas: Personas) -> None:
    response = client_for(personas.care_clinician).post(
        f"/sessions/{personas.in_progress.pk}/complete/",
        {"debrief": "Settled."},
        follow=True,
    )
    session = Session.objects.get(pk=personas.in_progress.pk)
    assert session.window_opens_at is not None
    opens = session.window_opens_at.astimezone(personas.care_clinician.zone).strftime("%H:%M")
    (message,) = _messages(response)
    assert "integration window opens" in message and opens in message
    assert "is open" not in message


def test_the_export_keeps_the_actual_start_beside_the_plan(personas: Personas) -> None:
    sessions = export_care(personas.patient)["courses"][0]["sessions"]
    completed = next(s for s in sessions if s["id"] == personas.completed.pk)
    assert completed["started"] and completed["scheduled"] and completed["completed"]


# --- The session screen -------------------------------------------------------------------------


def test_the_screen_puts_the_note_box_above_the_notes_newest_first(personas: Personas) -> None:
    client = client_for(personas.care_clinician)
    _note(client, personas.in_progress, text="First: settling.")
    _note(client, personas.in_progress, text="Second: tears.")

    page = client.get(f"/sessions/{personas.in_progress.pk}/screen/").content.decode()

    assert 'class="full"' in page
    assert page.index("data-enter-submits") < page.index("Second: tears.")
    assert page.index("Second: tears.") < page.index("First: settling.")


def test_each_note_is_stamped_with_the_minutes_since_the_actual_start(
    personas: Personas,
) -> None:
    Session.objects.filter(pk=personas.in_progress.pk).update(
        started_at=timezone.now() - timedelta(minutes=37, seconds=10)
    )
    session = Session.objects.get(pk=personas.in_progress.pk)
    client = client_for(personas.care_clinician)

    _note(client, session, text="Breath slowing.")

    note = GuideNote.objects.get(session=session, private=False, late=False)
    assert note.elapsed_minutes == 37
    assert "+37 min" in client.get(f"/sessions/{session.pk}/screen/").content.decode()


def test_quick_tags_are_kept_in_their_order_and_unknown_ones_refused(
    personas: Personas,
) -> None:
    client = client_for(personas.care_clinician)
    _note(client, personas.in_progress, text="A door of light.", tags=["quote", "image"])
    note = GuideNote.objects.filter(session=personas.in_progress).latest("pk")
    assert note.tags == ["image", "quote"]
    assert note.tag_labels == ["Image / vision", "Quote"]

    refused = _note(client, personas.in_progress, text="x", tags=["dose"])
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()


def test_a_private_note_is_sealed_audited_and_never_shown_to_the_patient(
    personas: Personas,
) -> None:
    client = client_for(personas.care_clinician)
    _note(client, personas.in_progress, text=PRIVATE, private="on")
    note = GuideNote.objects.get(session=personas.in_progress, private=True)
    assert PRIVATE not in note.text_sealed and note.text == PRIVATE
    assert AuditEvent.objects.filter(resource="care.private_note", object_id=str(note.pk)).exists()
    care.session_complete(session=personas.in_progress, debrief="Done.")

    patient_page = client_for(personas.patient).get(f"/sessions/{personas.in_progress.pk}/")
    clinician_page = client_for(personas.care_clinician).get(
        f"/sessions/{personas.in_progress.pk}/"
    )

    assert PRIVATE not in patient_page.content.decode()
    assert PRIVATE in clinician_page.content.decode()
    assert "Private: care team only" in clinician_page.content.decode()
    assert PRIVATE not in json.dumps(export_care(personas.patient))
    assert note not in guide_notes(session=personas.in_progress)


def test_a_note_after_completion_is_kept_as_a_late_note_that_says_so(
    personas: Personas,
) -> None:
    client = client_for(personas.care_clinician)
    response = _note(client, personas.completed, text="Remembered afterwards.")

    assert response.status_code == 302
    note = GuideNote.objects.filter(session=personas.completed).latest("pk")
    assert note.text == "Remembered afterwards." and note.late
    page = client.get(f"/sessions/{personas.completed.pk}/screen/").content.decode()
    assert "Late note, added after the session was completed" in page
    assert "a note added now is kept as a late note" in page


def test_a_note_on_a_scheduled_session_is_refused_with_a_message(personas: Personas) -> None:
    response = _note(client_for(personas.care_clinician), personas.scheduled, text="Too early.")
    assert response.status_code == 400
    assert "Notes are taken once the session has started." in response.content.decode()


def test_the_htmx_save_returns_the_notes_with_a_fresh_empty_box(personas: Personas) -> None:
    client = client_for(personas.care_clinician)
    response = client.post(
        f"/sessions/{personas.in_progress.pk}/notes/",
        {"screen": "1", "kind": "said", "text": "I am safe.", "submission_id": str(uuid.uuid4())},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('<div id="screen-notes">')
    assert "The patient&#x27;s words" in page and "I am safe." in page
    assert "What you said" not in page


def test_the_screen_offers_only_the_observations_the_clinic_chose(personas: Personas) -> None:
    client = client_for(personas.care_clinician)
    url = f"/sessions/{personas.in_progress.pk}/screen/"
    assert "Observations" not in client.get(url).content.decode()

    _choose_observations(personas, ["dissociation"])
    page = client.get(url).content.decode()

    assert "Dissociation level" in page and "Blood pressure" not in page
    assert "never suggests a dose" in page


def test_the_observations_use_our_own_dissociation_wording_and_the_side_effects_checklist(
    personas: Personas,
) -> None:
    _choose_observations(personas, ALL_OBSERVATIONS)
    page = readable_text(
        client_for(personas.care_clinician)
        .get(f"/sessions/{personas.in_progress.pk}/screen/")
        .content.decode()
    )

    for wording in (
        "0 · None: fully present",
        "1 · Slight: a little detached, easily reached",
        "2 · Moderate: drifting, comes back when spoken to",
        "3 · Strong: mostly elsewhere, brief contact only",
        "4 · Complete: no contact with the surroundings",
        "Nausea",
        "Dizziness",
        "Headache",
        "Anxiety",
        "Recovery time (minutes until ready to leave)",
    ):
        assert wording in page, wording


def test_observations_are_saved_sealed_and_shown_again(personas: Personas) -> None:
    _choose_observations(personas, ALL_OBSERVATIONS)
    client = client_for(personas.care_clinician)
    url = f"/sessions/{personas.in_progress.pk}/observations/"

    response = client.post(
        url,
        {
            "bp_before": "128/82",
            "hr_before": "74",
            "side_effects": ["nausea", "dizziness"],
            "dissociation": "0",
            "recovery_minutes": "40",
        },
    )

    assert response.status_code == 302
    observation = SessionObservation.objects.get(session=personas.in_progress)
    assert "128" not in observation.values_sealed
    assert json.loads(observation.values_json) == {
        "bp_before": [128, 82],
        "dissociation": 0,
        "hr_before": 74,
        "recovery_minutes": 40,
        "side_effects": ["nausea", "dizziness"],
    }
    assert AuditEvent.objects.filter(resource="care.observation").exists()
    page = client.get(f"/sessions/{personas.in_progress.pk}/screen/").content.decode()
    assert 'value="128/82"' in page and 'value="40"' in page


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("bp_before", "400/20", "400/20 is outside what a person can have"),
        ("bp_after", "80/120", "must be higher than the second"),
        ("bp_before", "high", "two whole numbers with a slash"),
        ("hr_before", "seventy", "Enter a whole number, like 72."),
        ("hr_after", "400", "less than or equal to 220"),
        ("recovery_minutes", "1.5", "Enter a whole number, like 72."),
        ("dissociation", "7", "Select a valid choice"),
    ],
)
def test_bad_observations_are_a_clear_error_keeping_what_was_typed(
    personas: Personas, field: str, typed: str, error: str
) -> None:
    _choose_observations(personas, ALL_OBSERVATIONS)
    response = client_for(personas.care_clinician).post(
        f"/sessions/{personas.in_progress.pk}/observations/",
        {field: typed, "hr_before": "71" if field != "hr_before" else typed},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert error in page
    if field != "dissociation":
        assert f'value="{typed}"' in page
    assert not SessionObservation.objects.exists()


def test_observations_need_a_clinic_that_records_them(personas: Personas) -> None:
    response = client_for(personas.care_clinician).post(
        f"/sessions/{personas.in_progress.pk}/observations/", {"hr_before": "70"}
    )
    assert response.status_code == 404


def test_no_page_of_the_session_screen_mentions_a_dose(personas: Personas) -> None:
    _choose_observations(personas, ALL_OBSERVATIONS)
    page = client_for(personas.care_clinician).get(f"/sessions/{personas.in_progress.pk}/screen/")
    words = readable_text(page.content.decode()).lower().replace("never suggests a dose", "")
    assert "dose" not in words and " mg" not in words
