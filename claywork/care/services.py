"""Writes to the care record: the one place a course, session, intention or note changes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.care.models import (
    CareRole,
    CareTeamMembership,
    GuideNote,
    NoteKind,
    Session,
    SessionIntention,
    SessionStatus,
    TreatmentCourse,
)
from claywork.reminders import services as reminders
from claywork.safety import free_text


class SessionStateError(ValueError):
    """The session is not in a state that allows this step."""


def care_team_add(*, patient: User, clinician: User, care_role: str) -> CareTeamMembership:
    if patient.role != Role.PATIENT or clinician.role != Role.CLINICIAN:
        raise ValueError("a care team joins a patient and a clinician")
    if patient.clinic_id != clinician.clinic_id:
        raise ValueError("a care team stays inside one clinic")
    membership, _ = CareTeamMembership.objects.update_or_create(
        patient=patient, clinician=clinician, defaults={"care_role": care_role}
    )
    return membership


def care_team_remove(*, patient: User, clinician: User) -> None:
    CareTeamMembership.objects.filter(patient=patient, clinician=clinician).delete()


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
    return TreatmentCourse.objects.create(
        patient=patient,
        created_by=created_by,
        title=title,
        modality=modality,
        planned_sessions=planned_sessions,
        starts_on=starts_on,
    )


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
        session = Session.objects.create(
            course=course,
            patient_id=course.patient_id,
            scheduled_at=scheduled_at,
            location=location,
        )
        reminders.reminders_plan_for_scheduled_session(session=session, now=timezone.now())
    return session


def session_reschedule(*, session: Session, scheduled_at: datetime, location: str) -> Session:
    if session.status != SessionStatus.SCHEDULED:
        raise SessionStateError("Only a scheduled session can be moved.")
    session.scheduled_at = scheduled_at
    session.location = location
    with transaction.atomic():
        session.save(update_fields=["scheduled_at", "location", "updated_at"])
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
    crisis = intention.text != text and free_text.is_crisis_language(text)
    with transaction.atomic():
        intention.text = text
        intention.save()
        if crisis:
            free_text.crisis_language_alert(
                patient=session.patient, source=free_text.WrittenText.INTENTION, saved=intention
            )
    return intention


def guide_note_add(
    *,
    session: Session,
    author: User,
    text: str,
    kind: str = NoteKind.OBSERVATION,
    submission_id: uuid.UUID,
) -> GuideNote:
    """Idempotent per form submission: a second POST of the same form returns the same note."""
    if not session.accepts_guide_notes:
        raise SessionStateError("Notes are taken once the session has started.")
    existing = GuideNote.objects.filter(session=session, submission_id=submission_id).first()
    if existing is not None:
        return existing
    note = GuideNote(
        session=session,
        patient_id=session.patient_id,
        author=author,
        kind=kind,
        noted_at=timezone.now(),
        submission_id=submission_id,
    )
    note.text = text
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError:
        return GuideNote.objects.get(session=session, submission_id=submission_id)
    return note
