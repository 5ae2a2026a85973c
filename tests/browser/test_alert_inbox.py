"""Crisis language in a journal entry reaches the care team as an alert, never as words.

The patient saves an entry, is taken gently to the crisis page; the clinician sees the count
in the navigation, opens the inbox and acknowledges with a note in place (htmx, strict CSP).
"""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from claywork.journal.models import Entry
from claywork.safety.models import Alert
from tests.browser.conftest import ClinicPeople, Visit

WORDS = "I want to kill myself tonight. The harbour lights looked far away."


@pytest.mark.browser
def test_crisis_language_reaches_the_care_team_as_an_alert_they_acknowledge(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    me = visit(clinic_people.patient, name="patient")
    me.follow(me.nav_link("Journal"))
    me.follow(me.page.get_by_role("link", name="Write an entry").first)
    me.page.get_by_label("Your words").fill(WORDS)
    me.follow(me.page.get_by_role("button", name="Save entry"))

    assert me.page.url.startswith(me.url("/help/"))
    expect(me.page.get_by_role("status")).to_contain_text("Your entry is saved.")
    assert Entry.objects.get(patient=clinic_people.patient).body == WORDS
    (message,) = mail.outbox
    assert "harbour" not in message.body and "kill" not in message.body

    guide = visit(clinic_people.clinician, name="clinician")
    expect(guide.nav_link("Alerts 1 open")).to_be_visible()
    guide.follow(guide.nav_link("Alerts 1 open"))
    card = guide.page.locator(".alert-card").first
    expect(card).to_contain_text("Crisis language in a private journal entry")
    expect(card).to_contain_text("Pat Patient")
    expect(card).to_contain_text("sent to 1")
    expect(guide.page.locator("main")).not_to_contain_text("harbour")

    card.get_by_label("What was done").fill("Called Pat; safe, seeing her tomorrow.")
    card.get_by_role("button", name="Acknowledge").click()
    expect(guide.page.locator(".alert-card").first).to_contain_text(
        "Acknowledged by Cara Clinician"
    )
    guide.audit()
    alert = Alert.objects.get()
    assert alert.note == "Called Pat; safe, seeing her tomorrow." and not alert.is_open
    guide.follow(guide.page.get_by_role("link", name=alert.title))
    expect(guide.page.get_by_role("heading", name="Who was told")).to_be_visible()
