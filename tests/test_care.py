"""The care record: session states, guide notes, intentions, scheduling and query counts."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claywork.care import services as care
from claywork.care.models import GuideNote, Session, SessionIntention, SessionStatus
from tests import factories
from tests.conftest import Personas, client_for

ALREADY_MOVED_ON = "This session has already moved on"


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Session transitions ----------------------------------------------------------------------


def test_clinician_starts_a_scheduled_session(personas: Personas) -> None:
    response = client_for(personas.care_clinician).post(
        f"/sessions/{personas.scheduled.pk}/start/", {"confirm": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{personas.scheduled.pk}/screen/"
    session = Session.objects.get(pk=personas.scheduled.pk)
    assert session.status == SessionStatus.IN_PROGRESS
    assert session.started_at is not None


def test_clinician_completes_a_session_with_a_debrief(personas: Personas) -> None:
    client = client_for(personas.care_clinician)
    form = client.get(f"/sessions/{personas.in_progress.pk}/complete/")
    assert form.status_code == 200
    response = client.post(
        f"/sessions/{personas.in_progress.pk}/complete/",
        {"debrief": "Gentle, tearful, safe."},
        follow=True,
    )
    assert response.status_code == 200
    assert "integration window opens" in " ".join(_messages(response))
    session = Session.objects.get(pk=personas.in_progress.pk)
    assert session.status == SessionStatus.COMPLETED
    assert session.completed_at is not None
    assert session.debrief == "Gentle, tearful, safe."
    assert session.window_opens_at is not None and session.window_opens_at > session.completed_at


def test_completing_a_scheduled_session_also_records_its_start(personas: Personas) -> None:
    session = care.session_complete(session=personas.scheduled, debrief="Went straight through.")
    assert session.status == SessionStatus.COMPLETED
    assert Session.objects.get(pk=session.pk).started_at == session.completed_at


def test_completing_without_a_debrief_is_a_form_error(personas: Personas) -> None:
    response = client_for(personas.care_clinician).post(
        f"/sessions/{personas.in_progress.pk}/complete/", {"debrief": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Session.objects.get(pk=personas.in_progress.pk).status == SessionStatus.IN_PROGRESS


def test_clinician_cancels_a_scheduled_session(personas: Personas) -> None:
    response = client_for(personas.care_clinician).post(
        f"/sessions/{personas.scheduled.pk}/cancel/", follow=True
    )
    assert response.status_code == 200
    assert "Session cancelled." in _messages(response)
    assert Session.objects.get(pk=personas.scheduled.pk).status == SessionStatus.CANCELLED


@pytest.mark.parametrize(
    ("session_name", "action", "data"),
    [
        ("completed", "start", {}),
        ("in_progress", "start", {}),
        ("completed", "cancel", {}),
        ("in_progress", "cancel", {}),
        ("completed", "complete", {"debrief": "again"}),
    ],
)
def test_an_illegal_transition_gives_a_clear_message_not_an_error(
    personas: Personas, session_name: str, action: str, data: dict[str, str]
) -> None:
    session = getattr(personas, session_name)
    before = Session.objects.get(pk=session.pk)
    response = client_for(personas.care_clinician).post(
        f"/sessions/{session.pk}/{action}/", data, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/sessions/{session.pk}/"
    assert any(ALREADY_MOVED_ON in message for message in _messages(response))
    after = Session.objects.get(pk=session.pk)
    assert (after.status, after.completed_at, after.debrief_sealed) == (
        before.status,
        before.completed_at,
        before.debrief_sealed,
    )


def test_a_cancelled_session_cannot_be_started_or_completed(personas: Personas) -> None:
    cancelled = care.session_cancel(session=personas.scheduled)
    with pytest.raises(care.SessionStateError):
        care.session_start(session=cancelled)
    with pytest.raises(care.SessionStateError):
        care.session_complete(session=cancelled, debrief="no")
    assert Session.objects.get(pk=cancelled.pk).status == SessionStatus.CANCELLED


def test_only_a_scheduled_session_can_be_moved(personas: Personas) -> None:
    with pytest.raises(care.SessionStateError, match="Only a scheduled session"):
        care.session_reschedule(
            session=personas.completed, scheduled_at=timezone.now(), location="Elsewhere"
        )


def test_a_patient_cannot_run_their_own_session(personas: Personas) -> None:
    response = client_for(personas.patient).post(f"/sessions/{personas.scheduled.pk}/start/")
    assert response.status_code == 404
    assert Session.objects.get(pk=personas.scheduled.pk).status == SessionStatus.SCHEDULED


def test_a_stale_second_complete_loses_to_the_first(personas: Personas) -> None:
    stale_copy = Session.objects.get(pk=personas.in_progress.pk)
    care.session_complete(session=personas.in_progress, debrief="first")
    with pytest.raises(care.SessionStateError, match=ALREADY_MOVED_ON):
        care.session_complete(session=stale_copy, debrief="second")
    assert Session.objects.get(pk=personas.in_progress.pk).debrief == "first"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_completes_one_wins(personas: Personas) -> None:
    session_id = personas.in_progress.pk
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def complete(debrief: str) -> None:
        try:
            session = Session.objects.get(pk=session_id)
            barrier.wait(timeout=30)
            care.session_complete(session=session, debrief=debrief)
            outcomes[debrief] = "won"
        except care.SessionStateError:
            outcomes[debrief] = "lost"
        except Exception as error:  # noqa: BLE001 - reported below
            outcomes[debrief] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["lost", "won"], outcomes
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    session = Session.objects.get(pk=session_id)
    assert session.status == SessionStatus.COMPLETED
    assert session.debrief == winner


# --- Guide notes ------------------------------------------------------------------------------


def test_guide_notes_are_idempotent_per_submission(personas: Personas) -> None:
    client = client_for(personas.care_clinician)
    form = {"kind": "said", "text": "“I am the tide.”", "submission_id": str(uuid.uuid4())}
    before = GuideNote.objects.filter(session=personas.in_progress).count()

    first = client.post(f"/sessions/{personas.in_progress.pk}/notes/", form)
    second = client.post(
        f"/sessions/{personas.in_progress.pk}/notes/", form, headers={"HX-Request": "true"}
    )

    assert first.status_code == 302
    assert second.status_code == 200
    notes = GuideNote.objects.filter(session=personas.in_progress)
    assert notes.count() == before + 1
    note = notes.latest("pk")
    assert (note.text, note.kind, note.author_id) == (
        "“I am the tide.”",
        "said",
        personas.care_clinician.pk,
    )
    assert "I am the tide." in second.content.decode()


def test_a_new_submission_id_adds_a_second_note(personas: Personas) -> None:
    client = client_for(personas.care_clinician)
    for _ in range(2):
        client.post(
            f"/sessions/{personas.in_progress.pk}/notes/",
            {
                "kind": "observation",
                "text": "Breathing slowly.",
                "submission_id": str(uuid.uuid4()),
            },
        )
    assert GuideNote.objects.filter(session=personas.in_progress).count() == 2


@pytest.mark.parametrize("htmx", [False, True])
def test_guide_notes_are_refused_on_a_scheduled_session(personas: Personas, htmx: bool) -> None:
    response = client_for(personas.care_clinician).post(
        f"/sessions/{personas.scheduled.pk}/notes/",
        {"kind": "observation", "text": "Too early.", "submission_id": str(uuid.uuid4())},
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert response.status_code == 400
    assert "Notes are taken once the session has started." in response.content.decode()
    assert not GuideNote.objects.filter(session=personas.scheduled).exists()


def test_guide_note_service_refuses_a_cancelled_session(personas: Personas) -> None:
    cancelled = care.session_cancel(session=personas.scheduled)
    with pytest.raises(care.SessionStateError):
        care.guide_note_add(
            session=cancelled,
            author=personas.care_clinician,
            text="x",
            submission_id=uuid.uuid4(),
        )


def test_patient_reads_guide_notes_only_after_completion(personas: Personas) -> None:
    care.guide_note_add(
        session=personas.in_progress,
        author=personas.care_clinician,
        text="Working note in progress.",
        submission_id=uuid.uuid4(),
    )
    client = client_for(personas.patient)
    during = client.get(f"/sessions/{personas.in_progress.pk}/").content.decode()
    assert "Working note in progress." not in during
    assert "appear here once the session is completed" in during
    after = client.get(f"/sessions/{personas.completed.pk}/").content.decode()
    assert "Said: held by the ocean." in after


# --- Intentions -------------------------------------------------------------------------------


def test_patient_writes_and_rewrites_intentions_before_the_session(personas: Personas) -> None:
    client = client_for(personas.patient)
    url = f"/sessions/{personas.scheduled.pk}/intention/"
    assert client.get(url).context["form"].initial["text"] == "To meet fear with curiosity."
    response = client.post(url, {"text": "To let go of control."})
    assert response.status_code == 302
    intentions = SessionIntention.objects.filter(session=personas.scheduled)
    assert intentions.count() == 1
    assert intentions.get().text == "To let go of control."


def test_intentions_cannot_be_written_after_completion(personas: Personas) -> None:
    client = client_for(personas.patient)
    url = f"/sessions/{personas.completed.pk}/intention/"
    page = client.get(url)
    assert page.status_code == 200
    assert "This session is over" in page.content.decode()

    response = client.post(url, {"text": "Too late."}, follow=True)

    assert response.status_code == 200
    assert "Intentions are set before the session is completed." in _messages(response)
    assert not SessionIntention.objects.filter(session=personas.completed).exists()
    with pytest.raises(care.SessionStateError):
        care.intention_save(session=personas.completed, text="Too late.")


def test_a_clinician_cannot_write_the_patients_intentions(personas: Personas) -> None:
    response = client_for(personas.care_clinician).post(
        f"/sessions/{personas.scheduled.pk}/intention/", {"text": "Imposed."}
    )
    assert response.status_code == 404
    assert SessionIntention.objects.get(session=personas.scheduled).text == (
        "To meet fear with curiosity."
    )


# --- Scheduling -------------------------------------------------------------------------------


def _session_in(personas: Personas, location: str) -> Session:
    # The place is sealed: found by reading each session of the course.
    (found,) = [s for s in Session.objects.filter(course=personas.course) if s.location == location]
    return found


def _schedule(personas: Personas, scheduled_at: str, location: str = "Room B") -> Any:
    return client_for(personas.care_clinician).post(
        f"/courses/{personas.course.pk}/sessions/new/",
        {"scheduled_at": scheduled_at, "location": location},
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30T09:30", "Enter a real date and time"),
        ("2026-13-01T09:30", "Enter a real date and time"),
        ("2026-03-14T25:00", "Enter a real date and time"),
        ("tomorrow at nine", "Enter a real date and time"),
        ("20260-03-14T09:30", "Enter a real date and time"),
        ("", "This field is required."),
        ("0026-03-14T09:30", "Choose a time within the past year or the next two years."),
        ("9999-12-31T23:30", "Choose a time within the past year or the next two years."),
        ("1999-03-14T09:30", "Choose a time within the past year or the next two years."),
    ],
)
def test_impossible_or_malformed_session_times_are_refused_with_a_message(
    personas: Personas, value: str, message: str
) -> None:
    before = Session.objects.count()
    response = _schedule(personas, value)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["session_form"].errors["scheduled_at"]
    assert Session.objects.count() == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "Enter a real date"),
        ("0026-03-14", "Choose a date between 2000 and"),
        ("9999-01-01", "Choose a date between 2000 and"),
        ("14/03/2026", "Enter a real date"),
    ],
)
def test_impossible_course_start_dates_are_refused_with_a_message(
    personas: Personas, value: str, message: str
) -> None:
    response = client_for(personas.care_clinician).post(
        f"/patients/{personas.patient.pk}/courses/new/",
        {"title": "Booster", "modality": "iv", "planned_sessions": 3, "starts_on": value},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Booster" not in [course.title for course in personas.patient.courses.all()]


def test_scheduling_reads_the_time_in_the_clinicians_time_zone_in_winter(
    personas: Personas,
) -> None:
    assert personas.care_clinician.timezone == "America/New_York"
    year = timezone.now().year + 1
    response = _schedule(personas, f"{year}-01-15T09:30")
    assert response.status_code == 302
    session = _session_in(personas, "Room B")
    assert session.scheduled_at == datetime(year, 1, 15, 14, 30, tzinfo=UTC)


def test_scheduling_reads_the_time_in_the_clinicians_time_zone_in_summer(
    personas: Personas,
) -> None:
    year = timezone.now().year + 1
    _schedule(personas, f"{year}-07-15T09:30")
    session = _session_in(personas, "Room B")
    assert session.scheduled_at == datetime(year, 7, 15, 13, 30, tzinfo=UTC)


def test_a_clinician_in_another_zone_gets_their_own_local_time(personas: Personas) -> None:
    clinician = personas.care_clinician
    clinician.timezone = "Europe/Berlin"
    clinician.save(update_fields=["timezone"])
    year = timezone.now().year + 1
    _schedule(personas, f"{year}-01-15T09:30")
    session = _session_in(personas, "Room B")
    assert session.scheduled_at == datetime(year, 1, 15, 8, 30, tzinfo=UTC)


def test_the_course_page_shows_the_time_back_in_the_viewers_zone(personas: Personas) -> None:
    year = timezone.now().year + 1
    _schedule(personas, f"{year}-01-15T09:30", location="Room Z")
    page = client_for(personas.care_clinician).get(f"/courses/{personas.course.pk}/")
    assert f"15 Jan {year}, 09:30" in page.content.decode()


# --- Query counts -----------------------------------------------------------------------------


def _add_patients_to_caseload(personas: Personas, count: int) -> None:
    for _ in range(count):
        patient = factories.PatientFactory(clinic=personas.patient.clinic)
        factories.add_to_care_team(patient, personas.care_clinician)
        course = factories.make_course(patient, personas.care_clinician)
        factories.make_session(course, status="completed")
        factories.make_session(course)


def _queries_for(user: Any, url: str) -> tuple[int, Any]:
    """The view's own queries and context: the page cache off, or the second view is a stored
    page with no context."""
    client = client_for(user)
    with override_settings(CLAYWORK_PAGE_CACHE_SECONDS=0):
        client.get(url)  # warm the session and key caches, as in a real browser
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_caseload_page_runs_a_constant_number_of_queries(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    few, response = _queries_for(personas.care_clinician, "/")
    assert [p.pk for p in response.context["caseload"]] == [personas.patient.pk]
    _add_patients_to_caseload(personas, 12)
    many, response = _queries_for(personas.care_clinician, "/")
    assert len(response.context["caseload"]) == 13
    assert many == few
    client = client_for(personas.care_clinician)
    # + 5 for the audit events of the patients shown: the chain lock (PostgreSQL), newest
    # hash, one insert, and the savepoint around them (a transaction of its own outside tests);
    # + 3 for triage: the clinician's saved view, the clinic's check-in limit, 14 days of moods.
    with override_settings(CLAYWORK_PAGE_CACHE_SECONDS=0), django_assert_max_num_queries(6 + 5 + 3):
        client.get("/")


def test_caseload_shows_next_and_last_session_for_each_patient(personas: Personas) -> None:
    _, response = _queries_for(personas.care_clinician, "/")
    (row,) = response.context["caseload"]
    assert row.completed_count == 1
    assert row.last_completed_at == Session.objects.get(pk=personas.completed.pk).completed_at
    assert row.next_session_at is not None


def _add_courses(personas: Personas, count: int) -> None:
    for n in range(count):
        course = factories.make_course(personas.patient, personas.care_clinician, f"Course {n}")
        care.motivation_save(course=course, text=f"Motivation {n}")
        for _ in range(3):
            factories.make_session(course)
