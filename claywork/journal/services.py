"""Writes to the journal. Every write is one short transaction: all of it, or none of it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care.models import Session
from claywork.core.idempotent import create_once
from claywork.journal.models import Draft, Entry, Prompt, Tag, tag_index_of
from claywork.practice.models import Goal
from claywork.safety import free_text
from claywork.themes.services import themes_writing_changed

DRAFT_MAX_CHARS = 1_000_000  # far above an entry's limit: an oversized draft is still kept


@dataclass(frozen=True)
class EntryContent:
    kind: str
    title: str
    body: str
    tags: list[str]
    # The part of the integration plan the entry feeds, if any.
    realm: str = ""
    goal: Goal | None = None

    def check_owner(self, patient_id: int) -> None:
        if self.goal is not None and self.goal.patient_id != patient_id:
            raise ValueError("an entry links only to its writer's own goal")


def _set_tags(entry: Entry, names: list[str]) -> None:
    # Names are sealed: a tag is found by its blind index, never by its words.
    wanted = {tag_index_of(name): name for name in names}
    mine = Tag.objects.filter(patient_id=entry.patient_id)
    existing = {tag.name_index: tag for tag in mine.filter(name_index__in=wanted)}
    missing = [
        Tag.named(patient_id=entry.patient_id, name=name)
        for index, name in wanted.items()
        if index not in existing
    ]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name_index: tag for tag in mine.filter(name_index__in=wanted)}
    entry.tags.set([existing[index] for index in wanted])


def entry_create(
    *,
    patient: User,
    content: EntryContent,
    submission_id: uuid.UUID,
    session: Session | None = None,
    prompt: Prompt | None = None,
    draft_key: str = "",
) -> tuple[Entry, bool]:
    """Save a new entry; the same submission twice (or twice at once) returns the first entry,
    not a second. The entry, its tags, the draft's removal and any crisis-language alert are
    one transaction; the text is screened before it, so no write lock waits on the detector."""
    crisis = ""  # the screening level, "" for nothing to act on
    if Entry.all_objects.filter(
        patient=patient, submission_id=submission_id, deleted_at__isnull=False
    ).exists():
        raise EntryWasDeleted("the entry this form made was deleted")

    def build() -> Entry:
        nonlocal crisis
        if session is not None and session.patient_id != patient.pk:
            raise ValueError("an entry links only to its writer's own session")
        content.check_owner(patient.pk)
        entry = Entry(
            patient=patient,
            kind=content.kind,
            session=session,
            prompt=prompt,
            realm=content.realm,
            goal=content.goal,
            submission_id=submission_id,
        )
        entry.title = content.title
        entry.body = content.body
        crisis = free_text.screening_level(
            _screened_text(content.title, content.body), patient_id=patient.pk
        )
        return entry

    def with_entry(entry: Entry) -> None:
        _set_tags(entry, content.tags)
        if draft_key:
            Draft.objects.filter(patient=patient, draft_key=draft_key).delete()
        if crisis:
            free_text.crisis_language_alert(
                patient=patient,
                source=free_text.WrittenText.JOURNAL_ENTRY,
                saved=entry,
                level=crisis,
            )

    entry, created = create_once(
        Entry,
        lookup={"patient": patient, "submission_id": submission_id},
        build=build,
        with_row=with_entry,
    )
    if created:
        themes_writing_changed(patient_id=patient.pk)
    return entry, created


def _screened_text(title: str, body: str) -> str:
    return f"{title}\n{body}"


def entry_update(*, entry: Entry, content: EntryContent, draft_key: str = "") -> Entry:
    # Only changed words are screened again: re-saving the same text (new tags, a double
    # submit) does not alert the care team a second time.
    changed = _screened_text(content.title, content.body) != _screened_text(entry.title, entry.body)
    crisis = (
        free_text.screening_level(
            _screened_text(content.title, content.body), patient_id=entry.patient_id
        )
        if changed
        else ""
    )
    content.check_owner(entry.patient_id)
    with transaction.atomic():
        entry.kind = content.kind
        entry.realm = content.realm
        entry.goal = content.goal
        entry.title = content.title
        entry.body = content.body
        entry.save()
        _set_tags(entry, content.tags)
        if draft_key:
            Draft.objects.filter(patient_id=entry.patient_id, draft_key=draft_key).delete()
        if crisis:
            free_text.crisis_language_alert(
                patient=entry.patient,
                source=free_text.WrittenText.JOURNAL_ENTRY,
                saved=entry,
                level=crisis,
            )
    themes_writing_changed(patient_id=entry.patient_id)
    return entry


def draft_save(*, patient: User, draft_key: str, fields: dict[str, str]) -> Draft:
    """Keep what is being typed. Oversized text is kept too (trimmed only past 1M chars)."""
    payload = {name: str(value)[:DRAFT_MAX_CHARS] for name, value in fields.items()}
    draft = Draft.objects.filter(patient=patient, draft_key=draft_key).first() or Draft(
        patient=patient, draft_key=draft_key
    )
    draft.content = json.dumps(payload)
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:  # two autosaves raced to create it; the later one wins
        draft = Draft.objects.get(patient=patient, draft_key=draft_key)
        draft.content = json.dumps(payload)
        draft.save()
    return draft


def draft_fields(draft: Draft | None) -> dict[str, str]:
    if draft is None:
        return {}
    try:
        loaded = json.loads(draft.content)
    except ValueError:
        return {}
    return (
        {str(key): str(value) for key, value in loaded.items()} if isinstance(loaded, dict) else {}
    )


def draft_discard(*, patient: User, draft_key: str) -> None:
    Draft.objects.filter(patient=patient, draft_key=draft_key).delete()


# --- Deleting an entry, with a moment to undo ------------------------------------------------

# The page offers "Undo" for UNDO_SECONDS; the server accepts it a little longer, for an undo
# pressed at the last moment on a slow connection. Nobody sees the entry meanwhile.
UNDO_SECONDS = 10
UNDO_GRACE_SECONDS = 5


class EntryWasDeleted(Exception):
    """A form that made an entry the patient has since deleted was sent again."""


def _undo_deadline(now: datetime) -> datetime:
    return now - timedelta(seconds=UNDO_SECONDS + UNDO_GRACE_SECONDS)


def entry_delete(*, entry: Entry) -> bool:
    """Hide the entry from everyone at once; purged after the undo window. False when it was
    already deleted (a second click)."""
    deleted = Entry.all_objects.filter(pk=entry.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now()
    )
    if deleted:
        themes_writing_changed(patient_id=entry.patient_id)
    return bool(deleted)


def entry_restore(*, patient: User, entry_id: int) -> bool:
    """Undo a deletion still inside its window. False when it is too late (or not theirs)."""
    restored = Entry.all_objects.filter(
        pk=entry_id,
        patient=patient,
        deleted_at__gte=_undo_deadline(timezone.now()),
    ).update(deleted_at=None)
    if restored:
        themes_writing_changed(patient_id=patient.pk)
    return bool(restored)


def entry_recently_deleted(*, patient: User, entry_id: int) -> Entry | None:
    """The patient's entry if it is deleted and not yet purged (for "already deleted")."""
    return Entry.all_objects.filter(pk=entry_id, patient=patient, deleted_at__isnull=False).first()


def entries_purge_deleted(*, now: datetime) -> int:
    """Delete for good the entries whose undo window has passed, with their tags' links,
    shares, care-team comments and edit drafts (one transaction each), and record in the audit
    trail that each was deleted (codes and ids; never what it said). Returns how many."""
    from claywork.audit.services import audit_record

    due = list(
        Entry.all_objects.filter(deleted_at__lt=_undo_deadline(now))
        .select_related("patient")
        .order_by("pk")[:500]
    )
    purged = 0
    for entry in due:
        with transaction.atomic():
            if not Entry.all_objects.filter(pk=entry.pk, deleted_at__isnull=False).delete()[0]:
                continue  # restored (or purged by another sweep) a moment ago
            Draft.objects.filter(patient_id=entry.patient_id, draft_key=f"edit-{entry.pk}").delete()
        purged += 1
        audit_record(
            actor=entry.patient,
            patient=entry.patient,
            action="delete",
            resource="journal.entry",
            object_id=entry.pk,
            route="journal.purge",
        )
    return purged
