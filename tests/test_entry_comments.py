"""Care-team comments on a journal entry the patient shared with the care team: sealed,
idempotent per submission, read by the patient on their entry, audited, and gone from the
clinician's view on the next request once the share is revoked."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client

from claywork.audit.models import AuditEvent
from claywork.care.models import EntryComment
from claywork.sharing import services as sharing
from claywork.sharing.models import Share
from tests.conftest import Personas, client_for

COMMENT = "That image of the tide stayed with me."


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _comment(client: Client, entry_id: int, submission_id: str | None = None) -> Any:
    return client.post(
        f"/entries/{entry_id}/comments/",
        {"text": COMMENT, "submission_id": submission_id or str(uuid.uuid4())},
    )


@pytest.fixture
def shared(personas: Personas) -> Share:
    return sharing.share_item(patient=personas.patient, item=personas.entry, care_team=True)


def test_a_care_team_clinician_comments_on_a_shared_entry_and_the_patient_reads_it(
    personas: Personas, shared: Share
) -> None:
    p = personas
    response = _comment(client_for(p.care_clinician), p.entry.pk)

    assert response.status_code == 302
    assert response["Location"] == f"/journal/{p.entry.pk}/#comments"
    comment = EntryComment.objects.get()
    assert (comment.entry, comment.patient, comment.author) == (
        p.entry,
        p.patient,
        p.care_clinician,
    )
    assert COMMENT not in comment.text_sealed  # sealed by the vault
    assert comment.text == COMMENT
    patient_page = _text(client_for(p.patient).get(f"/journal/{p.entry.pk}/"))
    assert "From your care team" in patient_page and COMMENT in patient_page
    assert "Cara Clinician" in patient_page
    assert 'action="/entries/' not in patient_page  # the patient reads; no comment form
    clinician_page = _text(client_for(p.care_clinician).get(f"/journal/{p.entry.pk}/"))
    assert COMMENT in clinician_page and "Add comment" in clinician_page


def test_a_double_submit_makes_one_comment(personas: Personas, shared: Share) -> None:
    client = client_for(personas.care_clinician)
    submission_id = str(uuid.uuid4())

    _comment(client, personas.entry.pk, submission_id)
    _comment(client, personas.entry.pk, submission_id)

    assert EntryComment.objects.count() == 1


def test_an_unshared_entry_cannot_be_commented_on_or_its_thread_read(
    personas: Personas,
) -> None:
    client = client_for(personas.care_clinician)

    assert client.get(f"/entries/{personas.entry.pk}/comments/").status_code == 404
    assert _comment(client, personas.entry.pk).status_code == 404
    assert not EntryComment.objects.exists()


def test_revoking_the_share_hides_the_thread_from_the_clinician_on_the_next_request(
    personas: Personas, shared: Share
) -> None:
    p = personas
    client = client_for(p.care_clinician)
    _comment(client, p.entry.pk)
    assert COMMENT in _text(client.get(f"/entries/{p.entry.pk}/comments/"))

    sharing.share_revoke(patient=p.patient, share=shared)

    thread = client.get(f"/entries/{p.entry.pk}/comments/")
    assert thread.status_code == 404 and COMMENT not in _text(thread)
    assert client.get(f"/journal/{p.entry.pk}/").status_code == 404
    assert _comment(client, p.entry.pk).status_code == 404
    assert EntryComment.objects.count() == 1
    # The patient keeps what was said.
    assert COMMENT in _text(client_for(p.patient).get(f"/journal/{p.entry.pk}/"))


@pytest.mark.parametrize(
    "role", ["outside_clinician", "other_clinic_clinician", "clinic_admin", "other_patient"]
)
def test_no_one_outside_the_care_team_reads_or_writes_comments(
    personas: Personas, shared: Share, role: str
) -> None:
    _comment(client_for(personas.care_clinician), personas.entry.pk)
    client = client_for(personas.role(role))

    thread = client.get(f"/entries/{personas.entry.pk}/comments/")

    assert thread.status_code == 404 and COMMENT not in _text(thread)
    assert _comment(client, personas.entry.pk).status_code == 404
    assert EntryComment.objects.count() == 1


def test_a_support_person_shown_the_entry_does_not_see_the_care_teams_comments(
    personas: Personas, shared: Share
) -> None:
    p = personas  # the support person is in the patient's circle
    sharing.share_item(patient=p.patient, item=p.entry, person=p.support_person)
    _comment(client_for(p.care_clinician), p.entry.pk)
    support = client_for(p.support_person)

    page = support.get(f"/journal/{p.entry.pk}/")

    assert page.status_code == 200 and COMMENT not in _text(page)
    assert support.get(f"/entries/{p.entry.pk}/comments/").status_code == 404
    assert _comment(support, p.entry.pk).status_code == 404


def test_the_clinicians_reads_and_writes_are_audited_without_the_words(
    personas: Personas, shared: Share
) -> None:
    p = personas
    client = client_for(p.care_clinician)
    before = AuditEvent.objects.count()

    _comment(client, p.entry.pk)
    client.get(f"/entries/{p.entry.pk}/comments/")
    client_for(p.patient).get(f"/entries/{p.entry.pk}/comments/")  # the patient: not audited

    events = AuditEvent.objects.filter(resource="care.entry_comment").order_by("pk")
    assert [(e.actor_id, e.patient_id, e.action, e.object_id) for e in events] == [
        (p.care_clinician.pk, p.patient.pk, "write", str(p.entry.pk)),
        (p.care_clinician.pk, p.patient.pk, "read", str(p.entry.pk)),
    ]
    assert AuditEvent.objects.count() - before >= 2
    assert not any(COMMENT in str(row) for row in AuditEvent.objects.values_list())


def test_an_empty_comment_is_refused_and_nothing_is_saved(
    personas: Personas, shared: Share
) -> None:
    response = client_for(personas.care_clinician).post(
        f"/entries/{personas.entry.pk}/comments/",
        {"text": "", "submission_id": str(uuid.uuid4())},
    )

    assert response.status_code == 400
    assert "The comment was not saved" in _text(response)
    assert not EntryComment.objects.exists()
