"""The patient experience in a real browser, on a phone and on a desktop, every page checked
with axe-core: the first steps, the tab bar with help one tap away and no page wider than the
screen, the one-tap check-in with tags, the account (time zone from the device, a confirmed
change of address), deleting an entry with undo, and the data the patient owns (export,
deleting the account and cancelling)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.core import mail
from playwright.sync_api import expect

from claywork.accounts.models import User
from claywork.journal.models import Entry
from claywork.measures.models import CheckIn
from claywork.ownership.models import AccountDeletion
from claywork.reminders.models import ReminderPreferences
from tests import factories
from tests.browser.conftest import DESKTOP, PEOPLE_TIMEZONE, PHONE, ClinicPeople, Visit

SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]

# Every page a patient reaches from the menus: none may be wider than a phone's screen.
PATIENT_PAGES = [
    "/",
    "/start/",
    "/start/guide/",
    "/journal/",
    "/journal/new/",
    "/journal/prompts/",
    "/check-in/",
    "/scales/",
    "/progress/",
    "/plan/",
    "/goals/",
    "/practices/",
    "/patterns/",
    "/themes/",
    "/integration/",
    "/suggestions/",
    "/safety-plan/",
    "/grounding/",
    "/notifications/",
    "/reminders/settings/",
    "/circle/",
    "/sharing/",
    "/privacy/",
    "/consents/",
    "/privacy/access-log/",
    "/more/",
    "/account/",
    "/account/email/",
    "/account/data/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/help/",
]


@pytest.mark.browser
@pytest.mark.parametrize("viewport", SIZES)
def test_a_new_patient_takes_their_first_steps(
    visit: Visit, clinic_people: ClinicPeople, viewport: dict[str, int]
) -> None:
    patient = clinic_people.patient
    User.objects.filter(pk=patient.pk).update(timezone="UTC")  # the sign-up guess
    factories.make_course(patient, clinic_people.clinician)
    me = visit(patient, name="new patient", viewport=viewport)

    steps = me.page.get_by_role("region", name="Your first steps")
    expect(steps).to_contain_text("0 of 6 done")
    me.follow(steps.get_by_role("link", name="Read the guide"))
    expect(
        me.page.get_by_role("heading", name="The hours after: the 12–24 hour window")
    ).to_be_visible()
    me.fits_the_screen()
    me.follow(me.page.get_by_role("button", name="I have read this"))
    steps = me.page.get_by_role("region", name="Your first steps")
    expect(steps).to_contain_text("1 of 6 done")
    expect(steps.get_by_role("heading", name="Know what to expect")).to_have_count(0)

    me.follow(steps.get_by_role("button", name="Skip for now: Invite someone to support you"))
    expect(steps.get_by_role("heading", name="Invite someone to support you")).to_have_count(0)

    # Reminder times: the zone comes from this device, not the sign-up guess.
    me.follow(steps.get_by_role("link", name="Choose reminder times"))
    expect(me.page.get_by_label("Your time zone")).to_have_value(PEOPLE_TIMEZONE)
    expect(me.page.get_by_text(f"Set from this device: {PEOPLE_TIMEZONE}.")).to_be_visible()
    me.page.get_by_label("Daily check-in reminder at").fill("20:00")
    me.follow(me.page.get_by_role("button", name="Save"))
    assert ReminderPreferences.objects.filter(patient=patient).exists()
    assert User.objects.get(pk=patient.pk).timezone == PEOPLE_TIMEZONE

    me.goto("/")
    steps = me.page.get_by_role("region", name="Your first steps")
    expect(steps).to_contain_text("2 of 6 done")
    expect(steps.get_by_role("heading", name="Choose your reminders")).to_have_count(0)
    me.fits_the_screen()
    me.follow(me.nav_link("First steps"))
    expect(
        me.page.get_by_role("button", name="Put back on my list: Invite someone to support you")
    ).to_be_visible()


@pytest.mark.browser
def test_on_a_phone_the_tab_bar_leads_everywhere_and_no_page_is_wider_than_the_screen(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    me = visit(clinic_people.patient, name="patient on a phone", viewport=PHONE)

    tabs = me.page.get_by_role("navigation", name="Tabs")
    expect(tabs).to_be_visible()
    expect(me.page.get_by_role("navigation", name="Main")).to_be_hidden()
    for tab in ("Journal", "Check-in", "Plan", "More", "Home"):
        me.follow(tabs.get_by_role("link", name=tab, exact=True))
        expect(tabs.get_by_role("link", name=tab, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
    for path in PATIENT_PAGES:
        me.goto(path)
        me.fits_the_screen()
        # "Need help now?" stays in view at the top, however far down the page.
        me.page.mouse.wheel(0, 5000)
        help_link = me.page.get_by_role("banner").get_by_role("link", name="Need help now?")
        expect(help_link).to_be_in_viewport()


@pytest.mark.browser
def test_on_a_desktop_the_full_menu_shows_and_the_tab_bar_does_not(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    me = visit(clinic_people.patient, name="patient at a desk", viewport=DESKTOP)

    expect(me.page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(me.page.get_by_role("navigation", name="Tabs")).to_be_hidden()
    me.follow(me.nav_link("Account"))
    expect(me.page.get_by_role("heading", name="Your account", exact=True)).to_be_visible()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", SIZES)
def test_one_tap_checks_in_and_the_extras_and_tags_follow(
    visit: Visit, clinic_people: ClinicPeople, viewport: dict[str, int]
) -> None:
    patient = clinic_people.patient
    me = visit(patient, name="patient", viewport=viewport)

    me.follow(me.nav_link("Check-in"))
    me.fits_the_screen()
    me.follow(me.page.get_by_role("button", name="Okay"))
    expect(me.page.get_by_role("status")).to_contain_text("Saved: Okay.")
    assert CheckIn.objects.get(patient=patient).mood == 5

    extras = me.page.locator("details.extras")
    expect(extras).to_have_attribute("open", "")
    me.page.get_by_role("group", name="What you did").get_by_text("Walk outside").click()
    me.page.get_by_role("group", name="How it felt").get_by_text("Calm").click()
    me.page.get_by_label("Add your own tag").fill("Pottery class")
    me.page.get_by_label("Hours slept").fill("8")
    me.fits_the_screen()
    me.follow(me.page.get_by_role("button", name="Save", exact=True))
    expect(me.page.get_by_role("status")).to_contain_text("Check-in saved.")
    check_in = CheckIn.objects.get(patient=patient)
    assert check_in.mood == 5 and check_in.sleep_hours == 8
    assert {tag.label or tag.key for tag in check_in.tags.all()} == {
        "walk-outside",
        "calm",
        "Pottery class",
    }

    # Later the same day a tap on another face keeps the extras.
    me.follow(me.nav_link("Check-in"))
    expect(
        me.page.get_by_role("group", name="What you did").get_by_label("Pottery class")
    ).to_be_checked()
    me.follow(me.page.get_by_role("button", name="Great"))
    check_in.refresh_from_db()
    assert check_in.mood == 9 and check_in.sleep_hours == 8 and check_in.tags.count() == 3


@pytest.mark.browser
@pytest.mark.parametrize("viewport", SIZES)
def test_the_account_page_changes_zone_and_address(
    visit: Visit, clinic_people: ClinicPeople, viewport: dict[str, int]
) -> None:
    patient = clinic_people.patient
    User.objects.filter(pk=patient.pk).update(timezone="Europe/Berlin")
    me = visit(patient, name="patient", viewport=viewport)

    me.follow(me.nav_link("Account"))
    zone = me.page.get_by_label("Your time zone")
    expect(zone).to_have_value("Europe/Berlin")  # their own choice is never overwritten
    me.page.get_by_role("button", name="Use this device’s zone").click()
    expect(zone).to_have_value(PEOPLE_TIMEZONE)
    me.page.get_by_label("Your name").fill("Pat P.")
    me.follow(me.page.get_by_role("button", name="Save profile"))
    expect(me.page.get_by_role("status")).to_contain_text("Your profile is saved.")
    saved = User.objects.get(pk=patient.pk)
    assert (saved.full_name, saved.timezone) == ("Pat P.", PEOPLE_TIMEZONE)

    me.follow(me.page.get_by_role("link", name="Change your e-mail address"))
    me.page.get_by_label("New e-mail address").fill("pat.new@example.test")
    me.page.get_by_label("Your password").fill(factories.PASSWORD)
    me.follow(me.page.get_by_role("button", name="Send the link"))
    expect(me.page.get_by_text("Waiting for you to confirm pat.new@example.test")).to_be_visible()
    found = re.search(r"https?://\S+(/account/email/confirm/\S+/)", mail.outbox[-1].body)
    assert found is not None
    me.goto(found[1])
    me.follow(me.page.get_by_role("button", name="Use pat.new@example.test"))
    expect(me.page.get_by_role("status")).to_contain_text(
        "you now sign in with pat.new@example.test"
    )
    assert User.objects.get(pk=patient.pk).email == "pat.new@example.test"
    me.fits_the_screen()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", SIZES)
def test_deleting_an_entry_can_be_undone_for_ten_seconds(
    visit: Visit, clinic_people: ClinicPeople, viewport: dict[str, int]
) -> None:
    patient = clinic_people.patient
    entry = factories.make_entry(patient, title="Low tide", body="Shells everywhere.")
    me = visit(patient, name="patient", viewport=viewport)

    me.goto(f"/journal/{entry.pk}/")
    me.follow(me.page.get_by_role("button", name="Delete"))
    expect(me.page.get_by_role("status")).to_contain_text("Entry deleted.")
    expect(me.page.get_by_role("link", name="Low tide")).to_have_count(0)
    me.follow(me.page.get_by_role("button", name="Undo"))
    expect(me.page.get_by_role("heading", name="Low tide")).to_be_visible()
    assert Entry.objects.filter(pk=entry.pk).exists()

    me.follow(me.page.get_by_role("button", name="Delete"))
    undo = me.page.get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    expect(undo).to_have_count(0, timeout=13_000)  # the countdown ends with the window
    expect(me.page.get_by_role("status")).to_contain_text("Entry deleted.")
    assert not Entry.objects.filter(pk=entry.pk).exists()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", SIZES)
def test_the_patient_downloads_everything_then_asks_to_delete_and_cancels(
    visit: Visit, clinic_people: ClinicPeople, viewport: dict[str, int]
) -> None:
    patient = clinic_people.patient
    factories.make_entry(patient, title="Harbour", body="The boats were still.")
    me = visit(patient, name="patient", viewport=viewport)

    me.follow(me.nav_link("Privacy"))
    me.follow(me.page.get_by_role("link", name="Download everything, or delete your account"))
    me.fits_the_screen()
    with me.page.expect_download() as download_info:
        me.page.get_by_role("link", name="Download your data").click()
    path = download_info.value.path()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        journal_json = next(name for name in archive.namelist() if name.endswith("journal.json"))
        entries = json.loads(archive.read(journal_json))
    assert entries[0]["body"] == "The boats were still."

    me.page.get_by_label("Your password").fill(factories.PASSWORD)
    me.page.get_by_label("I understand that after the waiting days").check()
    me.follow(me.page.get_by_role("button", name="Delete my account in 7 days"))
    expect(
        me.page.get_by_role("heading", name=re.compile("Your account will be erased on"))
    ).to_be_visible()
    assert AccountDeletion.objects.get(patient=patient).is_open

    me.follow(me.page.get_by_role("button", name="Cancel the deletion"))
    expect(me.page.get_by_role("status")).to_contain_text("Cancelled. Your account stays")
    assert not AccountDeletion.objects.get(patient=patient).is_open
