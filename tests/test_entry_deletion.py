"""Deleting a journal entry: gone for everyone at once, "Undo" for 10 seconds, then purged with
its shares and comments; the audit trail keeps that it happened, not what it said."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from claywork.audit.models import AuditEvent
from claywork.care import services as care
from claywork.care.models import EntryComment
from claywork.core.housekeeping import housekeeping_run
from claywork.journal import services as journal
from claywork.journal.models import Draft, Entry
from claywork.sharing import services as sharing
from claywork.sharing.models import Share
from tests import factories
from tests.conftest import Personas, client_for
from tests.ownership_support import readable_anywhere

WORDS = "The lantern swung over the harbour wall."
PAST_UNDO = timedelta(seconds=journal.UNDO_SECONDS + journal.UNDO_GRACE_SECONDS + 1)


def _shared_entry(personas: Personas) -> Entry:
    entry = factories.make_entry(personas.patient, body=WORDS)
    sharing.share_item(patient=personas.patient, item=entry, care_team=True)
    sharing.share_item(patient=personas.patient, item=entry, person=personas.support_person)
    care.entry_comment_add(
        entry=entry,
        author=personas.care_clinician,
        text="Thank you for the lantern.",
        submission_id=uuid.uuid4(),
    )
    journal.draft_save(
        patient=personas.patient, draft_key=f"edit-{entry.pk}", fields={"body": "half-edit"}
    )
    return entry


def test_a_deleted_entry_is_gone_for_everyone_at_once(personas: Personas) -> None:
    entry = _shared_entry(personas)
    patient = client_for(personas.patient)

    response = patient.post(f"/journal/{entry.pk}/delete/")

    assert response.status_code == 302
    assert response["Location"] == f"/journal/?deleted={entry.pk}"
    listing = patient.get(response["Location"]).content.decode()
    assert "Entry deleted." in listing and f"/journal/{entry.pk}/restore/" in listing
    assert WORDS not in listing
    for reader in (personas.patient, personas.care_clinician, personas.support_person):
        assert client_for(reader).get(f"/journal/{entry.pk}/").status_code == 404
    supporter_feed = client_for(personas.support_person).get(f"/supporting/{personas.patient.pk}/")
    assert WORDS not in supporter_feed.content.decode()
    sharing_page = patient.get("/sharing/").content.decode()
    assert f"/journal/{entry.pk}/" not in sharing_page


def test_undo_within_the_window_brings_back_the_entry_with_its_shares_and_comments(
    personas: Personas,
) -> None:
    entry = _shared_entry(personas)
    patient = client_for(personas.patient)
    patient.post(f"/journal/{entry.pk}/delete/")

    with time_machine.travel(timezone.now() + timedelta(seconds=9)):
        response = patient.post(f"/journal/{entry.pk}/restore/")
        housekeeping_run(now=timezone.now())

    assert response.status_code == 302 and response["Location"] == f"/journal/{entry.pk}/"
    assert client_for(personas.support_person).get(f"/journal/{entry.pk}/").status_code == 200
    assert Share.objects.filter(entry=entry, revoked_at__isnull=True).count() == 2
    assert EntryComment.objects.filter(entry=entry).exists()
    assert not AuditEvent.objects.filter(action="delete", resource="journal.entry").exists()


def test_after_the_window_the_entry_is_purged_and_only_the_fact_is_kept(
    personas: Personas,
) -> None:
    entry = _shared_entry(personas)
    patient = client_for(personas.patient)
    patient.post(f"/journal/{entry.pk}/delete/")

    with time_machine.travel(timezone.now() + PAST_UNDO):
        too_late = patient.post(f"/journal/{entry.pk}/restore/", follow=True)
        results = housekeeping_run(now=timezone.now())

    assert "It is too late to undo" in too_late.content.decode()
    assert results["journal.purge_deleted_entries"] == 1
    assert not Entry.all_objects.filter(pk=entry.pk).exists()
    assert not Share.objects.filter(entry_id=entry.pk).exists()
    assert not EntryComment.objects.filter(entry_id=entry.pk).exists()
    assert not Draft.objects.filter(draft_key=f"edit-{entry.pk}").exists()
    event = AuditEvent.objects.get(action="delete", resource="journal.entry")
    assert (event.actor_id, event.patient_id, event.object_id) == (
        personas.patient.pk,
        personas.patient.pk,
        str(entry.pk),
    )
    assert not readable_anywhere([WORDS, "Thank you for the lantern.", "half-edit"])


def test_deleting_twice_says_it_is_already_deleted(personas: Personas) -> None:
    entry = factories.make_entry(personas.patient)
    patient = client_for(personas.patient)
    patient.post(f"/journal/{entry.pk}/delete/")

    again = patient.post(f"/journal/{entry.pk}/delete/", follow=True)

    assert again.status_code == 200
    assert "That entry is already deleted." in again.content.decode()
    with time_machine.travel(timezone.now() + PAST_UNDO):
        journal.entries_purge_deleted(now=timezone.now())
    # Once purged it is like any id that is not yours: 404, nothing more.
    assert patient.post(f"/journal/{entry.pk}/delete/").status_code == 404


@pytest.mark.parametrize("role", ["other_patient", "care_clinician", "support_person"])
def test_only_the_writer_deletes_an_entry(personas: Personas, role: str) -> None:
    entry = _shared_entry(personas)

    response = client_for(getattr(personas, role)).post(f"/journal/{entry.pk}/delete/")

    assert response.status_code == 404
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_only_the_writer_undoes_a_deletion(personas: Personas) -> None:
    entry = factories.make_entry(personas.patient)
    client_for(personas.patient).post(f"/journal/{entry.pk}/delete/")

    client_for(personas.other_patient).post(f"/journal/{entry.pk}/restore/")

    assert not Entry.objects.filter(pk=entry.pk).exists()


def test_sending_again_the_form_of_a_deleted_entry_keeps_the_words(personas: Personas) -> None:
    patient = client_for(personas.patient)
    submission = str(uuid.uuid4())
    form = {"kind": "reflection", "title": "", "body": WORDS, "submission_id": submission}
    patient.post("/journal/new/", form)
    entry = Entry.objects.get(patient=personas.patient, submission_id=submission)
    patient.post(f"/journal/{entry.pk}/delete/")

    again = patient.post("/journal/new/", form)

    assert again.status_code == 400
    page = again.content.decode()
    assert "You deleted the entry this form saved." in page
    assert WORDS in page
    assert submission not in page  # a fresh form id: saving again makes a new entry
    assert Draft.objects.filter(patient=personas.patient, draft_key="new-s0-p0").exists()


def test_the_undo_window_is_offered_only_to_the_writer_and_only_while_it_lasts(
    personas: Personas,
) -> None:
    entry = factories.make_entry(personas.patient)
    client_for(personas.patient).post(f"/journal/{entry.pk}/delete/")

    other = client_for(personas.other_patient).get(f"/journal/?deleted={entry.pk}")
    with time_machine.travel(timezone.now() + timedelta(seconds=journal.UNDO_SECONDS + 1)):
        late = client_for(personas.patient).get(f"/journal/?deleted={entry.pk}")

    assert "Entry deleted." not in other.content.decode()
    assert "Entry deleted." not in late.content.decode()
