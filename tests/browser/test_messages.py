"""Secure messages in a real browser, on a phone and on a desktop, every page checked with
axe-core: the patient writes to their care team from the menu, the clinician sees the unread
count, reads and replies, the patient sees the reply and that their message was read; the
"not for emergencies" line leads to the help page; a long thread's earlier messages load in
place from the keyboard."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from claywork.messaging import services as messaging
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


@pytest.mark.browser
@pytest.mark.parametrize("viewport", SIZES)
def test_earlier_messages_load_in_place_from_the_keyboard(
    visit: Visit, clinic_people: ClinicPeople, viewport: dict[str, int]
) -> None:
    patient = clinic_people.patient
    thread, _ = messaging.thread_start(
        patient=patient,
        author=patient,
        subject="A long one",
        body="The first message of many.",
        submission_id=uuid.uuid4(),
    )
    for n in range(1, 120):
        messaging.message_send(
            thread=thread, author=patient, body=f"Message number {n}.", submission_id=uuid.uuid4()
        )

    me = visit(patient, name="patient", viewport=viewport)
    me.goto(f"/messages/{thread.pk}/")
    shown = me.page.locator("ol#messages > li.message")
    expect(shown).to_have_count(50)
    expect(shown.last).to_contain_text("Message number 119.")
    expect(me.page.get_by_role("link", name="Need help now?").first).to_be_visible()
    pages_opened = me.navigations

    for expected, oldest in ((100, "Message number 20."), (120, "The first message of many.")):
        control = me.page.get_by_role("link", name="Earlier messages")
        control.scroll_into_view_if_needed()
        scrolled = me.page.evaluate("window.scrollY")
        control.focus()
        me.page.keyboard.press("Enter")  # no mouse: the control is a link, reached by Tab
        expect(shown).to_have_count(expected)
        focused = me.page.locator("ol#messages > li.message:focus")
        expect(focused).to_contain_text(oldest)
        assert abs(me.page.evaluate("window.scrollY") - scrolled) <= 1
        assert me.navigations == pages_opened  # loaded in place, not a new page
        me.audit()
    expect(me.page.get_by_role("link", name="Earlier messages")).to_have_count(0)
    me.fits_the_screen()
