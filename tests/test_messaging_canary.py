"""No message text in e-mail, the audit trail or the logs.

A canary phrase is written as a thread's subject and in messages by the patient and by their
clinician, through the pages; the thread is read on both sides, handed over, and every
new-message e-mail is sent. Then the e-mails, every audit row and every log record (every
logger at DEBUG, SQL with its parameters) are searched.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.audit.models import AuditEvent
from claywork.messaging.delivery import notices_send_due
from claywork.messaging.models import Thread
from tests import factories
from tests.conftest import Personas, client_for

CANARY = "heron-quay-canary-4417"


@pytest.fixture
def every_log_record(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
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


def _post(client: object, url: str, data: dict[str, str]) -> None:
    response = client.post(url, data)  # type: ignore[attr-defined]
    assert response.status_code == 302, (url, response.status_code)


def _write_and_read_the_canary(p: Personas) -> None:
    patient, clinician = client_for(p.patient), client_for(p.care_clinician)
    colleague = factories.ClinicianFactory(clinic=p.patient.clinic)
    factories.add_to_care_team(p.patient, colleague)
    words = {"body": f"Today {CANARY} again.", "submission_id": str(uuid.uuid4())}
    _post(patient, "/messages/new/", {**words, "subject": f"About {CANARY}"})
    thread = Thread.objects.get(patient=p.patient)
    assert CANARY in clinician.get(f"/messages/{thread.pk}/").content.decode()
    _post(clinician, f"/messages/{thread.pk}/", {**words, "submission_id": str(uuid.uuid4())})
    assert notices_send_due() >= 1
    assert CANARY in patient.get(f"/messages/{thread.pk}/").content.decode()
    _post(patient, f"/messages/{thread.pk}/", {**words, "submission_id": str(uuid.uuid4())})
    _post(clinician, f"/messages/{thread.pk}/hand-over/", {"to": str(colleague.pk)})
    assert CANARY in clinician.get("/messages/").content.decode()
    # A message too long to send is kept as a draft: its words go nowhere else either.
    long_words = {"body": CANARY * 5_000, "submission_id": str(uuid.uuid4())}
    assert clinician.post(f"/messages/{thread.pk}/", long_words).status_code == 400
    assert notices_send_due() >= 1


def test_message_text_reaches_no_email_no_audit_row_and_no_log(
    personas: Personas, every_log_record: pytest.LogCaptureFixture
) -> None:
    _write_and_read_the_canary(personas)

    assert len(mail.outbox) >= 2
    mailed = [f"{m.subject}\n{m.body}\n{m.extra_headers}" for m in mail.outbox]
    assert not [text for text in mailed if CANARY in text]
    assert not [text for text in mailed if personas.patient.full_name in text]
    recorded = {(row.action, row.resource) for row in AuditEvent.objects.all()}
    assert {
        ("read", "messaging.thread"),
        ("read", "messaging.inbox"),
        ("write", "messaging.message"),
        ("write", "messaging.hand_over"),
    } <= recorded
    assert not [row for row in AuditEvent.objects.values_list() if CANARY in repr(row)]
    logged = [
        f"{record.name}: {record.getMessage()} {record.args!r}"
        for record in every_log_record.records
    ]
    assert any(line.startswith("django.db.backends") for line in logged), "SQL was not logged"
    leaked = [line for line in logged if CANARY in line]
    assert not leaked, leaked[:3]
