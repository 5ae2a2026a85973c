"""Secure messages in a real browser, on a phone and on a desktop, every page checked with
axe-core: the patient writes to their care team from the menu, the clinician sees the unread
count, reads and replies, the patient sees the reply and that their message was read; the
"not for emergencies" line leads to the help page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from claywork.messaging.models import Message
from tests.browser.conftest import DESKTOP, PHONE, ClinicPeople, Visit

SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
QUESTION = "Could we talk about the heron dream on Thursday?"
ANSWER = "Yes, bring the heron. See you Thursday."


@pytest.mark.browser
@pytest.mark.parametrize("viewport", SIZES)
def test_patient_writes_clinician_reads_and_replies(
    visit: Visit, clinic_people: ClinicPeople, viewport: dict[str, int]
) -> None:
    patient, clinician = clinic_people.patient, clinic_people.clinician

    me = visit(patient, name="patient", viewport=viewport)
    me.follow(me.nav_link("Messages"))
    me.follow(me.page.get_by_role("link", name="Write to your care team"))
    me.page.get_by_label("Subject (optional)").fill("Thursday")
    me.page.get_by_label("Your message").fill(QUESTION)
    me.follow(me.page.get_by_role("button", name="Send"))
    expect(me.page.get_by_text("Message sent.")).to_be_visible()
    expect(me.page.get_by_role("list", name="Messages")).to_contain_text(QUESTION)
    expect(me.page.get_by_text("Not read yet")).to_be_visible()
    expect(me.page.get_by_role("link", name="Need help now?").first).to_be_visible()
    me.fits_the_screen()

    guide = visit(clinician, name="clinician", viewport=viewport)
    guide.goto("/")
    if viewport == DESKTOP:
        badge = guide.page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Messages"
        )
        expect(badge).to_contain_text("1")
    guide.goto("/messages/")
    guide.follow(guide.page.get_by_role("link", name="Thursday"))
    expect(guide.page.get_by_role("list", name="Messages")).to_contain_text(QUESTION)
    guide.page.get_by_label("Your message").fill(ANSWER)
    guide.follow(guide.page.get_by_role("button", name="Send"))
    expect(guide.page.get_by_role("list", name="Messages")).to_contain_text(ANSWER)
    guide.fits_the_screen()

    me.reload()
    messages = me.page.get_by_role("list", name="Messages")
    expect(messages).to_contain_text(ANSWER)
    # The clinician opened the patient's message: its receipt now says so.
    expect(messages.locator(".read-receipt").first).to_have_text(re.compile(r"^Read"))
    assert Message.objects.filter(thread__patient=patient).count() == 2
    me.follow(me.page.get_by_role("link", name="Need help now?").last)
    assert me.page.url.endswith("/help/")
