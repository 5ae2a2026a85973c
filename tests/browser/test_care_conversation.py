"""The care team beside the patient, in a real browser: a clinician comments on an entry the
patient shared and suggests a goal; the patient reads the comment, adds the goal, and withdraws
screening of their writing on "My consents"."""

from __future__ import annotations

from playwright.sync_api import expect

from claywork.clinics import consent
from claywork.practice.models import Goal
from claywork.sharing.services import share_item
from tests import factories
from tests.browser.conftest import ClinicPeople, Visit

COMMENT = "Thank you for writing about the tide; let us start there on Thursday."
GOAL = "A ten-minute walk without my phone"


def test_a_clinician_comments_and_suggests_and_the_patient_answers(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    patient, clinician = clinic_people.patient, clinic_people.clinician
    entry = factories.make_entry(patient, body="The tide came in slowly.")
    share_item(patient=patient, item=entry, care_team=True)

    guide = visit(clinician, name="clinician")
    guide.goto(f"/journal/{entry.pk}/")
    guide.page.get_by_label("Your comment").fill(COMMENT)
    guide.follow(guide.page.get_by_role("button", name="Add comment"))
    expect(
        guide.page.get_by_role("region", name="From the care team (the patient sees these)")
    ).to_contain_text(COMMENT)

    guide.goto(f"/patients/{patient.pk}/")
    guide.follow(guide.page.get_by_role("link", name="Suggest a reflection prompt or a goal"))
    guide.page.get_by_label("A goal", exact=True).check()
    guide.page.get_by_label("Goal title").fill(GOAL)
    guide.page.get_by_label("Realm").select_option(label="Body")
    guide.page.get_by_label("Cadence").select_option(label="Each week")
    guide.follow(guide.page.get_by_role("button", name="Suggest"))
    expect(guide.page.get_by_text("Suggested to Pat Patient.")).to_be_visible()

    me = visit(patient, name="patient")
    me.goto(f"/journal/{entry.pk}/")
    expect(me.page.get_by_role("region", name="From your care team")).to_contain_text(COMMENT)
    me.goto("/suggestions/")
    expect(me.page.get_by_text(GOAL)).to_be_visible()
    me.follow(me.page.get_by_role("button", name="Add this goal"))
    expect(me.page.get_by_text("The goal is added to your plan.")).to_be_visible()
    assert Goal.objects.filter(patient=patient).count() == 1

    me.goto("/consents/")
    screening = me.page.get_by_role("region", name="Safety screening of what you write")
    expect(screening).to_contain_text("no longer checked for signs of crisis")
    me.follow(screening.get_by_role("button", name="Withdraw"))
    expect(me.page.get_by_text("Screening is off.")).to_be_visible()
    assert not consent.consent_is_given(patient, consent.SCREENING)

    guide.goto(f"/patients/{patient.pk}/suggestions/")
    expect(guide.page.get_by_text("Accepted")).to_be_visible()
