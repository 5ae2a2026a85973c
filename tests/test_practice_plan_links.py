"""Journal entries feed the integration plan: an entry links to a realm or a goal, the plan page
shows the linked insights per realm and goal, and goals can be edited or removed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.accounts.models import User
from claywork.journal import services as journal
from claywork.journal.models import Draft, Entry
from claywork.practice import services
from claywork.practice.models import Goal, GoalCheck
from claywork.practice.selectors import plan_links
from tests import factories
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def _goal(patient: User, title: str = "Draw for ten minutes", realm: str = "mind") -> Goal:
    goal, _ = services.goal_create(
        patient=patient,
        realm=realm,
        title=title,
        cadence="daily",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    return goal


def _entry_data(**changes: str) -> dict[str, str]:
    return {
        "kind": "insight",
        "title": "",
        "body": "Drawing loosened something in my chest today.",
        "tags": "",
        "realm": "",
        "goal": "",
        "submission_id": str(uuid.uuid4()),
    } | changes


def _linked(patient: User, *, title: str = "", realm: str = "", goal: Goal | None = None) -> Entry:
    entry, _ = journal.entry_create(
        patient=patient,
        content=journal.EntryContent(
            kind="insight",
            title=title,
            body="Words that came after the session, and stayed.",
            tags=[],
            realm=realm,
            goal=goal,
        ),
        submission_id=uuid.uuid4(),
    )
    return entry


# --- Linking an entry -------------------------------------------------------------------------


def test_patient_links_a_new_entry_to_a_realm_and_one_of_their_goals(personas: Personas) -> None:
    goal = _goal(personas.patient)
    client = client_for(personas.patient)

    form = client.get("/journal/new/").content.decode()
    response = client.post("/journal/new/", _entry_data(realm="body", goal=str(goal.pk)))

    assert "Draw for ten minutes" in form  # the patient's goals are offered by title
    assert response.status_code == 302
    entry = Entry.objects.filter(patient=personas.patient).latest("pk")
    assert (entry.realm, entry.goal_id) == ("body", goal.pk)
    detail = client.get(f"/journal/{entry.pk}/").content.decode()
    assert "Feeds your" in detail and "Draw for ten minutes" in detail


@pytest.mark.parametrize("foreign", ["other_patients_goal", "unknown"])
def test_a_foreign_or_unknown_goal_is_a_form_error_and_the_words_are_kept(
    personas: Personas, foreign: str
) -> None:
    others = _goal(personas.other_patient, title="Olive's goal")
    goal_id = str(others.pk) if foreign == "other_patients_goal" else "999999"
    before = Entry.objects.count()

    response = client_for(personas.patient).post(
        "/journal/new/", _entry_data(goal=goal_id, body="Words I must not lose.")
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "That goal is not one of yours any more." in page
    assert "Olive&#x27;s goal" not in page and "Olive's goal" not in page
    assert Entry.objects.count() == before
    draft = Draft.objects.get(patient=personas.patient, draft_key="new-s0-p0")
    assert "Words I must not lose." in draft.content


def test_the_service_refuses_another_patients_goal(personas: Personas) -> None:
    others = _goal(personas.other_patient)

    with pytest.raises(ValueError, match="own goal"):
        _linked(personas.patient, goal=others)


def test_write_about_this_prefills_the_goal_or_realm(personas: Personas) -> None:
    goal = _goal(personas.patient)
    client = client_for(personas.patient)

    from_goal = client.get(f"/journal/new/?goal={goal.pk}").content.decode()
    from_realm = client.get("/journal/new/?realm=relationships").content.decode()

    assert f'<option value="{goal.pk}" selected>' in from_goal
    assert '<option value="relationships" selected>' in from_realm


def test_editing_an_entry_changes_or_clears_its_link(personas: Personas) -> None:
    goal = _goal(personas.patient)
    entry = _linked(personas.patient, realm="body", goal=goal)
    client = client_for(personas.patient)

    assert (
        f'<option value="{goal.pk}" selected>'
        in client.get(f"/journal/{entry.pk}/edit/").content.decode()
    )
    client.post(f"/journal/{entry.pk}/edit/", _entry_data(realm="spirit"))

    entry.refresh_from_db()
    assert (entry.realm, entry.goal_id) == ("spirit", None)


# --- The plan page ----------------------------------------------------------------------------


def test_plan_page_shows_linked_insights_per_realm_and_goal(personas: Personas) -> None:
    goal = _goal(personas.patient, realm="mind")
    titled = _linked(personas.patient, title="The half-open door", realm="mind")
    untitled = _linked(personas.patient, goal=goal)
    _linked(personas.patient)  # not linked: not shown

    links = {realm.realm: realm for realm in plan_links(patient_id=personas.patient.pk)}
    page = client_for(personas.patient).get("/plan/").content.decode()

    assert [linked.entry_id for linked in links["mind"].entries] == [titled.pk]
    (goal_links,) = links["mind"].goals
    assert [linked.entry_id for linked in goal_links.entries] == [untitled.pk]
    assert goal_links.entries[0].words == "Words that came after the session, and stayed."
    assert links["body"].entries == [] and links["body"].goals == []
    assert f'href="/journal/{titled.pk}/"' in page and "The half-open door" in page
    assert f'href="/journal/{untitled.pk}/"' in page
    assert f'href="/journal/new/?goal={goal.pk}"' in page
    assert 'href="/journal/new/?realm=mind"' in page


def test_opening_words_are_cut_to_ten(personas: Personas) -> None:
    entry, _ = journal.entry_create(
        patient=personas.patient,
        content=journal.EntryContent(
            kind="insight",
            title="",
            body="one two three four five six seven eight nine ten eleven twelve",
            tags=[],
            realm="body",
        ),
        submission_id=uuid.uuid4(),
    )
    links = {realm.realm: realm for realm in plan_links(patient_id=personas.patient.pk)}

    assert links["body"].entries[0].words == "one two three four five six seven eight nine ten…"
    assert links["body"].entries[0].entry_id == entry.pk


def test_plan_page_takes_the_same_queries_for_one_or_many_linked_entries(
    personas: Personas, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page
    client = client_for(personas.patient)
    goal = _goal(personas.patient)
    _linked(personas.patient, realm="body", goal=goal)
    client.get("/plan/")  # warm the key cache and the session
    with CaptureQueriesContext(connection) as few:
        client.get("/plan/")
    for realm in ("body", "mind", "emotions", "spirit"):
        more = _goal(personas.patient, realm=realm, title=f"A goal about {realm}")
        for _ in range(3):
            _linked(personas.patient, realm=realm, goal=more, title=f"On {realm}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/plan/").content.decode()

    assert page.count("On body") == 6  # three under the realm, three under its goal
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


def test_linked_insights_are_the_patients_alone(personas: Personas) -> None:
    _linked(personas.other_patient, title="Olive's insight", realm="body")

    page = client_for(personas.patient).get("/plan/").content.decode()

    assert "Olive" not in page


# --- Goals: edit and remove -------------------------------------------------------------------


def test_patient_edits_a_goal(personas: Personas) -> None:
    goal = _goal(personas.patient)
    client = client_for(personas.patient)
    assert client.get(f"/goals/{goal.pk}/edit/").status_code == 200

    response = client.post(
        f"/goals/{goal.pk}/edit/",
        {"title": "Draw for five minutes", "realm": "emotions", "cadence": "weekly", "per_week": 3},
    )

    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.realm, goal.cadence, goal.per_week) == (
        "Draw for five minutes",
        "emotions",
        "weekly",
        3,
    )


def test_a_goal_edit_with_bad_input_is_rejected(personas: Personas) -> None:
    goal = _goal(personas.patient)

    response = client_for(personas.patient).post(
        f"/goals/{goal.pk}/edit/",
        {"title": " ", "realm": "body", "cadence": "daily", "per_week": 9},
    )

    assert response.status_code == 400
    goal.refresh_from_db()
    assert goal.title == "Draw for ten minutes"


def test_removing_a_goal_keeps_its_journal_entries(personas: Personas) -> None:
    goal = _goal(personas.patient)
    services.goal_check(goal=goal, day=factories.timezone.now().date())
    entry = _linked(personas.patient, realm="mind", goal=goal)

    response = client_for(personas.patient).post(f"/goals/{goal.pk}/delete/")

    assert response.status_code == 302
    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert not GoalCheck.objects.filter(goal_id=goal.pk).exists()
    entry.refresh_from_db()
    assert (entry.goal_id, entry.realm) == (None, "mind")
    assert entry.body == "Words that came after the session, and stayed."


@pytest.mark.parametrize("path", ["/goals/{goal}/edit/", "/goals/{goal}/delete/"])
def test_patient_cannot_edit_or_remove_another_patients_goal(personas: Personas, path: str) -> None:
    goal = _goal(personas.other_patient)
    client = client_for(personas.patient)

    response = client.post(path.format(goal=goal.pk), {"title": "Mine now", "realm": "body"})

    assert response.status_code == 404
    goal.refresh_from_db()
    assert goal.title == "Draw for ten minutes"
