"""The patient pages kept rendered in memory (core/page_cache.py, decision 0017): never stale
after a write, never another patient's, never in the shared cache."""

from __future__ import annotations

import base64
import pickle
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from claywork.accounts.models import User
from claywork.audit.models import AuditEvent
from claywork.core import page_cache
from claywork.journal import services as journal
from claywork.journal.models import Entry
from claywork.measures.models import CheckIn
from claywork.measures.selectors import patient_today
from claywork.practice import services as practice
from tests import factories
from tests.conftest import Personas
from tests.page_cache_support import (
    DB_CACHE,
    body,
    check_in_from_another_process,
    signed_in,
    uncached,
)

PAGES = ["/", "/journal/", "/check-in/", "/plan/", "/practices/"]


def _progress_url(user: User) -> str:
    return f"/patients/{user.pk}/progress/"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*PAGES, "progress"])
def test_a_second_view_of_a_patient_page_skips_the_view_and_shows_the_same_page(
    personas: Personas, url: str
) -> None:
    url = _progress_url(personas.patient) if url == "progress" else url
    client = signed_in(personas.patient)
    first = body(client.get(url))
    with CaptureQueriesContext(connection) as cold:
        uncached(client, url)
    with CaptureQueriesContext(connection) as warm:
        second = body(client.get(url))

    assert second == first
    assert len(warm.captured_queries) < len(cold.captured_queries)


def _new_entry(personas: Personas) -> None:
    factories.make_entry(personas.patient, title="Salt water at dawn", body="Body text")


def _deleted_entry(personas: Personas) -> None:
    journal.entry_delete(entry=personas.entry)  # a QuerySet.update: no signal


def _check_in(personas: Personas) -> None:
    CheckIn.objects.create(patient=personas.patient, day=patient_today(personas.patient), mood=2)


def _realm_ratings(personas: Personas) -> None:
    practice.realm_ratings_save(
        patient=personas.patient,
        day=patient_today(personas.patient),
        ratings={"body": 3, "mind": 8},
    )


def _own_practice(personas: Personas) -> None:
    practice.practice_create(patient=personas.patient, name="Evening walk by the canal")


def _session_cancelled(personas: Personas) -> None:
    from claywork.care import services as care

    care.session_cancel(session=personas.scheduled)


def _entry_title_changed_in_bulk(personas: Personas) -> None:
    Entry.objects.filter(pk=personas.entry.pk).update(session=None)


WRITES: dict[str, tuple[Callable[[Personas], None], str]] = {
    "new journal entry on home": (_new_entry, "/"),
    "new journal entry on journal": (_new_entry, "/journal/"),
    "deleted entry on journal": (_deleted_entry, "/journal/"),
    "check-in on check-in": (_check_in, "/check-in/"),
    "check-in on home": (_check_in, "/"),
    "realm ratings on plan": (_realm_ratings, "/plan/"),
    "own practice on practices": (_own_practice, "/practices/"),
    "session cancelled on home": (_session_cancelled, "/"),
    "bulk update on journal": (_entry_title_changed_in_bulk, "/journal/"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_every_kind_of_write_is_on_the_next_page_view(personas: Personas, write: str) -> None:
    change, url = WRITES[write]
    client = signed_in(personas.patient)
    before = body(client.get(url))
    assert body(client.get(url)) == before  # now served from memory

    change(personas)
    after = body(client.get(url))

    assert after == uncached(client, url)
    if write != "bulk update on journal":  # the session link is not on the list
        assert after != before


def _version(user: User) -> tuple[str, str] | None:
    return page_cache._versions(user.pk)


def _message_from_clinician(personas: Personas) -> None:
    from claywork.messaging import services as messaging

    messaging.thread_start(
        patient=personas.patient,
        author=personas.care_clinician,
        subject="After Tuesday",
        body="How are you settling?",
        submission_id=uuid.uuid4(),
    )


def _alert(personas: Personas) -> None:
    from claywork.safety.services import alert_raise

    alert_raise(
        patient=personas.patient,
        kind="self_harm_answer",
        severity="high",
        title="PHQ-9 item 9",
        dedupe_key=f"test:{uuid.uuid4()}",
    )


def _safety_plan(personas: Personas) -> None:
    from claywork.crisis.services import safety_plan_save

    safety_plan_save(
        patient=personas.patient,
        author=personas.patient,
        content={"warning_signs": "Not sleeping"},
        submission_id=uuid.uuid4(),
    )


def _circle(personas: Personas) -> None:
    factories.add_to_circle(personas.patient, factories.SupportPersonFactory())


def _time_zone(personas: Personas) -> None:
    personas.patient.timezone = "Pacific/Auckland"
    personas.patient.save(update_fields=["timezone"])


def _goal(personas: Personas, title: str = "Stretch") -> Any:
    goal, _ = practice.goal_create(
        patient=personas.patient,
        realm="body",
        title=title,
        cadence="daily",
        per_week=7,
        submission_id=uuid.uuid4(),
    )
    return goal


def _goal_check_in_bulk(personas: Personas) -> None:
    from claywork.practice.models import GoalCheck

    goal = _goal(personas, "Walk")
    before = _version(personas.patient)
    GoalCheck.objects.bulk_create([GoalCheck(goal=goal, day=patient_today(personas.patient))])
    assert _version(personas.patient) != before


def _new_tags_inserted_or_ignored(personas: Personas) -> None:
    from claywork.journal.models import Tag

    harbour = Tag.named(patient_id=personas.patient.pk, name="harbour")
    Tag.objects.bulk_create([harbour], ignore_conflicts=True)  # SQLite: INSERT OR IGNORE INTO


def _clinic_settings(personas: Personas) -> None:
    clinic = personas.patient.clinic
    clinic.name = "Renamed clinic"
    clinic.save()


def _clinician_renamed(personas: Personas) -> None:
    personas.care_clinician.full_name = "Dr New Name"
    personas.care_clinician.save()


OTHER_WRITES: dict[str, Callable[[Personas], None]] = {
    "message from the care team": _message_from_clinician,
    "alert raised": _alert,
    "safety plan": _safety_plan,
    "support circle": _circle,
    "time zone setting": _time_zone,
    "goal": lambda personas: _goal(personas),
    "goal check without a signal": _goal_check_in_bulk,
    "new tags without a signal": _new_tags_inserted_or_ignored,
    "clinic settings": _clinic_settings,
    "clinician's name": _clinician_renamed,
}


@pytest.mark.django_db
@pytest.mark.parametrize("write", OTHER_WRITES, ids=list(OTHER_WRITES))
def test_every_write_that_a_patient_page_may_show_makes_the_stored_pages_stale(
    personas: Personas, write: str
) -> None:
    before = _version(personas.patient)

    OTHER_WRITES[write](personas)

    assert _version(personas.patient) != before


@pytest.mark.django_db
def test_a_tagged_entry_makes_only_its_patients_pages_stale(personas: Personas) -> None:
    factories.make_entry(personas.patient, title="First", tags=["calm", "sleep"])  # new tags
    mine, theirs = _version(personas.patient), _version(personas.other_patient)
    assert mine is not None and theirs is not None

    factories.make_entry(personas.patient, title="Tagged", tags=["calm", "sleep"])

    after = _version(personas.patient)
    assert after is not None and after[1] != mine[1]
    assert after[0] == mine[0]  # the shared version: no write went unreported
    assert _version(personas.other_patient) == theirs


@pytest.mark.django_db
def test_one_patients_page_is_never_served_to_another(personas: Personas) -> None:
    factories.make_entry(personas.patient, title="Only mine, the lighthouse", body="x")
    mine, theirs = signed_in(personas.patient), signed_in(personas.other_patient)
    for url in PAGES:
        mine.get(url)
    mine.get(_progress_url(personas.patient))

    for url in PAGES:
        page = theirs.get(url)
        assert "Only mine, the lighthouse" not in page.content.decode()
        assert page.content.decode().count(personas.patient.email) == 0
        assert f'data-user="{personas.other_patient.pk}"' in page.content.decode()
    assert theirs.get(_progress_url(personas.patient)).status_code == 404


@pytest.mark.django_db
def test_a_clinicians_view_of_a_patients_progress_is_audited_each_time(
    personas: Personas,
) -> None:
    signed_in(personas.patient).get(_progress_url(personas.patient))
    clinician = signed_in(personas.care_clinician)
    url = _progress_url(personas.patient)
    before = AuditEvent.objects.count()

    assert clinician.get(url).status_code == 200
    assert clinician.get(url).status_code == 200

    assert AuditEvent.objects.count() - before == 2


@pytest.mark.django_db
def test_two_views_from_memory_carry_their_own_csrf_token_and_submission_keys(
    personas: Personas,
) -> None:
    practice.practice_create(patient=personas.patient, name="Breathing")
    first, second = signed_in(personas.patient), signed_in(personas.patient)
    second_page = ""
    keys = []
    for client in (first, second, second):
        page = client.get("/practices/").content.decode()
        keys.append(re.findall(r'name="submission_id" value="([^"]+)"', page))
        second_page = page
    assert keys[0] and all(keys)
    assert not set(keys[0]) & set(keys[1]) and not set(keys[1]) & set(keys[2])
    assert "\x00" not in second_page

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.patient)
    strict.get("/practices/")
    page = strict.get("/practices/").content.decode()  # from memory
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    answer = strict.post("/practices/", {"csrfmiddlewaretoken": token.group(1), "name": "Yoga"})
    assert answer.status_code == 302


@pytest.mark.django_db
def test_a_page_with_a_message_or_a_query_is_not_stored(personas: Personas) -> None:
    client = signed_in(personas.patient)
    client.post("/practices/", {"name": "Tai chi"})  # "Added to your practices."
    assert "Added to your practices." in client.get("/practices/").content.decode()
    assert "Added to your practices." not in client.get("/practices/").content.decode()
    deleted = client.get(f"/journal/?deleted={personas.entry.pk}")
    assert deleted.status_code == 200
    assert len(page_cache._PAGES._cache) == 1  # only the plain /practices/ view


@pytest.mark.django_db
@override_settings(CACHES=DB_CACHE)
def test_pages_never_reach_the_shared_database_cache(personas: Personas) -> None:
    factories.make_entry(personas.patient, title="Private words about my father", body="x")
    client = signed_in(personas.patient)
    for url in PAGES:
        client.get(url)
        client.get(url)

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM claywork_cache")
        rows = cursor.fetchall()
    assert rows  # the versions are there
    for key, value in rows:
        stored = pickle.loads(base64.b64decode(value))  # noqa: S301 - our own cache rows
        assert "Private words" not in str(stored), key
        assert "page-version" in key


@pytest.mark.django_db(transaction=True)
@override_settings(CACHES=DB_CACHE)
@pytest.mark.parametrize("viewer", ["patient", "care-team clinician"])
def test_a_write_in_another_process_is_on_the_next_page_view_with_the_database_cache(
    viewer: str,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM claywork_cache")
    clinic = factories.ClinicFactory()
    patient = factories.PatientFactory(clinic=clinic)
    clinician = factories.ClinicianFactory(clinic=clinic)
    factories.add_to_care_team(patient, clinician)
    # The patient's check-in page; the clinician's caseload (their clinic's version).
    client, url = (signed_in(patient), "/check-in/")
    if viewer != "patient":
        client, url = (signed_in(clinician), "/")
    before = body(client.get(url))
    assert body(client.get(url)) == before

    check_in_from_another_process(patient, mood=1)

    after = body(client.get(url))
    assert after != before
    assert after == uncached(client, url)
