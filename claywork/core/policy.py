"""Who may see and change what. Every view asks here; nothing else decides.

The rules, in one place:

* A patient sees their own care record and journal. Guide notes become theirs to read once
  the session is completed (during a session they are the guide's working notes).
* A clinician sees the care record (courses, sessions, intentions, motivation, guide notes) of
  the patients whose care team they are on, in their own clinic, and may plan and run those
  sessions. A patient's journal stays private to the patient (sharing is the patient's choice).
* A clinic admin sees and manages their clinic's people and care teams, never health text.
* Check-in and scale scores are read by the patient and their care team (part of care).
* Support people see nothing of the care record.
* Alerts about a patient go to the clinicians on the patient's care team, who see them in
  their inbox; an unacknowledged high-priority alert is also e-mailed to the clinic admins,
  who get a name and a link to the care team page, never the alert itself.
* An integration plan, goals and practices are the patient's alone, for now.
* A safety plan is the patient's, written alone or with their care team; both may read and
  revise it. Crisis resources are public.

Objects a user may not see answer 404 in the access helpers, so their existence never leaks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from claywork.accounts.models import Role, User

AnyUser = User | AnonymousUser

if TYPE_CHECKING:
    from claywork.care.models import Session, TreatmentCourse
    from claywork.clinics.models import Clinic
    from claywork.journal.models import Entry
    from claywork.safety.models import Alert


def _active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def patients_in_care_of(user: AnyUser) -> QuerySet[User]:
    """The patients whose care record this user may read."""
    if not _active(user):
        return User.objects.none()
    assert isinstance(user, User)
    if user.role == Role.PATIENT:
        return User.objects.filter(pk=user.pk)
    if user.role == Role.CLINICIAN and user.clinic_id is not None:
        return User.objects.filter(
            role=Role.PATIENT,
            clinic_id=user.clinic_id,
            care_team_links__clinician=user,
            is_active=True,
        )
    return User.objects.none()


def is_care_team_clinician(user: AnyUser, patient_id: int) -> bool:
    if not _active(user) or user.role != Role.CLINICIAN:  # type: ignore[union-attr]
        return False
    return patients_in_care_of(user).filter(pk=patient_id).exists()


def care_team_of(patient: User) -> QuerySet[User]:
    """The clinicians who may read this patient's care record: ``patients_in_care_of`` turned
    around."""
    if patient.clinic_id is None:
        return User.objects.none()
    return User.objects.filter(
        role=Role.CLINICIAN,
        is_active=True,
        clinic_id=patient.clinic_id,
        caseload_links__patient=patient,
    )


def clinic_admins_of(patient: User) -> QuerySet[User]:
    if patient.clinic_id is None:
        return User.objects.none()
    return User.objects.filter(role=Role.CLINIC_ADMIN, is_active=True, clinic_id=patient.clinic_id)


def courses_visible_to(user: AnyUser) -> QuerySet[TreatmentCourse]:
    from claywork.care.models import TreatmentCourse

    return TreatmentCourse.objects.filter(patient__in=patients_in_care_of(user))


def sessions_visible_to(user: AnyUser) -> QuerySet[Session]:
    from claywork.care.models import Session

    return Session.objects.filter(patient__in=patients_in_care_of(user))


def may_plan_care(user: AnyUser, patient_id: int) -> bool:
    """Plan courses and sessions, run a session, write guide notes."""
    return is_care_team_clinician(user, patient_id)


def may_write_intentions(user: AnyUser, session: Session) -> bool:
    return _active(user) and session.patient_id == user.pk and session.accepts_intentions


def may_read_guide_notes(user: AnyUser, session: Session) -> bool:
    if not _active(user):
        return False
    if session.patient_id == user.pk:
        return session.is_completed
    return is_care_team_clinician(user, session.patient_id)


def entries_visible_to(user: AnyUser) -> QuerySet[Entry]:
    """A journal is private to its writer until sharing exists."""
    from claywork.journal.models import Entry

    if not _active(user) or user.role != Role.PATIENT:  # type: ignore[union-attr]
        return Entry.objects.none()
    return Entry.objects.filter(patient_id=user.pk)


def may_keep_journal(user: AnyUser) -> bool:
    return _active(user) and user.role == Role.PATIENT  # type: ignore[union-attr]


def may_read_scores(user: AnyUser, patient_id: int) -> bool:
    """Check-in and scale scores go to the care team by default, as part of care."""
    if not _active(user):
        return False
    if user.pk == patient_id:
        return user.role == Role.PATIENT  # type: ignore[union-attr]
    return is_care_team_clinician(user, patient_id)


def may_record_measures(user: AnyUser) -> bool:
    """Only patients answer check-ins and scales, for themselves."""
    return _active(user) and user.role == Role.PATIENT  # type: ignore[union-attr]


def may_keep_practice(user: AnyUser) -> bool:
    """Integration plan, goals, practices and "what helps me" are the patient's own for now
    (the care team does not see them yet)."""
    return _active(user) and user.role == Role.PATIENT  # type: ignore[union-attr]


def may_keep_safety_plan(user: AnyUser, patient_id: int) -> bool:
    """Read and write a safety plan: the patient, and the clinicians on their care team (a plan
    is often written together in a session)."""
    if not _active(user):
        return False
    if user.pk == patient_id:
        return user.role == Role.PATIENT  # type: ignore[union-attr]
    return is_care_team_clinician(user, patient_id)


def may_read_alerts(user: AnyUser) -> bool:
    """Clinicians have an alert inbox; no one else does."""
    return _active(user) and user.role == Role.CLINICIAN  # type: ignore[union-attr]


def alerts_visible_to(user: AnyUser) -> QuerySet[Alert]:
    """A clinician's inbox: alerts about the patients whose care team they are on."""
    from claywork.safety.models import Alert

    if not may_read_alerts(user):
        return Alert.objects.none()
    return Alert.objects.filter(patient__in=patients_in_care_of(user))


def may_manage_clinic(user: AnyUser, clinic: Clinic | None) -> bool:
    return (
        _active(user)
        and clinic is not None
        and user.role == Role.CLINIC_ADMIN  # type: ignore[union-attr]
        and user.clinic_id == clinic.pk  # type: ignore[union-attr]
    )


def people_managed_by(user: AnyUser) -> QuerySet[User]:
    if not isinstance(user, User) or not _active(user) or user.role != Role.CLINIC_ADMIN:
        return User.objects.none()
    if user.clinic_id is None:
        return User.objects.none()
    return User.objects.filter(clinic_id=user.clinic_id)
