"""Working alerts in a browser, at desktop and phone size, every page checked with axe:
a clinician's inbox (inline errors that keep the words, the card moving on acknowledgement
without a reload, assign to me, the countdown), the patient page with its risk summary and
tap-to-call links; an on-call admin's view of an alert about a patient without a care team."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claywork.accounts.services import patient_contact_save
from claywork.core.heartbeat import heartbeat_record
from claywork.safety.models import Alert
from claywork.safety.services import alert_raise, on_call_set
from tests import factories
from tests.browser.conftest import ClinicPeople, Visit, Visitor

PHONE = {"width": 390, "height": 844}
LONG_NOTE = "Called; we talked through the week and the plan for Friday. " * 40  # 2,440


def _raise(patient: object, key: str, severity: str = "high") -> Alert:
    alert, _ = alert_raise(
        patient=patient,  # type: ignore[arg-type]
        kind="crisis_language",
        severity=severity,
        title="Crisis language in a private journal entry",
        dedupe_key=key,
    )
    return alert


def _at_phone_size(visitor: Visitor, path: str) -> None:
    visitor.page.set_viewport_size(PHONE)
    visitor.goto(path)
    # Nothing wider than the screen: no sideways scrolling on a phone.
    width = visitor.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"


@pytest.mark.browser
def test_a_clinician_works_an_alert_from_the_inbox_and_the_patient_page(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    heartbeat_record(now=timezone.now())  # a worker is running: no banner
    patient_contact_save(
        patient=clinic_people.patient,
        by=clinic_people.patient,
        phone="(415) 555-2671",
        emergency_name="Ines",
        emergency_relationship="sister",
        emergency_phone="+44 20 7946 0958",
    )
    first = _raise(clinic_people.patient, "one")
    _raise(clinic_people.patient, "two", severity="low")

    guide = visit(clinic_people.clinician, name="clinician")
    guide.follow(guide.nav_link("Alerts 2 open"))
    card = guide.page.locator(f"#alert-{first.pk}")
    expect(card).to_contain_text("High priority: reach the patient today")
    expect(card.locator(".countdown")).to_contain_text("escalates in")

    card.get_by_role("button", name="Assign to me").click()
    expect(guide.page.locator(f"#alert-{first.pk}")).to_contain_text("Assigned to you")

    card = guide.page.locator(f"#alert-{first.pk}")
    card.get_by_role("button", name="Acknowledge").click()
    expect(card).to_contain_text("Write what was done before acknowledging")
    card.get_by_label("What was done").fill(LONG_NOTE)
    card.get_by_role("button", name="Acknowledge").click()
    expect(guide.page.locator(f"#alert-{first.pk}")).to_contain_text(
        "Keep the note under 2,000 characters"
    )
    note = guide.page.locator(f"#alert-{first.pk}").get_by_label("What was done")
    assert note.input_value() == LONG_NOTE  # every word kept, as typed
    guide.audit()

    note.fill("Called Pat; safe, seeing her Friday.")
    guide.page.locator(f"#alert-{first.pk}").get_by_role("button", name="Acknowledge").click()
    moved = guide.page.locator(f"#acknowledged-alerts #alert-{first.pk}")
    expect(moved).to_contain_text("Acknowledged by Cara Clinician")
    expect(guide.page.locator(f"#open-alerts #alert-{first.pk}")).to_have_count(0)
    expect(guide.page.locator("#open-count")).to_have_text("(1)")
    expect(guide.nav_link("Alerts 1 open")).to_be_visible()
    guide.audit()

    guide.follow(guide.page.locator("#open-alerts").get_by_role("link", name="Pat Patient"))
    expect(guide.page.get_by_role("heading", name="Risk summary")).to_be_visible()
    risk = guide.page.locator(".risk-summary")
    expect(risk).to_contain_text("1 open")
    expect(risk.get_by_role("link", name="+1 415-555-2671")).to_have_attribute(
        "href", "tel:+14155552671"
    )
    history = guide.page.locator("section", has_text="Alert history")
    expect(history).to_contain_text("Called Pat; safe, seeing her Friday.")

    _at_phone_size(guide, f"/patients/{clinic_people.patient.pk}/")
    _at_phone_size(guide, "/alerts/")
    open_alert = Alert.objects.get(dedupe_key="two")
    _at_phone_size(guide, f"/alerts/{open_alert.pk}/")
    expect(guide.page.get_by_role("link", name="Call Pat Patient: +1 415-555-2671")).to_be_visible()


@pytest.mark.browser
def test_an_on_call_admin_sees_who_and_when_and_assigns_a_care_team(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    clinic = clinic_people.patient.clinic
    admin = factories.ClinicAdminFactory(clinic=clinic, full_name="Ada Admin")
    on_call_set(clinic=clinic, people=[admin])  # type: ignore[arg-type]
    alone = factories.PatientFactory(clinic=clinic, full_name="Una Alone")
    alert = _raise(alone, "alone")

    me = visit(admin, name="admin")
    expect(me.page.locator(".staff-banner")).to_contain_text("Alerts are not being sent.")
    me.follow(me.nav_link("Alerts 1 open"))
    card = me.page.locator(f"#alert-{alert.pk}")
    expect(card).to_contain_text("Una Alone")
    expect(card).not_to_contain_text("private journal entry")
    me.follow(card.get_by_role("link", name="Una Alone", exact=True))
    me.follow(me.page.get_by_role("link", name="Assign a care team to Una Alone"))
    me.page.get_by_label("Cara Clinician").check()
    me.follow(me.page.get_by_role("button", name="Save care team"))
    assert (
        Alert.objects.get(pk=alert.pk).deliveries.filter(recipient=clinic_people.clinician).exists()
    )

    me.goto("/clinic/settings/")
    expect(me.page.get_by_label("Ada Admin (Clinic admin)")).to_be_checked()
    _at_phone_size(me, "/clinic/people/")
    _at_phone_size(me, f"/alerts/{alert.pk}/")
    _at_phone_size(me, f"/clinic/patients/{alone.pk}/contact/")
    me.page.get_by_label("Phone number:", exact=True).fill("call me maybe")
    me.follow(me.page.get_by_role("button", name="Save contact details"))
    expect(me.page.locator("main")).to_contain_text("This does not look like a phone number")


@pytest.mark.browser
def test_a_patient_keeps_their_contact_details_on_a_phone(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    me = visit(clinic_people.patient, name="patient")
    _at_phone_size(me, "/account/contact/")
    me.page.get_by_label("Phone number:", exact=True).fill("(415) 555-2671")
    me.page.get_by_label("Emergency contact: name").fill("Ines")
    me.page.get_by_label("Emergency contact: phone number").fill("+44 20 7946 0958")
    me.follow(me.page.get_by_role("button", name="Save contact details"))
    expect(me.page.get_by_role("status")).to_contain_text("Your contact details are saved.")
    expect(me.page.get_by_label("Phone number:", exact=True)).to_have_value("+1 415-555-2671")
