"""The safety plan and the crisis page in a real browser: written, printed, kept offline, and
forgotten on sign-out."""

from __future__ import annotations

import uuid
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from claywork.crisis import services
from tests import factories
from tests.browser.conftest import ClinicPeople, Visit, Visitor

PAGES_CACHE = "claywork-offline-pages-v1"


@pytest.fixture
def default_resources(transactional_db: None) -> None:
    # A transactional test empties every table afterwards, the seeded defaults included.
    migration = import_module("claywork.crisis.migrations.0002_default_resources")
    migration.add_defaults(apps, None)


def stored_paths(me: Visitor) -> list[str]:
    paths: list[str] = me.page.evaluate(
        """async (name) => {
             if (!(await caches.has(name))) { return []; }
             const cache = await caches.open(name);
             return (await cache.keys()).map((request) => new URL(request.url).pathname);
           }""",
        PAGES_CACHE,
    )
    return sorted(paths)


def wait_until_stored(me: Visitor, path: str, containing: str = "") -> None:
    me.page.wait_for_function(
        """async ([name, path, text]) => {
             const cache = await caches.open(name);
             const stored = await cache.match(path);
             return Boolean(stored) && (await stored.text()).includes(text);
           }""",
        arg=[PAGES_CACHE, path, containing],
    )


def wait_until_forgotten(me: Visitor) -> None:
    me.page.wait_for_function("async (name) => !(await caches.has(name))", arg=PAGES_CACHE)


def wait_for_service_worker(me: Visitor) -> None:
    me.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    me.page.wait_for_function("Boolean(navigator.serviceWorker.controller)")


def write_plan(me: Visitor) -> None:
    me.follow(me.page.get_by_role("link", name="Write my safety plan"))
    me.page.get_by_label("Warning signs").fill("Cancelling on friends twice in a row.")
    me.page.get_by_label("People I can ask for help").fill("Ines, my sister: 555-0199")
    me.follow(me.page.get_by_role("button", name="Save as a new version"))


@pytest.mark.browser
def test_the_plan_is_written_and_stays_readable_offline(
    visit: Visit, clinic_people: ClinicPeople, default_resources: None
) -> None:
    patient = clinic_people.patient
    me = visit(patient)
    me.goto("/safety-plan/")
    wait_for_service_worker(me)
    write_plan(me)
    expect(me.page.get_by_role("status")).to_contain_text("Saved as version 1")
    wait_until_stored(me, "/safety-plan/", containing="Cancelling on friends")
    wait_until_stored(me, "/help/", containing="Cancelling on friends")
    # A newer version written elsewhere: the page shown offline must be the stored copy.
    services.safety_plan_save(
        patient=patient,
        author=clinic_people.clinician,
        content={"warning_signs": "Written later, while this device was offline."},
        submission_id=uuid.uuid4(),
    )

    me.context.set_offline(True)
    me.reload()

    expect(me.page.get_by_text("Cancelling on friends twice in a row.")).to_be_visible()
    expect(me.page.get_by_text("You are offline.")).to_be_visible()
    expect(me.page.get_by_text("Written later")).to_have_count(0)
    expect(me.page.get_by_text("Saved as version 1")).to_be_hidden()
    # The stylesheet came from the stored copy too (the help link keeps its colours).
    background = me.page.locator(".help-link").evaluate(
        "(link) => getComputedStyle(link).backgroundColor"
    )
    assert background == "rgb(47, 93, 80)"

    me.goto("/help/")
    expect(me.page.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(me.page.get_by_text("Ines, my sister: 555-0199")).to_be_visible()
    expect(me.page.get_by_text("Cara Clinician")).to_be_visible()

    # Any other page offline: the app shell says so and links the two pages that work.
    me.goto("/journal/")
    expect(me.page.get_by_role("heading", name="You are offline")).to_be_visible()
    me.follow(me.page.get_by_role("link", name="My safety plan"))
    expect(me.page.get_by_text("Cancelling on friends twice in a row.")).to_be_visible()

    me.context.set_offline(False)
    me.goto("/safety-plan/")
    expect(me.page.get_by_text("Written later")).to_be_visible()
    expect(me.page.get_by_text("You are offline.")).to_be_hidden()


@pytest.mark.browser
def test_signing_out_removes_the_offline_copy(
    visit: Visit, clinic_people: ClinicPeople, default_resources: None
) -> None:
    patient = clinic_people.patient
    services.safety_plan_save(
        patient=patient,
        author=patient,
        content={"helpers": "Ines, my sister: 555-0199"},
        submission_id=uuid.uuid4(),
    )
    me = visit(patient)
    me.goto("/safety-plan/")
    wait_for_service_worker(me)
    wait_until_stored(me, "/safety-plan/")
    me.goto("/journal/")  # sign out from a page that does not load offline.js

    me.follow(me.page.get_by_role("button", name="Sign out"))

    wait_until_forgotten(me)
    assert stored_paths(me) == []


@pytest.mark.browser
def test_a_session_that_ended_elsewhere_removes_the_offline_copy(
    visit: Visit, clinic_people: ClinicPeople, default_resources: None
) -> None:
    patient = clinic_people.patient
    services.safety_plan_save(
        patient=patient,
        author=patient,
        content={"helpers": "Ines, my sister: 555-0199"},
        submission_id=uuid.uuid4(),
    )
    me = visit(patient)
    me.goto("/safety-plan/")
    wait_for_service_worker(me)
    wait_until_stored(me, "/safety-plan/")

    me.context.clear_cookies()  # the session expired, or was ended on another tab
    me.goto("/safety-plan/")

    assert "/accounts/login/" in me.page.url
    wait_until_forgotten(me)


@pytest.mark.browser
def test_the_patient_can_stop_keeping_a_copy_on_this_device(
    visit: Visit, clinic_people: ClinicPeople, default_resources: None
) -> None:
    patient = clinic_people.patient
    services.safety_plan_save(
        patient=patient,
        author=patient,
        content={"helpers": "Ines, my sister: 555-0199"},
        submission_id=uuid.uuid4(),
    )
    me = visit(patient)
    me.goto("/safety-plan/")
    wait_until_stored(me, "/safety-plan/")

    me.page.get_by_role("button", name="Do not keep a copy on this device").click()

    expect(me.page.get_by_text("No copy of your plan is kept on this device.")).to_be_visible()
    me.audit()
    wait_until_forgotten(me)
    me.reload()
    assert stored_paths(me) == []
    assert me.page.evaluate("navigator.serviceWorker.getRegistrations()") == []


@pytest.mark.browser
def test_the_plan_prints_without_the_site_around_it(
    visit: Visit, clinic_people: ClinicPeople, default_resources: None
) -> None:
    patient = clinic_people.patient
    services.safety_plan_save(
        patient=patient,
        author=patient,
        content={"warning_signs": "Not sleeping."},
        submission_id=uuid.uuid4(),
    )
    me = visit(patient)
    me.goto("/safety-plan/")
    print_button = me.page.get_by_role("button", name="Print")
    expect(print_button).to_be_visible()

    me.follow(me.page.get_by_role("link", name="Printable version"))
    me.page.emulate_media(media="print")

    expect(me.page.locator(".site-header")).to_be_hidden()
    expect(me.page.get_by_role("button", name="Print")).to_be_hidden()
    expect(me.page.get_by_text("Not sleeping.")).to_be_visible()
    expect(me.page.get_by_role("heading", name="If I am in danger now")).to_be_visible()


@pytest.mark.browser
def test_the_clinician_revises_the_plan_with_the_patient(
    visit: Visit, clinic_people: ClinicPeople, default_resources: None
) -> None:
    patient = clinic_people.patient
    services.safety_plan_save(
        patient=patient,
        author=patient,
        content={"warning_signs": "Not sleeping."},
        submission_id=uuid.uuid4(),
    )
    guide = visit(clinic_people.clinician)
    guide.goto(f"/patients/{patient.pk}/")
    guide.follow(guide.page.get_by_role("link", name="Safety plan"))
    guide.follow(guide.page.get_by_role("link", name="Revise the plan"))
    guide.page.get_by_label("Making my surroundings safer").fill("Ines keeps the pills.")
    guide.follow(guide.page.get_by_role("button", name="Save as a new version"))

    expect(guide.page.get_by_text("Version 2, saved")).to_contain_text("by you")
    guide.follow(guide.page.get_by_role("link", name="Version 1"))
    expect(guide.page.get_by_text("This is an earlier version")).to_be_visible()

    me = visit(patient)
    me.goto("/safety-plan/")
    expect(me.page.get_by_text("Version 2, saved")).to_contain_text("Cara Clinician (care team)")
    expect(me.page.get_by_text("Ines keeps the pills.")).to_be_visible()


@pytest.mark.browser
def test_grounding_from_the_crisis_page_with_a_pacer_that_respects_reduced_motion(
    visit: Visit, transactional_db: None, default_resources: None
) -> None:
    me = visit(None, name="anonymous")
    me.goto("/help/")
    expect(me.page.get_by_role("link", name="Text HOME to 741741")).to_have_attribute(
        "href", "sms:741741?&body=HOME"
    )
    me.follow(me.page.get_by_role("link", name="Box breathing"))
    me.page.get_by_text("Show a breathing pacer").click()
    shape = me.page.locator(".pacer-shape")
    expect(shape).to_be_visible()
    me.audit()
    assert shape.evaluate("(el) => getComputedStyle(el).animationName") == "pacer-box"

    me.page.emulate_media(reduced_motion="reduce")

    expect(shape).to_be_hidden()
    expect(me.page.get_by_text("the pacer stays still")).to_be_visible()
    assert shape.evaluate("(el) => getComputedStyle(el).animationName") == "none"


@pytest.mark.browser
def test_the_clinic_admin_replaces_the_default_list(
    visit: Visit, clinic_people: ClinicPeople, default_resources: None
) -> None:
    admin = factories.ClinicAdminFactory(clinic=clinic_people.patient.clinic)
    me = visit(admin)
    me.goto("/clinic/crisis-resources/")
    first = me.page.locator("fieldset").first
    first.get_by_label("Name").fill("Harbour crisis line")
    first.get_by_label("Phone (call)").fill("0800 123 456")
    me.follow(me.page.get_by_role("button", name="Save the list"))
    expect(me.page.get_by_role("status")).to_contain_text("Crisis resources saved")

    patient = visit(clinic_people.patient)
    patient.goto("/help/")
    expect(patient.page.get_by_role("link", name="Call 0800 123 456")).to_have_attribute(
        "href", "tel:0800123456"
    )
