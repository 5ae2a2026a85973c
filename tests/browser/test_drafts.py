"""A patient's unsaved words survive: server drafts while typing, a local copy when offline."""

from __future__ import annotations

import pytest
from playwright.sync_api import Route, expect

from claywork.accounts.models import User
from claywork.journal.models import Draft, Entry
from claywork.journal.services import draft_fields
from tests.browser.conftest import ClinicPeople, Visit, Visitor

NEW_ENTRY_DRAFT_KEY = "new-s0-p0"
DRAFT_URL_PATTERN = "**/journal/draft/"


def local_copy(me: Visitor, patient: User) -> str | None:
    key = f"claywork-draft:{patient.pk}:{NEW_ENTRY_DRAFT_KEY}"
    copy: str | None = me.page.evaluate("key => localStorage.getItem(key)", key)
    return copy


def abort(route: Route) -> None:
    route.abort()


def type_body(me: Visitor, text: str) -> None:
    me.page.get_by_label("Your words").press_sequentially(text)


@pytest.mark.browser
def test_typing_saves_a_server_draft_that_a_reload_restores(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    patient = clinic_people.patient
    me = visit(patient)
    me.goto("/journal/new/")
    type_body(me, "The water was warm and I was not afraid.")
    expect(me.page.locator(".draft-status")).to_contain_text("Draft saved at")
    me.audit()
    draft = Draft.objects.get(patient=patient, draft_key=NEW_ENTRY_DRAFT_KEY)
    assert draft_fields(draft)["body"] == "The water was warm and I was not afraid."

    me.reload()
    expect(me.page.get_by_label("Your words")).to_have_value(
        "The water was warm and I was not afraid."
    )
    expect(me.page.get_by_text("We restored your unsaved draft")).to_be_visible()
    assert local_copy(me, patient) is None


@pytest.mark.browser
def test_offline_words_are_kept_on_the_device_and_restored(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    patient = clinic_people.patient
    me = visit(patient)
    me.goto("/journal/new/")
    me.context.route(DRAFT_URL_PATTERN, abort)
    type_body(me, "Written on the train, no signal.")
    status = me.page.locator(".draft-status")
    expect(status).to_contain_text("your words are kept on this device")
    me.audit()
    assert local_copy(me, patient) is not None
    assert not Draft.objects.filter(patient=patient).exists()

    me.context.unroute(DRAFT_URL_PATTERN)
    me.reload()
    expect(me.page.get_by_label("Your words")).to_have_value("Written on the train, no signal.")
    notice = me.page.locator(".restored-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("We restored words kept on this device")
    # Back online, the restored words go to the server and the local copy is dropped.
    expect(status).to_contain_text("Draft saved at")
    me.audit()
    assert local_copy(me, patient) is None
    assert Draft.objects.filter(patient=patient, draft_key=NEW_ENTRY_DRAFT_KEY).exists()


@pytest.mark.browser
def test_saving_the_entry_removes_the_local_copy(visit: Visit, clinic_people: ClinicPeople) -> None:
    patient = clinic_people.patient
    me = visit(patient)
    me.goto("/journal/new/")
    me.context.route(DRAFT_URL_PATTERN, abort)
    type_body(me, "A small change: I called my sister.")
    expect(me.page.locator(".draft-status")).to_contain_text("kept on this device")
    me.audit()
    assert local_copy(me, patient) is not None

    me.context.unroute(DRAFT_URL_PATTERN)
    me.follow(me.page.get_by_role("button", name="Save entry"))
    expect(me.page.get_by_role("status")).to_contain_text("Saved to your journal.")
    assert local_copy(me, patient) is None
    assert Entry.objects.filter(patient=patient).count() == 1
    assert not Draft.objects.filter(patient=patient).exists()
