"""The safety plan: the patient's and their care team's, versioned, sealed, printable."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client

from claywork.accounts.models import User
from claywork.crisis import services
from claywork.crisis.models import PLAN_FIELDS, ImmutableVersionError, SafetyPlanVersion
from tests.conftest import Personas, client_for

WARNING_SIGN = "When I stop answering my sister's calls."
HELPER = "Ines, my sister: 555-0199."


def plan_form(**texts: str) -> dict[str, str]:
    return dict.fromkeys(PLAN_FIELDS, "") | texts | {"submission_id": str(uuid.uuid4())}


def save_plan(patient: User, author: User, **texts: str) -> SafetyPlanVersion:
    version, _ = services.safety_plan_save(
        patient=patient, author=author, content=texts, submission_id=uuid.uuid4()
    )
    return version


def edit_url(patient: User) -> str:
    return f"/patients/{patient.pk}/safety-plan/edit/"


def test_patient_writes_a_plan_and_sees_it(personas: Personas) -> None:
    client = client_for(personas.patient)

    response = client.post(
        edit_url(personas.patient), plan_form(warning_signs=WARNING_SIGN, helpers=HELPER)
    )

    assert response.status_code == 302
    assert response["Location"] == "/safety-plan/"
    version = SafetyPlanVersion.objects.get(patient=personas.patient)
    assert (version.number, version.written_by, version.warning_signs) == (
        1,
        personas.patient,
        WARNING_SIGN,
    )
    page = client.get("/safety-plan/").content.decode()
    assert "When I stop answering my sister&#x27;s calls." in page
    assert "Version 1" in page
    assert "by you" in page


def test_care_team_clinician_writes_a_version_recorded_under_their_name(
    personas: Personas,
) -> None:
    save_plan(personas.patient, personas.patient, warning_signs=WARNING_SIGN)
    clinician = client_for(personas.care_clinician)

    response = clinician.post(
        edit_url(personas.patient), plan_form(warning_signs=WARNING_SIGN, helpers=HELPER)
    )

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{personas.patient.pk}/safety-plan/"
    latest = SafetyPlanVersion.objects.filter(patient=personas.patient).first()
    assert latest is not None
    assert (latest.number, latest.written_by, latest.written_by_name) == (
        2,
        personas.care_clinician,
        "Cara Clinician",
    )
    patient_view = client_for(personas.patient).get("/safety-plan/").content.decode()
    assert "by Cara Clinician (care team)" in patient_view
    assert HELPER in patient_view


def test_every_save_adds_a_version_and_earlier_ones_stay_as_they_were(
    personas: Personas,
) -> None:
    first = save_plan(personas.patient, personas.patient, warning_signs="Not sleeping.")
    save_plan(personas.patient, personas.care_clinician, warning_signs="Not eating.")
    client = client_for(personas.patient)

    earlier = client.get(f"/patients/{personas.patient.pk}/safety-plan/versions/1/")

    assert SafetyPlanVersion.objects.filter(patient=personas.patient).count() == 2
    first.refresh_from_db()
    assert first.warning_signs == "Not sleeping."
    assert earlier.status_code == 200
    assert "Not sleeping." in earlier.content.decode()
    assert "This is an earlier version" in earlier.content.decode()
    assert "Not eating." in client.get("/safety-plan/").content.decode()


def test_a_saved_version_cannot_be_changed(personas: Personas) -> None:
    version = save_plan(personas.patient, personas.patient, warning_signs="Not sleeping.")

    version.warning_signs = "Rewritten history."
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        SafetyPlanVersion.objects.filter(pk=version.pk).update(number=7)

    stored = SafetyPlanVersion.objects.get(pk=version.pk)
    assert (stored.number, stored.warning_signs) == (1, "Not sleeping.")


def test_the_same_submission_twice_saves_one_version(personas: Personas) -> None:
    client = client_for(personas.patient)
    form = plan_form(warning_signs=WARNING_SIGN)

    client.post(edit_url(personas.patient), form)
    client.post(edit_url(personas.patient), form)

    assert SafetyPlanVersion.objects.filter(patient=personas.patient).count() == 1


def test_saving_an_unchanged_plan_adds_no_version(personas: Personas) -> None:
    save_plan(personas.patient, personas.patient, warning_signs=WARNING_SIGN)
    client = client_for(personas.patient)

    response = client.post(edit_url(personas.patient), plan_form(warning_signs=WARNING_SIGN))

    assert response.status_code == 302
    assert SafetyPlanVersion.objects.filter(patient=personas.patient).count() == 1


def test_an_empty_plan_is_refused(personas: Personas) -> None:
    client = client_for(personas.patient)

    response = client.post(edit_url(personas.patient), plan_form(reasons_for_living="My cat."))

    assert response.status_code == 400
    assert "Write at least one step" in response.content.decode()
    assert not SafetyPlanVersion.objects.exists()


def test_edit_form_starts_from_the_latest_version(personas: Personas) -> None:
    save_plan(personas.patient, personas.patient, warning_signs="Not sleeping.")
    save_plan(personas.patient, personas.patient, warning_signs="Not sleeping, not eating.")

    page = client_for(personas.patient).get(edit_url(personas.patient)).content.decode()

    assert "Not sleeping, not eating." in page


@pytest.mark.parametrize(
    "role",
    ["other_patient", "outside_clinician", "other_clinic_clinician", "clinic_admin", "support"],
)
def test_nobody_else_reads_or_writes_the_plan(personas: Personas, role: str) -> None:
    save_plan(personas.patient, personas.patient, warning_signs=WARNING_SIGN)
    person = personas.support_person if role == "support" else getattr(personas, role)
    client = client_for(person)
    base = f"/patients/{personas.patient.pk}/safety-plan/"

    for url in (base, f"{base}edit/", f"{base}print/", f"{base}versions/1/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert WARNING_SIGN not in response.content.decode()
    response = client.post(f"{base}edit/", plan_form(warning_signs="Someone else's words."))
    assert response.status_code == 404
    assert SafetyPlanVersion.objects.filter(patient=personas.patient).count() == 1


def test_a_clinician_has_no_own_plan_page(personas: Personas) -> None:
    assert client_for(personas.care_clinician).get("/safety-plan/").status_code == 404


def test_the_service_refuses_a_writer_outside_the_care_team(personas: Personas) -> None:
    with pytest.raises(PermissionError):
        save_plan(personas.patient, personas.outside_clinician, warning_signs=WARNING_SIGN)


def test_a_missing_version_is_404(personas: Personas) -> None:
    save_plan(personas.patient, personas.patient, warning_signs=WARNING_SIGN)
    client = client_for(personas.patient)

    assert client.get(f"/patients/{personas.patient.pk}/safety-plan/versions/2/").status_code == 404


def test_the_plan_is_sealed_at_rest(personas: Personas) -> None:
    save_plan(
        personas.patient,
        personas.care_clinician,
        warning_signs=WARNING_SIGN,
        helpers=HELPER,
        reasons_for_living="Drawing with my daughter.",
    )

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SafetyPlanVersion._meta.db_table}")  # noqa: S608
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)

    for plaintext in ("stop answering", "Ines", "555-0199", "Drawing with my daughter"):
        assert plaintext not in raw
    version = SafetyPlanVersion.objects.get(patient=personas.patient)
    assert version.warning_signs_sealed != WARNING_SIGN
    assert version.helpers == HELPER


def test_print_view_shows_the_plan_and_the_crisis_resources(personas: Personas) -> None:
    save_plan(personas.patient, personas.patient, warning_signs=WARNING_SIGN, helpers=HELPER)

    response = client_for(personas.patient).get(
        f"/patients/{personas.patient.pk}/safety-plan/print/"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert HELPER in page
    assert "Safety plan: Pat Patient" in page
    assert 'href="tel:988"' in page
    assert "crisis/print.js" in page
    assert "data-print" in page


def test_plan_pages_load_the_print_stylesheet(personas: Personas) -> None:
    save_plan(personas.patient, personas.patient, warning_signs=WARNING_SIGN)
    client = client_for(personas.patient)

    for url in ("/safety-plan/", f"/patients/{personas.patient.pk}/safety-plan/versions/1/"):
        assert "crisis/crisis.css" in client.get(url).content.decode(), url


def test_only_the_patients_own_plan_page_offers_an_offline_copy(personas: Personas) -> None:
    save_plan(personas.patient, personas.patient, warning_signs=WARNING_SIGN)
    own = client_for(personas.patient).get("/safety-plan/").content.decode()
    clinicians = (
        client_for(personas.care_clinician)
        .get(f"/patients/{personas.patient.pk}/safety-plan/")
        .content.decode()
    )

    assert 'data-service-worker="/sw.js"' in own
    assert "data-offline-status" in own
    assert "offline.js" not in clinicians


def test_plan_pages_are_never_stored_by_http_caches(personas: Personas) -> None:
    save_plan(personas.patient, personas.patient, warning_signs=WARNING_SIGN)

    response = client_for(personas.patient).get("/safety-plan/")

    assert response["Cache-Control"] == "no-store, private"


def test_the_service_worker_is_served_from_the_root(client: Client) -> None:
    response = client.get("/sw.js")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert 'var OFFLINE_PATHS = ["/help/", "/safety-plan/"];' in body
    assert 'var SIGN_OUT_PATH = "/accounts/logout/";' in body


def test_version_history_lists_every_version_with_its_writer(personas: Personas) -> None:
    save_plan(personas.patient, personas.patient, warning_signs="One.")
    save_plan(personas.patient, personas.care_clinician, warning_signs="Two.")
    save_plan(personas.patient, personas.patient, warning_signs="Three.")

    page = client_for(personas.patient).get("/safety-plan/").content.decode()

    assert "Version 3 (this one)" in page
    assert f'href="/patients/{personas.patient.pk}/safety-plan/versions/2/"' in page
    assert "by Cara Clinician (care team)" in page


def test_plan_page_opens_in_a_fixed_number_of_queries(
    personas: Personas, django_assert_max_num_queries: object
) -> None:
    for number in range(5):
        save_plan(personas.patient, personas.patient, warning_signs=f"Version {number}.")
    client = client_for(personas.patient)
    client.get("/safety-plan/")  # warm the data key

    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert client.get("/safety-plan/").status_code == 200
