"""No health text in the audit trail or the application's logs.

A canary phrase is written through the pages where people write about health (journal entry,
intention, check-in note, guide note, debrief, safety plan, alert note, a comment on an entry
the patient shared with the care team) by the patient and by their clinician, and read back by
the clinician; then every audit row and every record from
Python logging, at DEBUG for every logger (SQL included, with its parameters), is searched.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.audit.models import AuditEvent
from claywork.journal.models import Entry
from claywork.safety.services import alert_raise
from tests.conftest import Personas, client_for

CANARY = "lilac-harbour-canary-7731"


@pytest.fixture
def every_log_record(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, and SQL logged with its parameters (a debug cursor)."""
    names = ["", *logging.root.manager.loggerDict]
    previous = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        with CaptureQueriesContext(connection):
            yield caplog
    finally:
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)


def _write_and_read_the_canary(p: Personas) -> None:
    patient, clinician = client_for(p.patient), client_for(p.care_clinician)
    text = f"Today {CANARY} came up again."
    alert, _ = alert_raise(
        patient=p.patient,
        kind="self_harm_answer",
        severity="high",
        title="PHQ-9: self-harm item answered above zero",
        dedupe_key="canary",
    )
    writes = [
        (
            patient,
            "/journal/new/",
            {
                "kind": "reflection",
                "title": f"On {CANARY}",
                "body": text,
                "tags": "",
                "submission_id": str(uuid.uuid4()),
            },
        ),
        (patient, f"/sessions/{p.scheduled.pk}/intention/", {"text": text}),
        (
            patient,
            "/check-in/",
            {"mood": "6", "anxiety": "3", "energy": "5", "sleep_hours": "7", "note": text},
        ),
        (
            clinician,
            f"/sessions/{p.in_progress.pk}/notes/",
            {"kind": "observation", "text": text, "submission_id": str(uuid.uuid4())},
        ),
        (clinician, f"/sessions/{p.in_progress.pk}/complete/", {"debrief": text}),
        (
            clinician,
            f"/patients/{p.patient.pk}/safety-plan/edit/",
            {"warning_signs": text, "submission_id": str(uuid.uuid4())},
        ),
        (clinician, f"/alerts/{alert.pk}/acknowledge/", {"note": text}),
    ]
    for client, url, data in writes:
        response = client.post(url, data)
        assert response.status_code == 302, (url, response.status_code)
    # The patient shares the entry with the care team; the clinician reads it and comments.
    entry = Entry.objects.filter(patient=p.patient).latest("pk")
    assert (
        patient.post(f"/sharing/entries/{entry.pk}/", {"audience": "care_team"}).status_code == 302
    )
    comment = {"text": text, "submission_id": str(uuid.uuid4())}
    assert clinician.post(f"/entries/{entry.pk}/comments/", comment).status_code == 302
    # The clinician reads the text back (the progress page shows scores, not the note).
    for url, shows_canary in [
        (f"/sessions/{p.in_progress.pk}/", True),
        (f"/sessions/{p.scheduled.pk}/", True),
        (f"/patients/{p.patient.pk}/safety-plan/", True),
        (f"/alerts/{alert.pk}/", True),
        (f"/journal/{entry.pk}/", True),
        (f"/patients/{p.patient.pk}/progress/", False),
    ]:
        response = clinician.get(url)
        assert response.status_code == 200, url
        assert (CANARY in response.content.decode()) == shows_canary, url


def test_the_canary_reaches_no_audit_row_and_no_log(
    personas: Personas, every_log_record: pytest.LogCaptureFixture
) -> None:
    _write_and_read_the_canary(personas)

    events = list(AuditEvent.objects.values_list())
    recorded = {(row.action, row.resource) for row in AuditEvent.objects.all()}
    assert {
        ("write", "care.guide_note"),
        ("write", "care.session"),
        ("write", "crisis.safety_plan"),
        ("write", "safety.alert"),
        ("write", "care.entry_comment"),
        ("read", "journal.entry"),
        ("read", "care.session"),
        ("read", "measures.progress"),
    } <= recorded
    assert not [row for row in events if CANARY in repr(row)]
    logged = [
        f"{record.name}: {record.getMessage()} {record.args!r}"
        for record in every_log_record.records
    ]
    assert any(line.startswith("django.db.backends") for line in logged), "SQL was not logged"
    leaked = [line for line in logged if CANARY in line]
    assert not leaked, leaked[:3]
