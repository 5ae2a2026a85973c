"""The crisis page: public, one tap to call or text, a clinic's own list, the patient's plan."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client, override_settings

from claywork.clinics.models import Clinic
from claywork.crisis import services
from claywork.crisis.models import CrisisResource, dial_string
from claywork.crisis.services import ResourceContent
from claywork.vault.services import data_key_destroy
from tests import factories
from tests.conftest import Personas, client_for

SAMARITANS = ResourceContent(
    name="Samaritans", phone="116 123", url="https://www.samaritans.org", hours="24/7"
)
SHOUT = ResourceContent(name="Shout", text_number="85258", text_keyword="SHOUT", hours="24/7")


def own_list(clinic: Clinic, *resources: ResourceContent) -> None:
    services.crisis_resources_replace(clinic=clinic, resources=list(resources))


def formset_data(rows: list[dict[str, Any]], *, initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "action": "resources",
        "resources-TOTAL_FORMS": str(len(rows)),
        "resources-INITIAL_FORMS": str(initial),
        "resources-MIN_NUM_FORMS": "0",
        "resources-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value is not None:
                data[f"resources-{index}-{name}"] = value
    return data


@pytest.mark.django_db
def test_the_default_us_resources_are_seeded() -> None:
    defaults = list(CrisisResource.objects.filter(clinic__isnull=True))

    assert [(r.name, r.phone, r.text_number, r.text_keyword, r.hours) for r in defaults] == [
        ("988 Suicide & Crisis Lifeline", "988", "988", "", "24/7"),
        ("Crisis Text Line", "", "741741", "HOME", "24/7"),
        ("Emergency services", "911", "", "", "24/7"),
    ]


@pytest.mark.django_db
def test_anyone_reaches_the_crisis_page_with_one_tap_links(client: Client) -> None:
    response = client.get("/help/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="tel:988"' in page
    assert 'href="sms:988"' in page
    assert 'href="sms:741741?&amp;body=HOME"' in page
    assert "Text HOME to 741741" in page
    assert 'href="tel:911"' in page
    assert 'href="https://988lifeline.org"' in page


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_the_crisis_page_never_asks_for_sign_in_or_a_second_factor(personas: Personas) -> None:
    for person in (None, personas.care_clinician, personas.clinic_admin):
        response = client_for(person).get("/help/")
        assert response.status_code == 200, person
        assert 'href="tel:988"' in response.content.decode()


def test_a_clinics_own_list_replaces_the_defaults_for_its_people(personas: Personas) -> None:
    clinic = personas.patient.clinic
    assert clinic is not None
    own_list(clinic, SHOUT, SAMARITANS)

    ours = client_for(personas.patient).get("/help/").content.decode()
    elsewhere = client_for(personas.other_clinic_clinician).get("/help/").content.decode()
    anonymous = Client().get("/help/").content.decode()

    assert ours.index("Shout") < ours.index("Samaritans")
    assert 'href="tel:116123"' in ours
    assert 'href="sms:85258?&amp;body=SHOUT"' in ours
    assert "988 Suicide" not in ours
    assert "988 Suicide" in elsewhere
    assert "Samaritans" not in elsewhere
    assert "988 Suicide" in anonymous


def test_a_clinic_that_hides_all_of_its_list_shows_the_defaults(personas: Personas) -> None:
    clinic = personas.patient.clinic
    assert clinic is not None
    own_list(clinic, ResourceContent(name="Closed line", phone="0800 000", is_active=False))

    page = client_for(personas.patient).get("/help/").content.decode()

    assert "Closed line" not in page
    assert "988 Suicide" in page


def test_the_admin_starts_from_the_defaults(personas: Personas) -> None:
    page = client_for(personas.clinic_admin).get("/clinic/crisis-resources/").content.decode()

    assert "Your clinic shows the default list" in page
    assert 'value="988 Suicide &amp; Crisis Lifeline"' in page
    assert 'value="741741"' in page


def test_the_admin_adds_removes_and_reorders_the_list(personas: Personas) -> None:
    clinic = personas.clinic_admin.clinic
    assert clinic is not None
    own_list(clinic, SAMARITANS, SHOUT)
    rows = [
        {
            "name": "Samaritans",
            "phone": "116 123",
            "hours": "24/7",
            "is_active": "on",
            "ORDER": "2",
        },
        {"name": "Shout", "text_number": "85258", "is_active": "on", "ORDER": "1", "DELETE": "on"},
        {"name": "Clinic on-call", "phone": "+44 20 7946 0000", "is_active": "on", "ORDER": "1"},
    ]

    response = client_for(personas.clinic_admin).post(
        "/clinic/crisis-resources/", formset_data(rows, initial=2)
    )

    assert response.status_code == 302
    saved = list(CrisisResource.objects.filter(clinic=clinic))
    assert [(r.position, r.name) for r in saved] == [(1, "Clinic on-call"), (2, "Samaritans")]
    assert saved[0].tel_href == "tel:+442079460000"
    page = client_for(personas.patient).get("/help/").content.decode()
    assert page.index("Clinic on-call") < page.index("Samaritans")
    assert "Shout" not in page


def test_blank_extra_rows_add_nothing(personas: Personas) -> None:
    clinic = personas.clinic_admin.clinic
    rows = [
        {"name": "Samaritans", "phone": "116 123", "is_active": "on", "ORDER": "1"},
        {"name": "", "is_active": "on", "ORDER": ""},
    ]

    response = client_for(personas.clinic_admin).post(
        "/clinic/crisis-resources/", formset_data(rows, initial=0)
    )

    assert response.status_code == 302
    assert list(CrisisResource.objects.filter(clinic=clinic).values_list("name", flat=True)) == [
        "Samaritans"
    ]


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ({"name": "Nowhere"}, "Give a phone number, a text number or a website."),
        ({"name": "Keyword", "text_keyword": "HOME"}, "A word to text needs the number"),
        ({"name": "Letters", "phone": "call-me"}, "Enter a number to dial"),
        ({"name": "Script", "url": "javascript:alert(1)"}, "Enter a valid URL"),
    ],
)
def test_a_resource_nobody_could_reach_is_refused(
    personas: Personas, row: dict[str, str], error: str
) -> None:
    response = client_for(personas.clinic_admin).post(
        "/clinic/crisis-resources/", formset_data([row | {"is_active": "on", "ORDER": "1"}])
    )

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not CrisisResource.objects.filter(clinic=personas.clinic_admin.clinic).exists()


def test_the_admin_goes_back_to_the_defaults(personas: Personas) -> None:
    clinic = personas.clinic_admin.clinic
    assert clinic is not None
    own_list(clinic, SAMARITANS)

    response = client_for(personas.clinic_admin).post(
        "/clinic/crisis-resources/", {"action": "defaults"}
    )

    assert response.status_code == 302
    assert not CrisisResource.objects.filter(clinic=clinic).exists()
    assert "988 Suicide" in client_for(personas.patient).get("/help/").content.decode()


def test_another_clinics_admin_cannot_touch_this_list(personas: Personas) -> None:
    clinic = personas.patient.clinic
    assert clinic is not None
    own_list(clinic, SAMARITANS)
    outsider = factories.ClinicAdminFactory(clinic=personas.other_clinic_clinician.clinic)

    client_for(outsider).post("/clinic/crisis-resources/", {"action": "defaults"})

    assert CrisisResource.objects.filter(clinic=clinic).count() == 1


def test_clinic_contact_details_reach_the_patients_crisis_page(personas: Personas) -> None:
    response = client_for(personas.clinic_admin).post(
        "/clinic/crisis-resources/",
        {
            "action": "contact",
            "contact-phone": "(617) 555-0142",
            "contact-email": "care@clinic.example",
            "contact-contact_hours": "Weekdays 9 to 5",
        },
    )

    assert response.status_code == 302
    page = client_for(personas.patient).get("/help/").content.decode()
    assert 'href="tel:6175550142"' in page
    assert 'href="mailto:care@clinic.example"' in page
    assert "Weekdays 9 to 5" in page


def test_the_patient_sees_their_plan_and_care_team_on_the_crisis_page(
    personas: Personas,
) -> None:
    services.safety_plan_save(
        patient=personas.patient,
        author=personas.patient,
        content={"helpers": "Call Ines."},
        submission_id=uuid.uuid4(),
    )

    mine = client_for(personas.patient).get("/help/").content.decode()
    theirs = client_for(personas.other_patient).get("/help/").content.decode()

    assert "Call Ines." in mine
    assert "Cara Clinician" in mine
    assert "Call Ines." not in theirs
    assert "Cara Clinician" not in theirs
    assert "You have not written a safety plan yet" in theirs
    assert "Otto Outside" in theirs


def test_the_crisis_page_renders_when_the_plan_cannot_be_opened(personas: Personas) -> None:
    services.safety_plan_save(
        patient=personas.patient,
        author=personas.patient,
        content={"helpers": "Call Ines."},
        submission_id=uuid.uuid4(),
    )
    data_key_destroy(owner_id=personas.patient.pk)

    response = client_for(personas.patient).get("/help/")

    assert response.status_code == 200
    assert 'href="tel:988"' in response.content.decode()
    assert "cannot be opened right now" in response.content.decode()


def test_only_visitors_who_may_need_it_offline_register_the_service_worker(
    personas: Personas,
) -> None:
    def registers(person: object) -> bool:
        return 'data-service-worker="/sw.js"' in client_for(person).get("/help/").content.decode()  # type: ignore[arg-type]

    assert registers(None)
    assert registers(personas.patient)
    assert registers(personas.support_person)
    assert not registers(personas.care_clinician)
    assert not registers(personas.clinic_admin)


def test_crisis_page_opens_in_a_fixed_number_of_queries(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    services.safety_plan_save(
        patient=personas.patient,
        author=personas.patient,
        content={"helpers": "Call Ines."},
        submission_id=uuid.uuid4(),
    )
    client = client_for(personas.patient)
    client.get("/help/")

    with django_assert_max_num_queries(8):
        client.get("/help/")


@pytest.mark.parametrize(
    ("written", "dialled"),
    [("988", "988"), ("(617) 555-0142", "6175550142"), ("+44 116 123", "+44116123")],
)
def test_numbers_are_dialled_as_digits(written: str, dialled: str) -> None:
    assert dial_string(written) == dialled


# --- Grounding exercises --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["box-breathing", "five-senses", "here-and-now"])
def test_grounding_exercises_are_public(client: Client, slug: str) -> None:
    response = client.get(f"/grounding/{slug}/")

    assert response.status_code == 200
    assert "get help now" in response.content.decode()


@pytest.mark.django_db
def test_the_crisis_page_links_to_the_grounding_exercises(client: Client) -> None:
    page = client.get("/help/").content.decode()

    for slug in ("box-breathing", "five-senses", "here-and-now"):
        assert f'href="/grounding/{slug}/"' in page


def test_the_integration_timeline_links_to_after_a_hard_session(personas: Personas) -> None:
    page = (
        client_for(personas.patient)
        .get(f"/sessions/{personas.completed.pk}/timeline/")
        .content.decode()
    )

    assert 'href="/grounding/"' in page
    assert "After a hard session" in page


@pytest.mark.django_db
def test_the_breathing_pacer_is_optional_and_still_for_reduced_motion(client: Client) -> None:
    from pathlib import Path

    page = client.get("/grounding/box-breathing/").content.decode()
    css = (
        Path(__file__).resolve().parent.parent / "claywork/crisis/static/crisis/crisis.css"
    ).read_text()

    assert "<details" in page and "Show a breathing pacer" in page
    reduced = css.split("@media (prefers-reduced-motion: reduce)")[1].split("}\n}")[0]
    assert "animation: none" in reduced
