"""Everything a patient has in Claywork, as plain data: one function per part of the export.

Each returns JSON-ready values (strings, numbers, lists, dicts; times in ISO 8601 UTC), opened
from the vault where sealed. What the patient may not read in Claywork (a guide's notes of a
session not yet completed, what clinicians wrote on alerts) is not here either. The journal
is a generator: it is read and written a batch at a time, so an export of thousands of
entries stays small in memory (``export.py``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from claywork.accounts.models import PatientContact, User
from claywork.audit.selectors import patient_log_rows_all
from claywork.care.models import EntryComment, GuideNote, Session, Suggestion, TreatmentCourse
from claywork.circle.models import CheckInRequest, CircleMember, EncouragementNote
from claywork.clinics.consent import topic_for
from claywork.clinics.models import ConsentRecord
from claywork.core import policy
from claywork.crisis.models import PLAN_FIELDS, SafetyPlanVersion
from claywork.journal.models import Draft, Entry, EntryKind, Tag
from claywork.measures.models import CheckIn, ScaleResponse
from claywork.measures.selectors import tags_by_day
from claywork.messaging.models import Message, MessageDraft, Thread
from claywork.practice.models import Goal, Practice, PracticeLog, Realm, RealmRating
from claywork.reminders.models import ReminderPreferences, Routine
from claywork.sharing.models import Share
from claywork.themes.models import Audience, ThemeEdit, ThemeSnapshot
from claywork.vault.services import open_text

Data = dict[str, Any]
JOURNAL_BATCH = 500


def when(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _loaded(raw: str) -> Any:
    """A sealed JSON value, parsed (or as written, if it is not JSON)."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


def profile(patient: User) -> Data:
    return {
        "name": patient.full_name,
        "email": patient.email,
        "time_zone": patient.timezone,
        "language": patient.language,
        "clinic": patient.clinic.name if patient.clinic else None,
        "joined": when(patient.date_joined),
        "contact": _contact(patient),
    }


def _contact(patient: User) -> Data | None:
    """The phone number and emergency contact the care team sees on an alert."""
    contact = PatientContact.objects.filter(patient=patient).first()
    if contact is None:
        return None
    return {
        "phone": contact.phone,
        "emergency_name": contact.emergency_name,
        "emergency_relationship": contact.emergency_relationship,
        "emergency_phone": contact.emergency_phone,
    }


def _audience(share: Share) -> Data:
    return {
        "with": "your care team"
        if share.care_team
        else (share.person.full_name if share.person else ""),
        "since": when(share.created_at),
        "until": when(share.revoked_at),
    }


def _opened(token: str, context: str, owner_id: int) -> str:
    return open_text(token=token, context=context, owner_id=owner_id) if token else ""


_KINDS = dict(EntryKind.choices)
_REALMS = dict(Realm.choices)
_ENTRY_COLUMNS = (
    "pk", "created_at", "updated_at", "kind", "title_sealed", "body_sealed", "session_id",
    "prompt__text", "realm", "goal_id",
)  # fmt: skip


def _batch_extras(ids: list[int]) -> tuple[dict[int, list], dict[int, list], dict[int, list]]:
    """Tags, shares and comments of a batch of entries: three queries, plain values."""
    tags: dict[int, list] = defaultdict(list)
    for entry_id, owner_id, sealed in Entry.tags.through.objects.filter(
        entry_id__in=ids
    ).values_list("entry_id", "tag__patient_id", "tag__name_sealed"):
        tags[entry_id].append(_opened(sealed, Tag.name.context, owner_id))
    shares: dict[int, list] = defaultdict(list)
    for entry_id, care_team, person, created, revoked in (
        Share.objects.filter(entry_id__in=ids)
        .order_by("pk")
        .values_list("entry_id", "care_team", "person__full_name", "created_at", "revoked_at")
    ):
        shares[entry_id].append(
            {
                "with": "your care team" if care_team else (person or ""),
                "since": when(created),
                "until": when(revoked),
            }
        )
    comments: dict[int, list] = defaultdict(list)
    for entry_id, owner_id, author, created, text_sealed in (
        EntryComment.objects.filter(entry_id__in=ids)
        .order_by("created_at", "pk")
        .values_list("entry_id", "patient_id", "author__full_name", "created_at", "text_sealed")
    ):
        comments[entry_id].append(
            {
                "by": author or "A former care-team member",
                "written": when(created),
                "text": _opened(text_sealed, EntryComment.text.context, owner_id),
            }
        )
    return tags, shares, comments


def journal(patient: User) -> Iterator[Data]:
    """Every entry, oldest first, ``JOURNAL_BATCH`` at a time (keyset on the id, so a batch
    costs four queries whatever its place): plain values opened straight from the vault."""
    rows = Entry.objects.filter(patient=patient).order_by("pk").values_list(*_ENTRY_COLUMNS)
    after = 0
    while True:
        batch = list(rows.filter(pk__gt=after)[:JOURNAL_BATCH])
        if not batch:
            return
        tags, shares, comments = _batch_extras([row[0] for row in batch])
        for pk, written, changed, kind, title, body, session, prompt, realm, goal in batch:
            yield {
                "id": pk,
                "written": when(written),
                "changed": when(changed),
                "kind": _KINDS.get(kind, kind),
                "title": _opened(title, Entry.title.context, patient.pk),
                "body": _opened(body, Entry.body.context, patient.pk),
                "tags": tags.get(pk, []),
                "session": session,
                "prompt": prompt,
                "realm": _REALMS.get(realm) if realm else None,
                "goal": goal,
                "shared_with": shares.get(pk, []),
                "comments": comments.get(pk, []),
                # Attachments, once entries can have them, will be listed (and zipped) here.
            }
        after = batch[-1][0]


def drafts(patient: User) -> list[Data]:
    return [
        {"form": draft.draft_key, "saved": when(draft.updated_at), "words": _loaded(draft.content)}
        for draft in Draft.objects.filter(patient=patient).order_by("updated_at")
    ]


def _session(session: Session, patient: User) -> Data:
    readable = policy.may_read_guide_notes(patient, session)
    intention = getattr(session, "intention", None)
    return {
        "id": session.pk,
        "scheduled": when(session.scheduled_at),
        "place": session.location,
        "state": session.get_status_display(),
        "started": when(session.started_at),
        "completed": when(session.completed_at),
        "intention": intention.text if intention else None,
        "debrief": session.debrief if readable else None,
        "guide_notes": [
            {"kind": note.get_kind_display(), "noted": when(note.noted_at), "text": note.text}
            for note in session.guide_notes.all()
            if not note.private  # the clinician's private notes are not the patient's to read
        ]
        if readable
        else [],
    }


def care(patient: User) -> Data:
    courses = TreatmentCourse.objects.filter(patient=patient).prefetch_related(
        Prefetch(
            "sessions",
            queryset=Session.objects.select_related("intention").prefetch_related(
                Prefetch("guide_notes", queryset=GuideNote.objects.order_by("noted_at", "pk"))
            ),
        )
    )
    return {
        "courses": [
            {
                "title": course.title,
                "modality": course.get_modality_display(),
                "planned_sessions": course.planned_sessions,
                "starts": when(course.starts_on),
                "motivation": course.motivation,
                "sessions": [_session(session, patient) for session in course.sessions.all()],
            }
            for course in courses.order_by("created_at")
        ],
        "suggestions": [
            {
                "kind": suggestion.get_kind_display(),
                "words": suggestion.words,
                "state": suggestion.get_status_display(),
                "made": when(suggestion.created_at),
                "why_declined": suggestion.decline_reason,
            }
            for suggestion in Suggestion.objects.filter(patient=patient).order_by("created_at")
        ],
    }


def plan(patient: User) -> Data:
    logs = PracticeLog.objects.filter(patient=patient).select_related("practice")
    return {
        "realm_ratings": [
            {"day": when(row.day), "realm": row.get_realm_display(), "rating": row.rating}
            for row in RealmRating.objects.filter(patient=patient).order_by("day", "realm")
        ],
        "goals": [
            {
                "title": goal.title,
                "realm": goal.get_realm_display(),
                "cadence": goal.get_cadence_display(),
                "per_week": goal.per_week,
                "active": goal.is_active,
                "added": when(goal.created_at),
                "days_done": [when(check.day) for check in goal.checks.all()],
            }
            for goal in Goal.objects.filter(patient=patient).prefetch_related("checks")
        ],
        "own_practices": [
            practice.own_name for practice in Practice.objects.filter(patient=patient)
        ],
        "practice_log": [
            {
                "day": when(log.day),
                "practice": log.practice.display_name,
                "minutes": log.duration_minutes,
                "note": log.note,
            }
            for log in logs.order_by("day", "pk")
        ],
    }


def check_ins(patient: User) -> list[Data]:
    rows = list(CheckIn.objects.filter(patient=patient).order_by("day"))
    tags = tags_by_day(patient_id=patient.pk, since=rows[0].day, until=rows[-1].day) if rows else {}
    return [
        {
            "day": when(row.day),
            "mood": row.mood,
            "anxiety": row.anxiety,
            "energy": row.energy,
            "sleep_hours": _number(row.sleep_hours),
            "tags": sorted(tags.get(row.day, ())),
            "note": row.note,
        }
        for row in rows
    ]


def scores(patient: User) -> list[Data]:
    return [
        {
            "questionnaire": response.instrument,
            "version": response.instrument_version,
            "state": response.get_status_display(),
            "started": when(response.started_at),
            "completed": when(response.completed_at),
            "answers": _loaded(response.answers_json),
            "total": response.total,
            "band": response.band,
            "flags": response.flags,
        }
        for response in ScaleResponse.objects.filter(patient=patient).order_by("started_at")
    ]


def safety_plan(patient: User) -> list[Data]:
    versions = SafetyPlanVersion.objects.filter(patient=patient).order_by("number")
    return [
        {
            "version": version.number,
            "saved": when(version.written_at),
            "by": version.written_by_name,
            **{field: getattr(version, field) for field in PLAN_FIELDS},
        }
        for version in versions
    ]


def consents(patient: User) -> list[Data]:
    return [
        {
            "what": topic_for(record.topic).title,
            "about": record.subject,
            "words_version": record.version,
            "agreed": record.given,
            "when": when(record.recorded_at),
        }
        for record in ConsentRecord.objects.filter(user=patient).order_by("recorded_at", "pk")
    ]


def access_log(patient: User) -> list[Data]:
    return [
        {
            "when": when(row.when),
            "who": row.who,
            "role": row.role,
            "did": row.action,
            "what": row.what,
        }
        for row in patient_log_rows_all(patient.pk)
    ]


def circle(patient: User) -> Data:
    members = CircleMember.objects.filter(patient=patient).order_by("invited_at")
    return {
        "members": [
            {
                "name": member.full_name,
                "email": member.email,
                "relationship": member.relationship,
                "state": member.get_status_display(),
                "invited": when(member.invited_at),
            }
            for member in members
        ],
        "notes_received": [
            {"from": note.member.full_name, "sent": when(note.created_at), "text": note.text}
            for note in EncouragementNote.objects.filter(patient=patient).select_related("member")
        ],
        "check_in_requests": [
            {
                "to": asked.member.full_name,
                "asked": when(asked.asked_at),
                "message": asked.message,
                "answer": asked.get_answer_display() if asked.answer else None,
                "reply": asked.reply,
            }
            for asked in CheckInRequest.objects.filter(patient=patient).select_related("member")
        ],
        "shares": [
            {
                "item": share.get_category_display() if share.category else share.item_key,
                **_audience(share),
            }
            for share in Share.objects.filter(patient=patient).select_related("person")
        ],
    }


def messages(patient: User) -> Data:
    """Every conversation with the care team, and the patient's own unsent words."""
    threads = Thread.objects.filter(patient=patient).prefetch_related(
        Prefetch("messages", queryset=Message.objects.select_related("author"))
    )
    return {
        "conversations": [
            {
                "subject": thread.subject,
                "started": when(thread.created_at),
                "messages": [
                    {
                        "from": "you"
                        if message.from_patient
                        else (message.author.full_name if message.author else "your care team"),
                        "sent": when(message.created_at),
                        "text": message.body,
                    }
                    for message in thread.messages.all()
                ],
            }
            for thread in threads.order_by("created_at")
        ],
        "unsent": [
            {"saved": when(draft.updated_at), "words": draft.content}
            for draft in MessageDraft.objects.filter(author=patient, patient=patient)
        ],
    }


def reminders(patient: User) -> Data:
    prefs = ReminderPreferences.objects.filter(patient=patient).first()
    routines = Routine.objects.filter(patient=patient).select_related("goal", "practice")
    return {
        "check_in_time": prefs.check_in_time.isoformat() if prefs and prefs.check_in_time else None,
        "quiet_from": prefs.quiet_start.isoformat() if prefs and prefs.quiet_start else None,
        "quiet_until": prefs.quiet_end.isoformat() if prefs and prefs.quiet_end else None,
        "chosen": [
            {
                "about": routine.goal.title if routine.goal else routine.practice.display_name,  # type: ignore[union-attr]
                "at": routine.at.isoformat(),
                "days": routine.days_label,
            }
            for routine in routines
        ],
    }


def themes(patient: User) -> Data:
    snapshot = (
        ThemeSnapshot.objects.filter(patient=patient, audience=Audience.PATIENT)
        .order_by("-computed_at")
        .first()
    )
    found = list(snapshot.themes.all()) if snapshot else []
    return {
        "worked_out": when(snapshot.computed_at) if snapshot else None,
        "sessions": _loaded(snapshot.sessions_json) if snapshot else None,
        "themes": [
            {
                "label": theme.label,
                "phrases": _loaded(theme.phrases_json),
                "detail": _loaded(theme.detail_json),
            }
            for theme in found
        ],
        "your_edits": [
            {
                "anchor": _loaded(edit.anchor_json),
                "new_name": edit.label,
                "hidden": edit.hidden,
                "pinned": edit.pinned,
            }
            for edit in ThemeEdit.objects.filter(patient=patient)
        ],
    }


# The small parts, in the order the readable page shows them: (file, heading, function).
SECTIONS = (
    ("profile.json", "About you", profile),
    ("care.json", "Your treatment: courses, sessions, intentions, notes", care),
    ("check_ins.json", "Daily check-ins", check_ins),
    ("scores.json", "Questionnaires", scores),
    ("plan.json", "Integration plan, goals and practices", plan),
    ("safety_plan.json", "Safety plan, every version", safety_plan),
    ("circle.json", "Your circle and what you share", circle),
    ("messages.json", "Messages with your care team", messages),
    ("reminders.json", "Reminders", reminders),
    ("themes.json", "Themes in your writing", themes),
    ("drafts.json", "Unsaved drafts", drafts),
    ("consents.json", "What you agreed to", consents),
    ("access_log.json", "Who has seen your data", access_log),
)
