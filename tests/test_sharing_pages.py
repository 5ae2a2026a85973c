"""Sharing from the entry and goal pages, the sharing page, the support person's feed and the
care team's page: what each reader sees, that reads are audited, and constant query counts."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claywork.audit.models import AuditEvent
from claywork.clinics import consent
from claywork.measures import services as measures
from claywork.measures.selectors import patient_today
from claywork.practice import services as practice
from claywork.practice.models import Goal
from claywork.sharing import services
from claywork.sharing.models import Category, Share
from tests import factories
from tests.conftest import Personas, client_for


@pytest.fixture
def circle(personas: Personas) -> Personas:
    """The support persona accepted the patient's invitation (tests/conftest.py)."""
    return personas


def _goal(personas: Personas, title: str = "Draw for ten minutes") -> Goal:
    goal, _ = practice.goal_create(
        patient=personas.patient,
        realm="body",
        title=title,
        cadence="daily",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    return goal


# --- The patient shares and revokes ---------------------------------------------------------


def test_entries_are_private_by_default_and_say_so(circle: Personas) -> None:
    page = client_for(circle.patient).get(f"/journal/{circle.entry.pk}/").content.decode()

    assert "Private: only you can see this." in page
    assert not Share.objects.exists()


def test_patient_shares_an_entry_from_its_page_and_revokes_it_there(circle: Personas) -> None:
    p = circle
    client = client_for(p.patient)
    audience = f"person:{p.support_person.pk}"

    response = client.post(f"/sharing/entries/{p.entry.pk}/", {"audience": audience})
    client.post(f"/sharing/entries/{p.entry.pk}/", {"audience": audience})

    assert response.status_code == 302
    share = Share.objects.get()
    assert (share.person_id, share.entry_id) == (p.support_person.pk, p.entry.pk)
    assert "Shared with Sue Support since" in client.get(f"/journal/{p.entry.pk}/").content.decode()

    revoked = client.post(f"/sharing/{share.pk}/revoke/", {"return_to": "item"})

    assert revoked["Location"] == f"/journal/{p.entry.pk}/"
    assert client_for(p.support_person).get(f"/journal/{p.entry.pk}/").status_code == 404


def test_sharing_with_someone_outside_the_circle_changes_nothing(circle: Personas) -> None:
    p = circle
    client = client_for(p.patient)

    for audience in (f"person:{p.other_patient.pk}", "person:999999", "everyone", ""):
        client.post(f"/sharing/entries/{p.entry.pk}/", {"audience": audience})

    assert not Share.objects.exists()


def test_patient_shares_a_goal_with_the_care_team_from_the_goals_page(circle: Personas) -> None:
    p = circle
    goal = _goal(p)
    client = client_for(p.patient)
    assert "Share with" in client.get("/goals/").content.decode()

    client.post(f"/sharing/goals/{goal.pk}/", {"audience": "care_team"})

    assert Share.objects.get().goal_id == goal.pk
    page = client_for(p.care_clinician).get(f"/patients/{p.patient.pk}/shared/").content.decode()
    assert "Draw for ten minutes" in page


def test_sharing_page_lists_what_with_whom_and_revokes_in_one_click(circle: Personas) -> None:
    p = circle
    entry_share = services.share_item(patient=p.patient, item=p.entry, person=p.support_person)
    services.share_category(patient=p.patient, category=Category.SESSION_DATES, care_team=True)
    client = client_for(p.patient)

    page = client.get("/sharing/").content.decode()

    assert "A reflection" in page and "Sue Support" in page
    assert "Session dates" in page and "My care team" in page
    response = client.post(f"/sharing/{entry_share.pk}/revoke/", {"return_to": "sharing"})
    assert response["Location"] == "/sharing/"
    assert Share.objects.filter(revoked_at__isnull=True).count() == 1
    assert "Recently stopped" in client.get("/sharing/").content.decode()


def test_a_standing_share_from_the_sharing_page_is_a_recorded_consent(circle: Personas) -> None:
    p = circle
    client = client_for(p.patient)

    response = client.post("/sharing/", {"category": "weekly_mood", "audience": "care_team"})

    assert response.status_code == 302
    share = Share.objects.get(category="weekly_mood")
    assert share.care_team
    assert consent.consent_is_given(p.patient, consent.SHARE, "weekly_mood:care_team")
    client.post(f"/sharing/{share.pk}/revoke/", {"return_to": "sharing"})
    assert not consent.consent_is_given(p.patient, consent.SHARE, "weekly_mood:care_team")


def test_no_one_revokes_another_patients_share(circle: Personas) -> None:
    p = circle
    share = services.share_item(patient=p.patient, item=p.entry, care_team=True)

    for other in (p.other_patient, p.care_clinician, p.support_person, p.clinic_admin):
        assert client_for(other).post(f"/sharing/{share.pk}/revoke/").status_code == 404

    share.refresh_from_db()
    assert share.is_live


# --- What readers see -----------------------------------------------------------------------


def test_support_feed_shows_only_what_is_shared_with_them_newest_first(
    circle: Personas,
) -> None:
    p = circle
    older = factories.make_entry(p.patient, title="Older shared", body="The first shared words.")
    newer = factories.make_entry(p.patient, title="Newer shared", body="The second shared words.")
    care_only = factories.make_entry(p.patient, title="For my team", body="Only for the team.")
    services.share_item(patient=p.patient, item=older, person=p.support_person)
    services.share_item(patient=p.patient, item=newer, person=p.support_person)
    services.share_item(patient=p.patient, item=care_only, care_team=True)
    revoked = services.share_item(patient=p.patient, item=p.entry, person=p.support_person)
    services.share_revoke(patient=p.patient, share=revoked)

    page = client_for(p.support_person).get(f"/supporting/{p.patient.pk}/").content.decode()

    assert page.index("The second shared words.") < page.index("The first shared words.")
    assert "Only for the team." not in page
    assert "I noticed the ocean again." not in page


def test_standing_shares_show_numbers_and_dates_not_notes(circle: Personas) -> None:
    p = circle
    measures.check_in_save(
        patient=p.patient,
        day=patient_today(p.patient),
        values=measures.CheckInValues(7, 3, 6, Decimal("7"), note="A private check-in note."),
    )
    goal = _goal(p, "Call Ana each week")
    practice.goal_check(goal=goal, day=patient_today(p.patient))
    for category in Category.values:
        services.share_category(patient=p.patient, category=category, person=p.support_person)

    page = client_for(p.support_person).get(f"/supporting/{p.patient.pk}/").content.decode()

    assert "<strong>7.0</strong> of 10" in page
    assert "Call Ana each week" in page
    assert "Weekly mood" in page and "Session dates" in page
    assert "A private check-in note." not in page
    assert "A calm session." not in page  # the debrief of a completed session


def test_reading_shared_things_is_audited_for_support_and_care_team(circle: Personas) -> None:
    p = circle
    services.share_item(patient=p.patient, item=p.entry, person=p.support_person)
    services.share_item(patient=p.patient, item=p.entry, care_team=True)

    client_for(p.support_person).get(f"/supporting/{p.patient.pk}/")
    client_for(p.care_clinician).get(f"/patients/{p.patient.pk}/shared/")
    client_for(p.patient).get("/sharing/")

    events = list(AuditEvent.objects.order_by("pk").values_list("actor_id", "resource", "action"))
    assert (p.support_person.pk, "sharing.feed", "read") in events
    assert (p.care_clinician.pk, "sharing.care_team", "read") in events
    assert all(actor != p.patient.pk for actor, _, _ in events)


def test_care_team_page_is_for_the_care_team_only(circle: Personas) -> None:
    p = circle
    services.share_item(patient=p.patient, item=p.entry, care_team=True)

    assert client_for(p.care_clinician).get(f"/patients/{p.patient.pk}/shared/").status_code == 200
    for other in (p.outside_clinician, p.other_clinic_clinician, p.clinic_admin, p.support_person):
        response = client_for(other).get(f"/patients/{p.patient.pk}/shared/")
        assert response.status_code == 404
        assert "I noticed the ocean again." not in response.content.decode()


def test_a_person_share_does_not_reach_the_care_team_page(circle: Personas) -> None:
    p = circle
    services.share_item(patient=p.patient, item=p.entry, person=p.support_person)

    page = client_for(p.care_clinician).get(f"/patients/{p.patient.pk}/shared/").content.decode()

    assert "I noticed the ocean again." not in page
    assert "Nothing is shared with the care team right now." in page


# --- Query counts ---------------------------------------------------------------------------


def _share_many(p: Personas, count: int) -> None:
    for n in range(count):
        entry = factories.make_entry(p.patient, title=f"Entry {n}", tags=[f"tag{n}", "shared"])
        services.share_item(patient=p.patient, item=entry, person=p.support_person)
        services.share_item(patient=p.patient, item=entry, care_team=True)
        goal = _goal(p, f"Goal {n}")
        practice.goal_check(goal=goal, day=patient_today(p.patient) - timedelta(days=n))
        services.share_item(patient=p.patient, item=goal, person=p.support_person)
        services.share_item(patient=p.patient, item=goal, care_team=True)
        measures.check_in_save(
            patient=p.patient,
            day=patient_today(p.patient) - timedelta(days=n),
            values=measures.CheckInValues(5, 4, 6, Decimal("7"), note=""),
        )
    for category in Category.values:
        services.share_category(patient=p.patient, category=category, person=p.support_person)
        services.share_category(patient=p.patient, category=category, care_team=True)


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("reader", "url"),
    [
        ("support_person", "/supporting/{patient}/"),
        ("care_clinician", "/patients/{patient}/shared/"),
    ],
)
def test_shared_pages_run_a_constant_number_of_queries(
    circle: Personas, reader: str, url: str
) -> None:
    p = circle
    client = client_for(getattr(p, reader))
    url = url.format(patient=p.patient.pk)
    _share_many(p, 2)
    few = _queries(client, url)

    _share_many(p, 8)
    many = _queries(client, url)

    assert many == few


def test_goals_page_runs_a_constant_number_of_queries_whatever_is_shared(
    circle: Personas,
) -> None:
    p = circle
    client = client_for(p.patient)
    first = _goal(p, "One")
    services.share_item(patient=p.patient, item=first, person=p.support_person)
    one = _queries(client, "/goals/")
    for n in range(4):
        goal = _goal(p, f"More {n}")
        services.share_item(patient=p.patient, item=goal, care_team=True)
        services.share_item(patient=p.patient, item=goal, person=p.support_person)

    five = _queries(client, "/goals/")

    assert five == one


def test_share_buttons_carry_a_working_csrf_token(circle: Personas) -> None:
    p = circle
    client = Client(enforce_csrf_checks=True)
    client.force_login(p.patient)
    page = client.get(f"/journal/{p.entry.pk}/").content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)

    response = client.post(
        f"/sharing/entries/{p.entry.pk}/",
        {"audience": f"person:{p.support_person.pk}", "csrfmiddlewaretoken": tokens[-1]},
    )

    assert response.status_code == 302
    assert Share.objects.filter(entry=p.entry, person=p.support_person).exists()


def test_the_feed_pages_through_older_shares(circle: Personas) -> None:
    from claywork.sharing.selectors import FEED_LIMIT

    p = circle
    for n in range(FEED_LIMIT + 3):
        entry = factories.make_entry(p.patient, title=f"Numbered {n:02}", body=f"Words {n:02}.")
        services.share_item(patient=p.patient, item=entry, person=p.support_person)
    client = client_for(p.support_person)

    first = client.get(f"/supporting/{p.patient.pk}/").content.decode()
    older = re.search(r'href="\?before=(\d+)"', first)
    assert older is not None
    second = client.get(f"/supporting/{p.patient.pk}/?before={older.group(1)}").content.decode()

    shown = [set(re.findall(r"Words (\d\d)\.", page)) for page in (first, second)]
    assert shown[0] == {f"{n:02}" for n in range(3, FEED_LIMIT + 3)}
    assert shown[1] == {"00", "01", "02"}
    assert "?before=" not in second


def test_the_care_record_links_to_what_the_patient_shares_with_the_care_team(
    circle: Personas,
) -> None:
    p = circle
    page = client_for(p.care_clinician).get(f"/patients/{p.patient.pk}/").content.decode()

    assert f'href="/patients/{p.patient.pk}/shared/"' in page
