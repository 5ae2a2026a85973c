"""Writes to the care record: the one place a course, session, intention or note changes."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.care.models import (
    CareRole,
    CareTeamMembership,
    EntryComment,
    GuideNote,
    NoteKind,
    NoteTag,
    Session,
    SessionIntention,
    SessionObservation,
    SessionStatus,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    TreatmentCourse,
)
from claywork.core.idempotent import create_once
from claywork.journal.models import Entry, Prompt
from claywork.reminders import services as reminders
from claywork.safety import free_text, routing
from claywork.themes.services import themes_writing_changed

# Starting a session further than this from its planned time asks for confirmation first.
CONFIRM_START_HOURS = 12


class SessionStateError(ValueError):
    """The session is not in a state that allows this step."""


def care_team_add(*, patient: User, clinician: User, care_role: str) -> CareTeamMembership:
    if patient.role != Role.PATIENT or clinician.role != Role.CLINICIAN:
        raise ValueError("a care team joins a patient and a clinician")
    if patient.clinic_id != clinician.clinic_id:
        raise ValueError("a care team stays inside one clinic")
    with transaction.atomic():
        membership, created = CareTeamMembership.objects.update_or_create(
            patient=patient, clinician=clinician, defaults={"care_role": care_role}
        )
        if created:
            # A new member is told of the alerts still open (issue 17: never "done" without
            # a reader); the on-call staff who had them keep what they were sent.
            routing.alerts_reroute(patient_ids=[patient.pk], now=timezone.now())
    return membership


def care_team_remove(*, patient: User, clinician: User) -> None:
    with transaction.atomic():
        removed, _ = CareTeamMembership.objects.filter(
            patient=patient, clinician=clinician
        ).delete()
        if removed:
            # The last member gone: the open alerts go to the on-call list.
            routing.alerts_reroute(patient_ids=[patient.pk], now=timezone.now())


def default_care_role(clinician: User) -> str:
    return (
        CareRole.GUIDE
        if clinician.clinician_kind == CareRole.GUIDE
        else CareRole.INTEGRATION_THERAPIST
    )


def course_create(
    *,
    patient: User,
    created_by: User,
    title: str,
    modality: str,
    planned_sessions: int,
    starts_on: date | None,
) -> TreatmentCourse:
    course = TreatmentCourse(
        patient=patient,
        created_by=created_by,
        modality=modality,
        planned_sessions=planned_sessions,
        starts_on=starts_on,
    )
    course.title = title  # sealed with the patient's key, so set once the patient is
    course.save()
    return course


def motivation_save(*, course: TreatmentCourse, text: str) -> TreatmentCourse:
    course.motivation = text
    course.motivation_updated_at = timezone.now()
    course.save(update_fields=["motivation_sealed", "motivation_updated_at"])
    return course


def session_schedule(*, course: TreatmentCourse, scheduled_at: datetime, location: str) -> Session:
    """Two scheduled sessions of one course at the same moment can only be a double submit."""
    existing = Session.objects.filter(
        course=course, scheduled_at=scheduled_at, status=SessionStatus.SCHEDULED
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        session = Session(course=course, patient_id=course.patient_id, scheduled_at=scheduled_at)
        session.location = location
        session.save()
        reminders.reminders_plan_for_scheduled_session(session=session, now=timezone.now())
    return session


def session_reschedule(*, session: Session, scheduled_at: datetime, location: str) -> Session:
    if session.status != SessionStatus.SCHEDULED:
        raise SessionStateError("Only a scheduled session can be moved.")
    session.scheduled_at = scheduled_at
    session.location = location
    with transaction.atomic():
        session.save(update_fields=["scheduled_at", "location_sealed", "updated_at"])
        reminders.reminders_plan_for_scheduled_session(session=session, now=timezone.now())
    return session


def _transition(session_id: int, allowed: tuple[str, ...], **changes: object) -> Session:
    """Move a session between states with one conditional UPDATE, so two clicks race safely."""
    updated = Session.objects.filter(pk=session_id, status__in=allowed).update(
        updated_at=timezone.now(), **changes
    )
    if not updated:
        raise SessionStateError("This session has already moved on; the page is now up to date.")
    return Session.objects.select_related("course").get(pk=session_id)


def session_start(*, session: Session) -> Session:
    return _transition(
        session.pk,
        (SessionStatus.SCHEDULED,),
        status=SessionStatus.IN_PROGRESS,
        started_at=timezone.now(),
    )


@transaction.atomic
def session_complete(*, session: Session, debrief: str) -> Session:
    """Completing a session opens the patient's integration window."""
    now = timezone.now()
    sealer = Session(pk=session.pk, patient_id=session.patient_id)
    sealer.debrief = debrief
    completed = _transition(
        session.pk,
        (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS),
        status=SessionStatus.COMPLETED,
        completed_at=now,
        debrief_sealed=sealer.debrief_sealed,
    )
    if completed.started_at is None:
        Session.objects.filter(pk=session.pk).update(started_at=now)
        completed.started_at = now
    reminders.reminders_plan_for_completed_session(session=completed, now=now)
    # Completing a session opens its guide notes to the patient: new words for their themes.
    themes_writing_changed(patient_id=completed.patient_id)
    return completed


@transaction.atomic
def session_cancel(*, session: Session) -> Session:
    cancelled = _transition(session.pk, (SessionStatus.SCHEDULED,), status=SessionStatus.CANCELLED)
    reminders.reminders_cancel_for_session(session=cancelled)
    return cancelled


def intention_save(*, session: Session, text: str) -> SessionIntention:
    if not session.accepts_intentions:
        raise SessionStateError("Intentions are set before the session is completed.")
    intention = SessionIntention.objects.filter(session=session).first() or SessionIntention(
        session=session, patient_id=session.patient_id
    )
    # Only changed words are screened again (see journal.services.entry_update).
    crisis = (
        free_text.screening_level(text, patient_id=session.patient_id)
        if intention.text != text
        else ""
    )
    with transaction.atomic():
        intention.text = text
        intention.save()
        if crisis:
            free_text.crisis_language_alert(
                patient=session.patient,
                source=free_text.WrittenText.INTENTION,
                saved=intention,
                level=crisis,
            )
        themes_writing_changed(patient_id=session.patient_id)
    return intention


def guide_note_add(
    *,
    session: Session,
    author: User,
    text: str,
    kind: str = NoteKind.OBSERVATION,
    submission_id: uuid.UUID,
    tags: list[str] | None = None,
    private: bool = False,
) -> GuideNote:
    """Idempotent per form submission: a second POST of the same form returns the same note.

    Each note is stamped with the minutes since the session's actual start; one written after
    the session was completed is kept as a late note, and says so. A private note is sealed
    like any other and is never shown to the patient (``selectors.guide_notes``)."""
    if not session.accepts_guide_notes:
        raise SessionStateError("Notes are taken once the session has started.")
    now = timezone.now()

    def build() -> GuideNote:
        started = session.started_at
        note = GuideNote(
            session=session,
            patient_id=session.patient_id,
            author=author,
            kind=kind,
            noted_at=now,
            submission_id=submission_id,
            tags=[tag for tag in NoteTag.values if tag in (tags or [])],
            private=private,
            elapsed_minutes=(
                max(0, int((now - started).total_seconds() // 60)) if started else None
            ),
            late=session.is_completed,
        )
        note.text = text
        return note

    note, created = create_once(
        GuideNote, lookup={"session": session, "submission_id": submission_id}, build=build
    )
    if created and not note.private:
        themes_writing_changed(patient_id=session.patient_id)
    return note


def observation_save(
    *, session: Session, recorded_by: User, values: dict[str, object]
) -> SessionObservation:
    """Keep the session's structured observations (sealed; the care team reads them). The
    values replace those saved before: the form shows them all."""
    if session.status not in (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED):
        raise SessionStateError("Observations are recorded once the session has started.")
    observation = SessionObservation.objects.filter(session=session).first() or (
        SessionObservation(session=session, patient_id=session.patient_id)
    )
    observation.values_json = json.dumps(values, sort_keys=True)
    observation.recorded_by = recorded_by
    observation.save()
    return observation


# --- Comments on shared entries and suggestions (the care team beside the patient) ---------


def entry_comment_add(
    *, entry: Entry, author: User, text: str, submission_id: uuid.UUID
) -> tuple[EntryComment, bool]:
    """A care-team clinician's comment on a shared entry, sealed with the patient's key.
    Idempotent per form submission. The caller has checked ``policy.may_comment_on_entry``."""

    def build() -> EntryComment:
        comment = EntryComment(
            entry=entry, patient_id=entry.patient_id, author=author, submission_id=submission_id
        )
        comment.text = text
        return comment

    return create_once(
        EntryComment, lookup={"entry": entry, "submission_id": submission_id}, build=build
    )


@dataclass(frozen=True)
class SuggestedGoal:
    title: str
    realm: str
    cadence: str
    per_week: int = 1


def suggestion_make(
    *,
    patient: User,
    clinician: User,
    submission_id: uuid.UUID,
    prompt: Prompt | None = None,
    prompt_words: str = "",
    goal: SuggestedGoal | None = None,
) -> tuple[Suggestion, bool]:
    """Suggest one reflection prompt (from the library, or in the clinician's own words) or one
    goal. Idempotent per form submission. The caller has checked ``policy.may_suggest``."""
    if (prompt is not None) + bool(prompt_words.strip()) + (goal is not None) != 1:
        raise ValueError("a suggestion is one library prompt, one prompt in words, or one goal")

    def build() -> Suggestion:
        suggestion = Suggestion(
            patient=patient,
            clinician=clinician,
            kind=SuggestionKind.GOAL if goal is not None else SuggestionKind.PROMPT,
            prompt=prompt,
            submission_id=submission_id,
        )
        if goal is not None:
            suggestion.words = goal.title
            suggestion.realm, suggestion.cadence = goal.realm, goal.cadence
            suggestion.per_week = goal.per_week
        else:
            suggestion.words = prompt_words.strip()
        return suggestion

    return create_once(
        Suggestion, lookup={"patient": patient, "submission_id": submission_id}, build=build
    )


def _decide(suggestion: Suggestion, status: str) -> bool:
    """Claim the decision with one conditional UPDATE: of two clicks, one decides."""
    decided = Suggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.PENDING).update(
        status=status, decided_at=timezone.now()
    )
    suggestion.refresh_from_db()
    return bool(decided)


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion) -> Suggestion:
    """The patient takes the suggestion up. A goal becomes one of their goals (through
    ``practice.services.goal_create``, once, however often this is called)."""
    if not _decide(suggestion, SuggestionStatus.ACCEPTED):
        return suggestion
    if suggestion.kind == SuggestionKind.GOAL:
        from claywork.practice.services import goal_create

        created, _ = goal_create(
            patient=suggestion.patient,
            realm=suggestion.realm,
            title=suggestion.words,
            cadence=suggestion.cadence,
            per_week=suggestion.per_week,
            # The suggestion's own submission makes the goal's: one goal per suggestion.
            submission_id=suggestion.submission_id,
        )
        Suggestion.objects.filter(pk=suggestion.pk).update(goal=created)
        suggestion.goal = created
    return suggestion


@transaction.atomic
def suggestion_decline(*, suggestion: Suggestion, reason: str = "") -> Suggestion:
    """The patient says no, with an optional reason for their care team (sealed)."""
    if _decide(suggestion, SuggestionStatus.DECLINED) and reason.strip():
        suggestion.decline_reason = reason.strip()
        suggestion.save(update_fields=["decline_reason_sealed"])
    return suggestion
