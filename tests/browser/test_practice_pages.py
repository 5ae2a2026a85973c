"""The integration plan, goals, practices and reminder settings in a real browser, on a desktop
and on a narrow phone screen: rate the realms and see the wheel drawn, add and check off a
goal and see it celebrated, write about it and find the entry on the plan, log a practice in
one tap and see the week's summary, and ask to be reminded of a goal."""

from __future__ import annotations

import pytest
from django.apps import apps
from playwright.sync_api import Locator, expect

from claywork.journal.models import Entry
from claywork.practice.catalogue import sync_catalogue
from claywork.practice.models import Goal, PracticeLog, RealmRating
from claywork.reminders.models import ReminderPreferences, Routine
from tests.browser.conftest import PHONE, ClinicPeople, Visit, Visitor


@pytest.fixture
def catalogue(transactional_db: None) -> None:
    # A transactional test empties every table afterwards, the seeded catalogue included.
    sync_catalogue(apps.get_model("practice", "Practice"))


def card(me: Visitor, heading: str) -> Locator:
    """The card of one goal or practice, found by its heading."""
    return me.page.locator("li.card").filter(
        has=me.page.get_by_role("heading", name=heading, exact=True)
    )


def rate_realms_and_see_the_wheel(me: Visitor) -> None:
    me.follow(me.nav_link("Plan"))
    me.page.get_by_role("spinbutton", name="Body").fill("6")
    me.page.get_by_role("spinbutton", name="Relationships").fill("8")
    me.follow(me.page.get_by_role("button", name="Save today’s ratings"))
    expect(me.page.get_by_text("Saved. Thank you for checking in with yourself.")).to_be_visible()
    canvas = me.page.locator("canvas[data-wheel-source=wheel-data]")
    expect(canvas).to_be_visible()
    assert canvas.evaluate("(element) => Boolean(window.Chart.getChart(element))")
    expect(me.page.get_by_role("table", name="Your ratings, newest first")).to_contain_text("8")


def add_and_check_off_a_goal(me: Visitor, title: str) -> None:
    me.goto("/goals/")
    me.page.get_by_label("Your goal").fill(title)
    me.page.get_by_label("Realm").select_option(label="Relationships")
    me.page.get_by_label("Cadence").select_option(label="Each week")
    me.follow(me.page.get_by_role("button", name="Add goal"))
    expect(me.page.get_by_text("Goal added. Start small; every step counts.")).to_be_visible()
    me.follow(card(me, title).get_by_role("button", name="I did it today"))
    expect(me.page.get_by_text("Done. A small win, and it counts.")).to_be_visible()
    expect(card(me, title)).to_contain_text("1 week in your current run")


def log_practices_and_see_the_week(me: Visitor) -> None:
    me.follow(me.nav_link("Practices"))
    me.follow(card(me, "Nature walk").get_by_role("button", name="I did this"))
    expect(me.page.get_by_text("Logged: Nature walk. Well done.")).to_be_visible()
    meditation = card(me, "Meditation")
    meditation.get_by_text("Add minutes or a note").click()
    meditation.get_by_label("Minutes (optional)").fill("10")
    me.follow(meditation.get_by_role("button", name="I did this"))
    week = me.page.get_by_role("region", name="Your week")
    expect(week).to_contain_text("Nature walk: 1 time")
    expect(week).to_contain_text("Meditation: 1 time, 10 min")
    expect(week).to_contain_text("You practised on 1 day, 10 minutes in all.")


@pytest.mark.browser
def test_patient_rates_the_plan_keeps_a_goal_and_writes_about_it(
    visit: Visit, clinic_people: ClinicPeople, catalogue: None
) -> None:
    patient = clinic_people.patient
    me = visit(patient, name="patient")

    rate_realms_and_see_the_wheel(me)
    assert dict(RealmRating.objects.values_list("realm", "rating")) == {
        "body": 6,
        "relationships": 8,
    }
    add_and_check_off_a_goal(me, "Call one friend")
    goal = Goal.objects.get(patient=patient)
    assert goal.checks.count() == 1

    # "Write about this" opens the journal with the goal chosen; the plan then shows the entry.
    me.follow(card(me, "Call one friend").get_by_role("link", name="Write about this"))
    expect(me.page.get_by_label("Feeds this goal")).to_have_value(str(goal.pk))
    me.page.get_by_label("Your words").fill("Talking to Jo made the week lighter.")
    me.follow(me.page.get_by_role("button", name="Save entry"))
    expect(me.page.get_by_text("Feeds your integration plan")).to_be_visible()
    entry = Entry.objects.get(patient=patient)
    assert entry.goal_id == goal.pk
    me.follow(me.nav_link("Plan"))
    relationships = me.page.get_by_role("region", name="Relationships")
    expect(relationships.get_by_role("heading", name="Goal: Call one friend")).to_be_visible()
    me.follow(relationships.get_by_role("link", name="Talking to Jo made the week lighter."))
    assert me.page.url == me.url(f"/journal/{entry.pk}/")


@pytest.mark.browser
def test_patient_logs_practices_in_one_tap_and_sees_the_week(
    visit: Visit, clinic_people: ClinicPeople, catalogue: None
) -> None:
    me = visit(clinic_people.patient, name="patient")

    log_practices_and_see_the_week(me)

    assert PracticeLog.objects.filter(patient=clinic_people.patient).count() == 2


@pytest.mark.browser
def test_patient_chooses_reminders_and_one_for_a_goal(
    visit: Visit, clinic_people: ClinicPeople, catalogue: None
) -> None:
    patient = clinic_people.patient
    me = visit(patient, name="patient")
    add_and_check_off_a_goal(me, "Stretch in the morning")

    me.follow(me.nav_link("Reminders"))
    me.follow(me.page.get_by_role("link", name="Reminder settings"))
    me.page.get_by_label("Daily check-in reminder at").fill("20:00")
    me.page.get_by_label("When a questionnaire is due, remind me at").fill("18:00")
    me.page.get_by_role("checkbox", name="Practices you asked to be reminded of").uncheck()
    me.follow(me.page.get_by_role("button", name="Save", exact=True))
    expect(me.page.get_by_text("Your reminder settings are saved.")).to_be_visible()
    prefs = ReminderPreferences.objects.get(patient=patient)
    assert (str(prefs.check_in_time), str(prefs.scale_due_time)) == ("20:00:00", "18:00:00")
    assert (prefs.goal, prefs.practice) == (True, False)

    me.goto("/goals/")
    me.follow(card(me, "Stretch in the morning").get_by_role("link", name="Remind me"))
    me.page.get_by_label("Time of day").fill("07:30")
    me.page.get_by_role("checkbox", name="Saturday").uncheck()
    me.page.get_by_role("checkbox", name="Sunday").uncheck()
    me.follow(me.page.get_by_role("button", name="Save reminder"))
    expect(me.page.get_by_text("Reminder on weekdays at 07:30.")).to_be_visible()
    routine = Routine.objects.get(patient=patient)
    assert routine.days == [0, 1, 2, 3, 4]

    # A time inside the quiet hours is refused with a reason.
    me.follow(card(me, "Stretch in the morning").get_by_role("link", name="Change reminder"))
    me.page.get_by_label("Time of day").fill("23:00")
    me.follow(me.page.get_by_role("button", name="Save reminder"))
    expect(me.page.get_by_text("That time is in your quiet hours")).to_be_visible()
    me.follow(me.page.get_by_role("button", name="Turn this reminder off"))
    expect(me.page.get_by_text("Reminder turned off.")).to_be_visible()
    assert not Routine.objects.exists()


@pytest.mark.browser
def test_plan_goals_practices_and_reminders_work_on_a_phone(
    visit: Visit, clinic_people: ClinicPeople, catalogue: None
) -> None:
    me = visit(clinic_people.patient, name="patient on a phone")
    me.page.set_viewport_size(PHONE)

    rate_realms_and_see_the_wheel(me)
    me.fits_the_screen()
    add_and_check_off_a_goal(me, "Ten minutes of drawing")
    me.fits_the_screen()
    me.follow(card(me, "Ten minutes of drawing").get_by_role("link", name="Remind me"))
    me.fits_the_screen()
    me.page.get_by_label("Time of day").fill("19:00")
    me.follow(me.page.get_by_role("button", name="Save reminder"))
    expect(me.page.get_by_text("Reminder every day at 19:00.")).to_be_visible()
    log_practices_and_see_the_week(me)
    me.fits_the_screen()
