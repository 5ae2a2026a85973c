"""Working an alert: severity in colour and words, assign to me and hand over, a required note
whose words survive every error, the escalation countdown, what on-call staff see, and the
patient's phone numbers as tap-to-call links."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from claywork.accounts.models import PatientContact, User
from claywork.accounts.services import patient_contact_save
from claywork.safety.forms import NOTE_MAX_CHARS
from claywork.safety.models import Alert
from claywork.safety.services import alert_acknowledge, alert_raise, on_call_set
from tests import factories
from tests.conftest import Personas, client_for

NOTE = "Called her at 14:10; safe, seeing her Friday."
TITLE = "Crisis language in a private journal entry"


def raise_alert(patient: User, key: str = "work:1", severity: str = "high") -> Alert:
    alert, _ = alert_raise(
        patient=patient, kind="crisis_language", severity=severity, title=TITLE, dedupe_key=key
    )
    return alert


def htmx_post(user: User, url: str, data: dict[str, Any]) -> Any:
    return client_for(user).post(url, data, HTTP_HX_REQUEST="true")


@pytest.fixture
def colleague(personas: Personas) -> User:
    person = factories.ClinicianFactory(clinic=personas.patient.clinic, full_name="Cole League")
    factories.add_to_care_team(personas.patient, person)
    return person


# --- Severity, countdown --------------------------------------------------------------------


def test_severity_has_colour_and_words(personas: Personas) -> None:
    raise_alert(personas.patient, "high")
    raise_alert(personas.patient, "low", severity="low")

    page = client_for(personas.care_clinician).get("/alerts/").content.decode()

    assert 'class="badge badge-high">High<' in page
    assert "High priority: reach the patient today" in page
    assert 'class="badge badge-low">Low<' in page and "Low: when you next review" in page


def test_an_open_high_alert_shows_when_it_escalates(personas: Personas) -> None:
    alert = raise_alert(personas.patient)

    with time_machine.travel(alert.created_at + timedelta(minutes=18), tick=False):
        page = client_for(personas.care_clinician).get("/alerts/").content.decode()

    assert "escalates in 12 min" in page
    assert "data-escalates-at=" in page


# --- Assign to me, hand over ----------------------------------------------------------------


def test_assign_to_me_then_hand_over_to_a_colleague(personas: Personas, colleague: User) -> None:
    alert = raise_alert(personas.patient)
    url = f"/alerts/{alert.pk}/assign/"

    mine = htmx_post(personas.care_clinician, url, {"to": personas.care_clinician.pk})
    assert mine.status_code == 200 and "Assigned to you" in mine.content.decode()
    handed = client_for(personas.care_clinician).post(url, {"to": colleague.pk})
    assert handed.status_code == 302

    alert.refresh_from_db()
    assert alert.assigned_to == colleague and alert.assigned_at is not None
    page = client_for(colleague).get("/alerts/").content.decode()
    assert "Assigned to you" in page


def test_an_alert_is_handed_only_to_its_care_team(personas: Personas) -> None:
    alert = raise_alert(personas.patient)

    response = htmx_post(
        personas.care_clinician, f"/alerts/{alert.pk}/assign/", {"to": personas.clinic_admin.pk}
    )

    assert response.status_code == 400
    assert "care team can take this alert" in response.content.decode()
    alert.refresh_from_db()
    assert alert.assigned_to is None


# --- The acknowledgement note ---------------------------------------------------------------


def test_an_empty_note_is_refused_inline_and_the_form_stays(personas: Personas) -> None:
    alert = raise_alert(personas.patient)

    response = htmx_post(
        personas.care_clinician, f"/alerts/{alert.pk}/acknowledge/", {"note": "   "}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Write what was done before acknowledging" in page
    assert 'aria-invalid="true"' in page and "<textarea" in page


def test_a_5000_character_note_is_refused_with_its_words_kept(personas: Personas) -> None:
    alert = raise_alert(personas.patient)
    long_note = "Called; a long conversation about the week." * 122  # 5,246 characters

    response = htmx_post(
        personas.care_clinician, f"/alerts/{alert.pk}/acknowledge/", {"note": long_note}
    )

    page = response.content.decode()
    assert len(long_note) > 5000
    assert response.status_code == 400
    assert f"Keep the note under {NOTE_MAX_CHARS:,} characters; this one has 5,246" in page
    assert long_note.strip() in page  # every word still in the textarea
    assert "maxlength" not in page  # the browser never cuts a pasted note short
    alert.refresh_from_db()
    assert alert.is_open


def test_acknowledging_in_the_inbox_moves_the_card_without_a_reload(personas: Personas) -> None:
    alert = raise_alert(personas.patient)
    raise_alert(personas.patient, "other")

    response = htmx_post(
        personas.care_clinician,
        f"/alerts/{alert.pk}/acknowledge/",
        {"note": NOTE, "shown_in": "inbox"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="afterbegin:#acknowledged-alerts"' in page
    assert f'id="alert-{alert.pk}"' in page and "Acknowledged by Cara Clinician" in page
    assert '<span id="open-count" hx-swap-oob="true">(1)</span>' in page
    assert 'id="open-alerts-badge" hx-swap-oob="true"' in page


def test_a_double_acknowledgement_is_idempotent(personas: Personas) -> None:
    alert = raise_alert(personas.patient)
    url = f"/alerts/{alert.pk}/acknowledge/"

    first = htmx_post(personas.care_clinician, url, {"note": NOTE})
    again = htmx_post(personas.care_clinician, url, {"note": NOTE})

    assert first.status_code == again.status_code == 200
    assert "Someone acknowledged this alert before you" not in again.content.decode()
    alert.refresh_from_db()
    assert alert.note == NOTE


def test_a_colleagues_late_note_is_shown_back_to_them_not_lost(
    personas: Personas, colleague: User
) -> None:
    alert = raise_alert(personas.patient)
    alert_acknowledge(alert=alert, by=personas.care_clinician, note=NOTE)

    response = htmx_post(
        colleague, f"/alerts/{alert.pk}/acknowledge/", {"note": "Left her a voicemail."}
    )

    page = response.content.decode()
    assert "Someone acknowledged this alert before you" in page
    assert "Left her a voicemail." in page
    alert.refresh_from_db()
    assert alert.note == NOTE


# --- On-call staff and clinic admins: metadata only -----------------------------------------


@pytest.fixture
def unrouted(personas: Personas) -> Alert:
    """An alert about a patient with no care team, sent to the on-call admin and clinician."""
    on_call_set(
        clinic=personas.patient.clinic, people=[personas.clinic_admin, personas.outside_clinician]
    )
    alone = factories.PatientFactory(clinic=personas.patient.clinic, full_name="Una Alone")
    patient_contact_save(
        patient=alone,
        by=personas.clinic_admin,
        phone="415 555 2671",
        emergency_name="Ines",
        emergency_relationship="sister",
        emergency_phone="+44 20 7946 0958",
    )
    return raise_alert(alone, "unrouted")


@pytest.mark.parametrize("role", ["clinic_admin", "outside_clinician"])
def test_on_call_staff_see_who_and_when_but_never_what(
    personas: Personas, unrouted: Alert, role: str
) -> None:
    client = client_for(personas.role(role))

    inbox = client.get("/alerts/").content.decode()
    detail = client.get(f"/alerts/{unrouted.pk}/").content.decode()

    for page in (inbox, detail):
        assert "Una Alone" in page and "Crisis language" in page  # the kind, not the title
        assert TITLE not in page
    assert 'href="tel:+14155552671"' in detail and 'href="tel:+442079460958"' in detail
    assert "Call emergency contact Ines (sister)" in detail
    assign = f"/clinic/patients/{unrouted.patient_id}/care-team/"
    assert (assign in detail) == (role == "clinic_admin")


def test_on_call_staff_can_acknowledge_and_never_read_the_note_of_another(
    personas: Personas, unrouted: Alert
) -> None:
    response = client_for(personas.outside_clinician).post(
        f"/alerts/{unrouted.pk}/acknowledge/", {"note": "Called Una; safe tonight."}
    )
    assert response.status_code == 302

    admin_page = client_for(personas.clinic_admin).get(f"/alerts/{unrouted.pk}/")
    text = admin_page.content.decode()
    assert "Acknowledged by Otto Outside" in text
    assert "Called Una; safe tonight." not in text


def test_acknowledging_an_alert_re_routed_meanwhile_still_records_what_was_done(
    personas: Personas, unrouted: Alert
) -> None:
    # The admin opens the alert; meanwhile a care team is assigned and told.
    client_for(personas.clinic_admin).get(f"/alerts/{unrouted.pk}/")
    factories.add_to_care_team(unrouted.patient, personas.care_clinician)

    response = client_for(personas.clinic_admin).post(
        f"/alerts/{unrouted.pk}/acknowledge/", {"note": "Called Una; safe tonight."}
    )

    assert response.status_code == 302
    unrouted.refresh_from_db()
    assert unrouted.acknowledged_by == personas.clinic_admin
    care_page = client_for(personas.care_clinician).get(f"/alerts/{unrouted.pk}/")
    assert "Called Una; safe tonight." in care_page.content.decode()


def test_nobody_else_gains_anything(personas: Personas, unrouted: Alert) -> None:
    for user in (
        personas.care_clinician,
        personas.other_clinic_clinician,
        personas.patient,
        personas.support_person,
    ):
        assert client_for(user).get(f"/alerts/{unrouted.pk}/").status_code == 404


# --- Phone numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),
        ("+1 415 555 2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("tel:+14155552671", "+14155552671"),
    ],
)
def test_any_common_phone_format_is_stored_as_e164(
    personas: Personas, typed: str, stored: str
) -> None:
    response = client_for(personas.patient).post("/account/contact/", {"phone": typed})

    assert response.status_code == 302
    contact = PatientContact.objects.get(patient=personas.patient)
    assert contact.phone == stored
    assert stored not in contact.phone_sealed  # sealed like health text


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("call me", "This does not look like a phone number"),
        ("123", "No phone can call this number"),
        ("+1 415 555 26711", "No phone can call this number"),
        ("4" * 60, "That is too long for a phone number (60 characters)"),
    ],
)
def test_an_invalid_phone_number_gets_a_clear_error_and_keeps_the_form(
    personas: Personas, typed: str, error: str
) -> None:
    response = client_for(personas.patient).post(
        "/account/contact/", {"phone": typed, "emergency_name": "Ines"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert error in page
    assert "Ines" in page  # what else was typed stays
    assert not PatientContact.objects.filter(patient=personas.patient).exists()


def test_an_emergency_contact_needs_a_name_and_a_number(personas: Personas) -> None:
    response = client_for(personas.patient).post(
        "/account/contact/", {"emergency_phone": "415 555 2671"}
    )
    assert response.status_code == 400
    assert "Whose number is this?" in response.content.decode()


def test_the_clinic_admin_edits_a_patients_contact_details_and_it_is_audited(
    personas: Personas,
) -> None:
    url = f"/clinic/patients/{personas.patient.pk}/contact/"
    admin = client_for(personas.clinic_admin)

    assert admin.get(url).status_code == 200
    response = admin.post(
        url,
        {
            "phone": "(415) 555-2671",
            "emergency_name": "Ines",
            "emergency_relationship": "sister",
            "emergency_phone": "+44 20 7946 0958",
        },
    )

    assert response.status_code == 302
    contact = PatientContact.objects.get(patient=personas.patient)
    assert (contact.phone, contact.emergency_phone) == ("+14155552671", "+442079460958")
    assert contact.updated_by == personas.clinic_admin
    log = client_for(personas.patient).get("/privacy/access-log/").content.decode()
    assert "Phone number and emergency contact" in log
    # The patient's own page shows the numbers as they were written down, grouped for people.
    mine = client_for(personas.patient).get("/account/contact/").content.decode()
    assert "+1 415-555-2671" in mine


def test_the_alert_page_offers_tap_to_call_links_to_the_care_team(personas: Personas) -> None:
    patient_contact_save(
        patient=personas.patient,
        by=personas.patient,
        phone="(415) 555-2671",
        emergency_name="",
        emergency_relationship="",
        emergency_phone="",
    )
    alert = raise_alert(personas.patient)

    page = client_for(personas.care_clinician).get(f"/alerts/{alert.pk}/").content.decode()

    assert '<a class="button call-link" href="tel:+14155552671">' in page
    assert "Call Pat Patient: +1 415-555-2671" in page
    assert "No emergency contact on file." in page
