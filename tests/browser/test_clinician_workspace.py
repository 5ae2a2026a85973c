"""The clinician's workspace in a browser: the caseload as a triage list (desktop and phone)
and the session screen used during a session, keyboard only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from claywork.care.models import GuideNote, SessionObservation
from claywork.clinics.models import Clinic
from claywork.measures import services as measures
from claywork.measures.selectors import patient_today
from claywork.safety.models import AlertKind, Severity
from claywork.safety.services import alert_raise
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, ClinicPeople, Visit


def _triage_caseload(people: ClinicPeople) -> None:
    """Pat (a high alert), Quinn (quiet for 5 days), Sam (checked in today)."""
    clinic = people.patient.clinic
    for name, days_ago in (("Quinn Quiet", 5), ("Sam Steady", 0)):
        patient = factories.PatientFactory(clinic=clinic, full_name=name)
        factories.add_to_care_team(patient, people.clinician)
        measures.check_in_save(
            patient=patient,
            day=patient_today(patient) - timedelta(days=days_ago),
            values=measures.CheckInValues(6),
        )
    alert_raise(
        patient=people.patient,
        kind=AlertKind.MISSED_CHECK_INS,
        severity=Severity.HIGH,
        title="Browser triage alert",
        dedupe_key="browser:triage",
    )


def _row_names(page: Page) -> list[str]:
    return page.locator("table.caseload tbody th[scope=row] > a:first-child").all_inner_texts()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_caseload_puts_who_needs_attention_first_and_keeps_the_chosen_view(
    visit: Visit, clinic_people: ClinicPeople, viewport: dict[str, int]
) -> None:
    _triage_caseload(clinic_people)
    guide = visit(clinic_people.clinician, name="clinician", viewport=viewport)
    guide.goto("/")

    expect(guide.page.get_by_role("heading", level=1)).to_have_text("Caseload")
    assert _row_names(guide.page) == ["Pat Patient", "Quinn Quiet", "Sam Steady"]
    quinn = guide.page.get_by_role("row").filter(has_text="Quinn Quiet")
    expect(quinn.locator(".late")).to_have_text("5 days ago")
    expect(quinn.get_by_role("img")).to_have_attribute(
        "aria-label",
        "Mood, last 14 days, oldest first: " + ", ".join(["none"] * 8 + ["6"] + ["none"] * 5),
    )
    guide.fits_the_screen()

    filters = guide.page.get_by_role("navigation", name="Which patients")
    guide.follow(filters.get_by_role("link", name="No check-in for 3+ days"))
    assert _row_names(guide.page) == ["Pat Patient", "Quinn Quiet"]  # Pat never checked in
    expect(filters.get_by_role("link", name="No check-in for 3+ days")).to_have_attribute(
        "aria-current", "page"
    )
    guide.goto("/")  # the view is kept
    assert _row_names(guide.page) == ["Pat Patient", "Quinn Quiet"]
    guide.follow(filters.get_by_role("link", name="All"))
    guide.follow(guide.page.get_by_role("link", name="Patient", exact=True))
    assert _row_names(guide.page) == ["Pat Patient", "Quinn Quiet", "Sam Steady"]
    guide.fits_the_screen()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_guide_takes_tagged_and_private_notes_by_keyboard_during_a_session(
    visit: Visit, clinic_people: ClinicPeople, viewport: dict[str, int]
) -> None:
    Clinic.objects.filter(pk=clinic_people.patient.clinic_id).update(
        session_observations=["vitals", "dissociation"]
    )
    course = factories.make_course(clinic_people.patient, clinic_people.clinician)
    session = factories.make_session(course, status="in_progress")
    guide = visit(clinic_people.clinician, name="clinician", viewport=viewport)
    guide.goto(f"/sessions/{session.pk}/screen/")
    page = guide.page

    box = page.get_by_label("Note (Enter saves; Shift+Enter for a new line)")
    expect(box).to_be_focused()
    box.type("Sees a door of light.")
    box.press("Shift+Enter")
    box.type("Calm breathing.")
    page.keyboard.press("Tab")  # to the first quick tag: Insight
    page.keyboard.press("Tab")  # Emotion
    page.keyboard.press("Tab")  # Body
    page.keyboard.press("Tab")  # Image / vision
    page.keyboard.press("Space")
    box.focus()
    box.press("Enter")

    note = page.locator(".screen-timeline li").first
    expect(note).to_contain_text("Sees a door of light.")
    expect(note).to_contain_text("+0 min")
    expect(note).to_contain_text("Image / vision")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    saved = GuideNote.objects.get(session=session)
    assert saved.text == "Sees a door of light.\nCalm breathing." and saved.tags == ["image"]

    page.get_by_label("Private to the care team (never shown to the patient)").check()
    box.fill("My own unease.")
    box.press("Enter")
    expect(page.locator(".screen-timeline li").first).to_contain_text("Private: care team only")
    guide.audit()
    assert GuideNote.objects.filter(session=session, private=True).count() == 1

    page.get_by_label("Blood pressure before (mmHg)").fill("400/20")
    page.get_by_label("Heart rate before (beats a minute)").fill("72")
    guide.follow(page.get_by_role("button", name="Save observations"))
    expect(page.locator("main")).to_contain_text("400/20 is outside what a person can have")
    expect(page.get_by_label("Blood pressure before (mmHg)")).to_have_value("400/20")
    page.get_by_label("Blood pressure before (mmHg)").fill("128/82")
    guide.follow(page.get_by_role("button", name="Save observations"))
    expect(page.get_by_role("status")).to_contain_text("Observations saved.")
    assert SessionObservation.objects.filter(session=session).exists()
    guide.fits_the_screen()
