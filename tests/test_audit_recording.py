"""Every read and write of a patient's health data by someone other than the patient leaves an
audit event (who, what, when, from where); the patient's own use of their data leaves none."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.audit.models import AuditEvent
from claywork.audit.verify import chain_verify
from claywork.crisis import services as crisis
from claywork.measures import services as measures
from claywork.safety.services import alert_raise
from tests import factories
from tests.conftest import Personas, client_for


@dataclass
class Objects:
    personas: Personas
    alert_id: int
    response_id: int

    def format(self, url: str) -> str:
        p = self.personas
        return url.format(
            patient=p.patient.pk,
            course=p.course.pk,
            scheduled=p.scheduled.pk,
            in_progress=p.in_progress.pk,
            completed=p.completed.pk,
            entry=p.entry.pk,
            alert=self.alert_id,
            response=self.response_id,
        )


@pytest.fixture
def objects(personas: Personas) -> Objects:
    crisis.safety_plan_save(
        patient=personas.patient,
        author=personas.patient,
        content={"helpers": "My sister."},
        submission_id=uuid.uuid4(),
    )
    response = measures.response_submit(
        response=measures.response_start(
            patient=personas.patient, instrument_code="phq9", submission_id=uuid.uuid4()
        ),
        answers=dict.fromkeys("12345678", 1) | {"9": 0},
    )
    alert, _ = alert_raise(
        patient=personas.patient,
        kind="self_harm_answer",
        severity="high",
        title="PHQ-9: self-harm item answered above zero",
        dedupe_key="audit",
    )
    return Objects(personas, alert.pk, response.pk)


def _new_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def _subjects(event: AuditEvent) -> list[int]:
    return sorted(event.subject_set.subjects.values_list("patient_id", flat=True))


def _newest_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# (method, url, form data, expected (action, resource) events, in order)
CLINICIAN_VISITS: list[tuple[str, str, Callable[[], dict] | None, list[tuple[str, str]]]] = [
    ("GET", "/", None, [("read", "measures.caseload")]),
    ("GET", "/patients/{patient}/", None, [("read", "care.record")]),
    ("GET", "/courses/{course}/", None, [("read", "care.course")]),
    ("GET", "/sessions/{completed}/", None, [("read", "care.session")]),
    ("GET", "/sessions/{completed}/timeline/", None, [("read", "care.timeline")]),
    ("GET", "/patients/{patient}/progress/", None, [("read", "measures.progress")]),
    ("GET", "/scales/responses/{response}/", None, [("read", "measures.response")]),
    ("GET", "/patients/{patient}/scores.csv", None, [("export", "measures.scores")]),
    ("GET", "/patients/{patient}/scores.fhir.json", None, [("export", "measures.scores")]),
    ("GET", "/alerts/", None, [("read", "safety.alert_inbox")]),
    ("GET", "/alerts/{alert}/", None, [("read", "safety.alert")]),
    ("GET", "/patients/{patient}/safety-plan/", None, [("read", "crisis.safety_plan")]),
    ("GET", "/patients/{patient}/safety-plan/edit/", None, [("read", "crisis.safety_plan")]),
    ("GET", "/patients/{patient}/safety-plan/print/", None, [("read", "crisis.safety_plan")]),
    (
        "GET",
        "/patients/{patient}/safety-plan/versions/1/",
        None,
        [("read", "crisis.safety_plan")],
    ),
    (
        "POST",
        "/patients/{patient}/safety-plan/edit/",
        lambda: {"warning_signs": "Short nights.", "submission_id": str(uuid.uuid4())},
        [("write", "crisis.safety_plan")],
    ),
    (
        "POST",
        "/patients/{patient}/courses/new/",
        lambda: {"title": "Four IM sessions", "modality": "im", "planned_sessions": "4"},
        [("write", "care.course")],
    ),
    (
        "POST",
        "/sessions/{scheduled}/start/",
        lambda: {"confirm": "1"},
        [("write", "care.session")],
    ),
    ("GET", "/sessions/{in_progress}/screen/", lambda: None, [("read", "care.session")]),
    ("POST", "/sessions/{scheduled}/cancel/", lambda: {}, [("write", "care.session")]),
    (
        "POST",
        "/sessions/{in_progress}/complete/",
        lambda: {"debrief": "Settled."},
        [("write", "care.session")],
    ),
    (
        "POST",
        "/sessions/{in_progress}/notes/",
        lambda: {"kind": "observation", "text": "Calm.", "submission_id": str(uuid.uuid4())},
        [("write", "care.guide_note")],
    ),
    (
        "POST",
        "/alerts/{alert}/acknowledge/",
        lambda: {"note": "Called; safe."},
        [("write", "safety.alert")],
    ),
]


@pytest.mark.parametrize(
    ("method", "url", "data", "expected"),
    CLINICIAN_VISITS,
    ids=[f"{method} {url}" for method, url, _, _ in CLINICIAN_VISITS],
)
def test_a_care_team_clinician_reading_or_changing_leaves_an_event(
    objects: Objects, method: str, url: str, data: Any, expected: list[tuple[str, str]]
) -> None:
    p = objects.personas
    client = client_for(p.care_clinician)
    before = _newest_pk()

    path = objects.format(url)
    response = client.get(path) if method == "GET" else client.post(path, data())

    assert response.status_code in (200, 302), response.status_code
    events = _new_events(before)
    assert [(e.action, e.resource) for e in events] == expected
    for event in events:
        assert event.actor == p.care_clinician
        assert event.actor_role == "clinician"
        # A list page's event names its patients through the subject table.
        about = [event.patient_id] if event.patient_id is not None else _subjects(event)
        assert about == [p.patient.pk]
        assert event.clinic_id == p.patient.clinic_id
        assert event.ip_address == "127.0.0.1"
        assert event.route  # the view's name, e.g. "measures:progress"
    assert chain_verify().ok


PATIENT_VISITS = [
    "/",
    "/courses/{course}/",
    "/sessions/{completed}/",
    "/sessions/{completed}/timeline/",
    "/patients/{patient}/progress/",
    "/scales/responses/{response}/",
    "/patients/{patient}/scores.csv",
    "/safety-plan/",
    "/patients/{patient}/safety-plan/",
    "/patients/{patient}/safety-plan/edit/",
    "/patients/{patient}/safety-plan/print/",
    "/journal/{entry}/",
]


@pytest.mark.parametrize("url", PATIENT_VISITS)
def test_the_patient_using_their_own_data_leaves_no_event(objects: Objects, url: str) -> None:
    response = client_for(objects.personas.patient).get(objects.format(url))

    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_a_refused_visit_leaves_no_event(objects: Objects) -> None:
    p = objects.personas
    for person in (p.outside_clinician, p.other_clinic_clinician, p.clinic_admin):
        client = client_for(person)
        assert client.get(f"/patients/{p.patient.pk}/progress/").status_code == 404
        assert client.get(f"/alerts/{objects.alert_id}/").status_code == 404

    assert not AuditEvent.objects.exists()


def test_the_caseload_records_one_event_naming_every_patient_shown_and_stores_them_once(
    personas: Personas,
) -> None:
    clinician = personas.care_clinician
    others = [factories.PatientFactory(clinic=clinician.clinic) for _ in range(5)]
    for patient in others:
        factories.add_to_care_team(patient, clinician)
    client = client_for(clinician)
    client.get("/")  # warm the session (and the first view stores the caseload's patients)
    before = _newest_pk()

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200

    (event,) = _new_events(before)
    assert event.patient_id is None
    assert event.resource == "measures.caseload"
    assert _subjects(event) == sorted([personas.patient.pk, *(p.pk for p in others)])
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len([sql for sql in inserts if "audit_auditevent" in sql]) == 1
    assert not [sql for sql in inserts if "audit_auditsubject" in sql]  # the same patients
    assert chain_verify().ok


def test_a_changed_caseload_stores_its_new_set_of_patients_in_two_inserts(
    personas: Personas,
) -> None:
    clinician = personas.care_clinician
    client = client_for(clinician)
    client.get("/")
    newcomer = factories.PatientFactory(clinic=clinician.clinic)
    factories.add_to_care_team(newcomer, clinician)
    before = _newest_pk()

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200

    (event,) = _new_events(before)
    assert _subjects(event) == sorted([personas.patient.pk, newcomer.pk])
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len([sql for sql in inserts if "audit_auditsubjectset " in sql]) == 1
    assert len([sql for sql in inserts if "audit_auditsubject (" in sql]) == 1
    assert chain_verify().ok


def test_a_journal_entry_read_by_someone_else_is_recorded(personas: Personas) -> None:
    """Sharing is another part's work; whoever the policy lets read an entry, a read by anyone
    but its writer is an event (here the policy is widened for the test)."""
    p = personas
    from claywork.core import policy
    from claywork.journal.models import Entry

    def visible_to_the_care_team_too(user: Any) -> Any:
        return Entry.objects.filter(patient_id=p.patient.pk)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(policy, "entries_visible_to", visible_to_the_care_team_too)
        response = client_for(p.care_clinician).get(f"/journal/{p.entry.pk}/")

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.actor, event.patient, event.resource, event.object_id) == (
        p.care_clinician,
        p.patient,
        "journal.entry",
        str(p.entry.pk),
    )


# --- The export command ---------------------------------------------------------------------


def _export(*args: str) -> str:
    out = StringIO()
    call_command("export", *args, stdout=out)
    return out.getvalue()


def test_the_export_command_is_recorded_as_the_clinics_export(personas: Personas) -> None:
    bundle = json.loads(_export("fhir", "--patient", personas.patient.email))

    assert bundle["resourceType"] == "Bundle"
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_role, event.action, event.resource, event.route) == (
        None,
        "system",
        "export",
        "measures.scores",
        "command:export",
    )
    assert event.patient == personas.patient
    assert event.object_id == "fhir"


def test_the_export_command_names_the_person_exporting(personas: Personas) -> None:
    _export("csv", "--patient", personas.patient.email, "--actor", personas.care_clinician.email)

    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_role, event.object_id) == (
        personas.care_clinician,
        "clinician",
        "csv",
    )


def test_the_export_command_refuses_an_unknown_actor_and_exports_nothing(
    personas: Personas,
) -> None:
    with pytest.raises(CommandError, match="no active account"):
        _export("csv", "--patient", personas.patient.email, "--actor", "nobody@example.test")

    assert not AuditEvent.objects.exists()
