"""The support circle in a real browser: a patient invites a friend, the friend joins from the
e-mail's link with a new account, the patient shares a journal entry from its page, the friend
reads it in their feed and sends a note, the patient reads the note and stops sharing, and the
friend's feed is empty on their next visit. Every page is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from claywork.accounts.models import Role, User
from tests import factories
from tests.browser.conftest import ClinicPeople, Visit

PASSWORD = "tide-pools-and-lanterns-7"


@pytest.mark.browser
def test_a_friend_joins_reads_what_is_shared_and_loses_it_when_revoked(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    patient = clinic_people.patient
    entry = factories.make_entry(patient, title="By the harbour", body="The gulls sounded kind.")
    me = visit(patient, name="patient")

    me.follow(me.nav_link("Circle"))
    me.page.get_by_label("Their name").fill("Jo Friend")
    me.page.get_by_label("Their e-mail address").fill("jo@example.test")
    me.page.get_by_label("Who they are to you").fill("neighbour")
    me.follow(me.page.get_by_role("button", name="Send the invitation"))
    expect(me.page.get_by_text("Invitation sent to Jo Friend.")).to_be_visible()
    link = re.search(r"https?://\S+/circle/invitations/\S+/", mail.outbox[-1].body)
    assert link is not None
    token_path = link.group(0).split("/circle/", 1)[1]

    jo = visit(None, name="friend")
    jo.goto(f"/circle/{token_path}")
    jo.page.get_by_label("Choose a password").fill(PASSWORD)
    jo.page.get_by_label("Repeat the password").fill(PASSWORD)
    jo.follow(jo.page.get_by_role("button", name="Create my account and join"))
    expect(jo.page.get_by_text("Nothing is shared with you right now.")).to_be_visible()
    assert User.objects.get(email="jo@example.test").role == Role.SUPPORT

    me.goto(f"/journal/{entry.pk}/")
    sharing = me.page.get_by_role("region", name="Sharing")
    expect(sharing).to_contain_text("Private: only you can see this.")
    sharing.get_by_label("Share with").select_option(label="Jo Friend (neighbour)")
    me.follow(sharing.get_by_role("button", name="Share"))
    expect(me.page.get_by_role("region", name="Sharing")).to_contain_text("Shared with Jo Friend")

    jo.reload()
    expect(jo.page.get_by_text("The gulls sounded kind.")).to_be_visible()
    jo.page.get_by_label("A short note").fill("Lovely to read this. Tea on Friday?")
    jo.follow(jo.page.get_by_role("button", name="Send the note"))
    expect(jo.page.get_by_text("Your note is on its way")).to_be_visible()

    me.follow(me.nav_link("Circle"))
    expect(me.page.get_by_text("Lovely to read this. Tea on Friday?")).to_be_visible()
    me.follow(me.nav_link("Privacy"))
    me.follow(me.page.get_by_role("link", name="What you share"))
    me.follow(me.page.get_by_role("button", name="Stop sharing"))
    expect(me.page.get_by_text("You are not sharing anything right now.")).to_be_visible()

    jo.reload()
    expect(jo.page.get_by_text("Nothing is shared with you right now.")).to_be_visible()
    expect(jo.page.get_by_text("The gulls sounded kind.")).to_have_count(0)
    jo.follow(jo.nav_link("Guide"))
    expect(
        jo.page.get_by_role("link", name=re.compile("crisis page lists numbers"))
    ).to_be_visible()
