"""A patient reads their themes, renames one, and opens the tone page and a session lens; their
clinician opens the care-team view. Every page passes axe and the strict CSP."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from claywork.care.models import Session
from claywork.measures import services as measures
from claywork.themes import services
from claywork.themes.models import Theme, ThemeEdit
from tests.browser.conftest import ClinicPeople, Visit
from tests.themes_support import journal_from_corpus


@pytest.mark.browser
def test_patient_reads_renames_and_explores_their_themes(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    patient = clinic_people.patient
    journal_from_corpus(patient, "patient_a")
    measures.check_in_save(
        patient=patient, day=date(2026, 1, 7), values=measures.CheckInValues(6, 3, 5, 7)
    )
    services.themes_recompute(patient=patient)
    ocean = next(t for t in Theme.objects.filter(patient=patient) if "ocean" in t.key_phrases)
    me = visit(patient, name="patient")

    me.goto("/themes/")
    card = me.page.locator(f"#theme-{ocean.pk}")
    expect(card).to_contain_text("Recurring")
    canvas = card.locator("canvas[data-theme-chart]")
    expect(canvas).to_be_visible()
    assert canvas.evaluate("(element) => Boolean(window.Chart.getChart(element))")
    expect(card.get_by_role("table", name="How often it appears, by session")).to_be_visible()

    card.get_by_text("Change this theme").click()
    card.get_by_label("Your name for this theme").fill("The sea in me")
    me.follow(card.get_by_role("button", name="Rename"))
    expect(me.page.get_by_role("status")).to_contain_text("Saved the new name.")
    expect(me.page.get_by_role("heading", name="The sea in me")).to_be_visible()
    assert ThemeEdit.objects.get(theme=ocean).label == "The sea in me"

    me.follow(me.page.get_by_role("link", name="Emotional tone over time"))
    tone = me.page.locator("canvas[data-tone-chart]")
    expect(tone).to_be_visible()
    assert tone.evaluate("(element) => Boolean(window.Chart.getChart(element))")
    expect(me.page.get_by_role("table", name="Weekly tone and mood, oldest first")).to_be_visible()

    session = Session.objects.filter(patient=patient).order_by("scheduled_at")[2]
    me.goto(f"/themes/sessions/{session.pk}/")
    expect(me.page.get_by_role("heading", name="New in this session’s writing")).to_be_visible()
    assert me.csp_errors == []


@pytest.mark.browser
def test_clinician_opens_the_care_team_themes(visit: Visit, clinic_people: ClinicPeople) -> None:
    them = visit(clinic_people.clinician, name="clinician")

    them.goto(f"/patients/{clinic_people.patient.pk}/themes/")

    expect(them.page.get_by_role("heading", name="Not enough writing yet")).to_be_visible()
    assert them.csp_errors == []
