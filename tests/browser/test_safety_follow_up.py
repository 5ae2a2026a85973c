"""The safety follow-up in a browser: the crisis page first, then the screener's skip logic
(skip-logic.js, under the strict CSP); and a patient agreeing to the enrolment terms.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from claywork.accounts.models import Role, User
from claywork.clinics import consent, services
from claywork.clinics.models import Clinic
from claywork.measures.models import ScaleResponse
from claywork.safety.models import Alert
from tests import factories
from tests.browser.conftest import ClinicPeople, Visit

PHQ9_ANSWERS = ["Several days"] * 9  # item 9 above zero


@pytest.mark.browser
def test_after_a_self_harm_answer_the_crisis_page_offers_the_screener_and_its_skip_logic_works(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    patient = clinic_people.patient
    Clinic.objects.filter(pk=patient.clinic_id).update(suicide_screener_enabled=True)
    me = visit(patient, name="patient")

    me.goto("/scales/phq9/")
    items = me.page.locator("fieldset.scale-item")
    for index, answer in enumerate(PHQ9_ANSWERS):
        items.nth(index).get_by_label(answer, exact=True).check()
    me.follow(me.page.get_by_role("button", name="Submit"))

    # The crisis page comes first; the offer sits below its resources.
    assert me.page.url == me.url("/help/")
    offer = me.page.get_by_role("region", name="A few more questions for your care team")
    expect(offer).to_be_visible()
    me.follow(offer.get_by_role("link", name="Answer a few more questions"))

    questions = me.page.locator("fieldset.scale-item")
    expect(questions).to_have_count(7)
    conditional = [questions.nth(index) for index in (2, 3, 4, 6)]  # 3, 4, 5 and 6b
    for question in conditional:
        expect(question).to_be_hidden()
    questions.nth(1).get_by_label("Yes", exact=True).check()
    for question in conditional[:3]:
        expect(question).to_be_visible()
    expect(conditional[3]).to_be_hidden()
    questions.nth(1).get_by_label("No", exact=True).check()
    for question in conditional[:3]:
        expect(question).to_be_hidden()

    questions.nth(0).get_by_label("Yes", exact=True).check()
    questions.nth(5).get_by_label("Yes", exact=True).check()
    expect(conditional[3]).to_be_visible()
    conditional[3].get_by_label("Yes", exact=True).check()  # 6b: in the past 3 months
    me.follow(me.page.get_by_role("button", name="Submit"))

    assert me.page.url == me.url("/help/")
    expect(me.page.get_by_role("status")).to_contain_text("Your care team has been alerted")
    screen = ScaleResponse.objects.get(patient=patient, instrument="cssrs_screen")
    assert (screen.band, screen.flags) == ("High", ["self_harm"])
    assert Alert.objects.filter(dedupe_key=f"self-harm:{screen.pk}").exists()


@pytest.mark.browser
def test_a_patient_joins_only_after_agreeing_to_the_enrolment_terms(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    admin = factories.ClinicAdminFactory(clinic=clinic_people.patient.clinic)
    _, token = services.invitation_create(
        clinic=admin.clinic,  # type: ignore[arg-type]
        invited_by=admin,
        email="nina@example.test",
        full_name="Nina New",
        role=Role.PATIENT,
        care_team=[clinic_people.clinician],
    )
    me = visit(None, name="invitee")

    me.goto(f"/invitations/{token}/")
    expect(me.page.get_by_role("region", name="What you agree to")).to_contain_text(
        "never what you wrote"
    )
    me.page.get_by_label("Choose a password").fill("tide-pools-and-lanterns-7")
    me.page.get_by_label("Repeat the password").fill("tide-pools-and-lanterns-7")
    me.follow(me.page.get_by_role("button", name="Create my account"))
    expect(me.page.get_by_text("please read the terms above and tick the box")).to_be_visible()
    assert not User.objects.filter(email="nina@example.test").exists()

    me.page.get_by_label("Choose a password").fill("tide-pools-and-lanterns-7")
    me.page.get_by_label("Repeat the password").fill("tide-pools-and-lanterns-7")
    me.page.get_by_label("I have read what Claywork stores").check()
    me.follow(me.page.get_by_role("button", name="Create my account"))

    assert me.page.url == me.url("/")
    nina = User.objects.get(email="nina@example.test")
    assert consent.consent_is_given(nina, consent.ENROLMENT)
