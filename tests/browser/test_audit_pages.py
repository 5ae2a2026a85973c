"""Who has seen my data: the clinician opens the patient's progress; the patient finds it on
"Who has seen my data"; the clinic admin finds it in the clinic's access log and narrows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import ClinicPeople, Visit


@pytest.mark.browser
def test_a_patient_and_the_clinic_admin_see_who_read_the_patients_data(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    patient, clinician = clinic_people.patient, clinic_people.clinician
    admin = factories.ClinicAdminFactory(clinic=patient.clinic, full_name="Ada Admin")

    guide = visit(clinician, name="clinician")
    guide.goto(f"/patients/{patient.pk}/progress/")

    me = visit(patient, name="patient")
    me.follow(me.nav_link("Privacy"))
    me.follow(me.page.get_by_role("link", name="Who has seen your data"))
    table = me.page.get_by_role("table")
    expect(table).to_contain_text("Cara Clinician")
    expect(table).to_contain_text("Check-in and questionnaire scores")
    expect(table).to_contain_text("Viewed")

    office = visit(admin, name="admin")
    office.follow(office.nav_link("Access log"))
    expect(office.page.get_by_role("table")).to_contain_text("Pat Patient")
    office.page.get_by_label("Patient's name").fill("pat")
    office.follow(office.page.get_by_role("button", name="Show"))
    rows = office.page.get_by_role("table").locator("tbody tr")
    expect(rows.first).to_contain_text("Cara Clinician")
    for row in rows.all():
        expect(row).to_contain_text("Pat Patient")
