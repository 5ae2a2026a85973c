"""Who may see and change what. Every view asks here; nothing else decides.

The rules, in one place:

* A patient sees their own care record and journal. Guide notes become theirs to read once
  the session is completed (during a session they are the guide's working notes).
* A clinician sees the care record (courses, sessions, intentions, motivation, guide notes) of
  the patients whose care team they are on, in their own clinic, and may plan and run those
  sessions. A patient's journal stays private to the patient unless they share an entry
  with the care team (see sharing below).
* A clinic admin sees and manages their clinic's people and care teams, never health text.
* Check-in and scale scores are read by the patient and their care team (part of care); where
  the clinic allows it, a patient may withdraw that consent, and the care team stops seeing them.
* Support people see nothing of the care record. A patient invites trusted people into their
  support circle (``circle``); only a member who *accepted* (not one invited, declined or
  removed) sees anything, and only what the patient shares with them.
* Sharing (``sharing.Share``) is item by item and audience by audience: one journal entry,
  one goal, or a standing category (session dates, weekly mood summary, goals and wins) with
  one accepted circle member or with the care team. Journal entries are private by default.
  ``live_shares_for(user)`` is checked on every request: a share reaches a person while it is
  not revoked *and* they are still an accepted member; it reaches the care team's clinicians
  while they are on the patient's care team. So revoking a share, removing a member or leaving
  a care team ends access on the next request. Readers only read: changing an entry or goal
  stays its writer's alone. The patient manages their circle and shares; no one else can.
* Alerts about a patient go to the clinicians on the patient's care team, who see them in
  their inbox. When the care team has no active clinician they go to the clinic's on-call list
  (clinicians or clinic admins), else to the clinic admins (``safety/routing.py``); an
  unacknowledged high-priority alert is escalated to all three. Whoever was sent an alert and
  is not on the care team sees only its metadata (patient's name and phone numbers, kind,
  severity, times, who acknowledged it), never its title, note or any health text, and may
  acknowledge it with a note of what they did.
* An integration plan and practices are the patient's alone; goals too, unless shared (one
  goal, or all through the "goals and wins" category). Their care team
  may suggest a goal or a reflection prompt; the patient accepts or declines it.
* A clinician on the care team may comment on an entry the patient shared with the care team,
  while it stays shared; the patient reads the comments on their entry.
* A safety plan is the patient's, written alone or with their care team; both may read and
  revise it. Crisis resources are public.
* Secure messages (``messaging``): a patient writes with their care team in threads. Whoever
  is on the patient's care team now reads and answers them, so a clinician removed from the
  team loses them on the next request and the patient's next message reaches the current team.
  A care-team clinician may start a thread with the patient and hand a thread to a colleague on
  the same care team. No one else (clinic admins, support people, other clinicians) reads
  messages; a clinic admin sets the clinic's office hours and expected-reply note.
* The audit trail ("who has seen my data"): a patient reads the events about themselves; a
  clinic admin reads their own clinic's events (names, kinds of data, times; never health
  text). No one else reads it, and no one changes it.

Objects a user may not see answer 404 in the access helpers, so their existence never leaks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from claywork.accounts.models import Role, User

AnyUser = User | AnonymousUser

if TYPE_CHECKING:
    from claywork.audit.models import AuditEvent
    from claywork.care.models import Session, TreatmentCourse
    from claywork.clinics.models import Clinic
    from claywork.journal.models import Entry
    from claywork.messaging.models import Thread
    from claywork.practice.models import Goal
    from claywork.safety.models import Alert
    from claywork.sharing.models import Share


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


def on_call_of(clinic_id: int | None) -> QuerySet[User]:
    """The clinic's on-call list as it stands: deactivated people and people who have left the
    clinic or changed role are skipped (the settings page warns the admin about them)."""
    if clinic_id is None:
        return User.objects.none()
    return User.objects.filter(
        is_active=True,
        clinic_id=clinic_id,
        role__in=[Role.CLINICIAN, Role.CLINIC_ADMIN],
        on_call_duties__clinic_id=clinic_id,
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


def patients_supported_by(user: AnyUser) -> QuerySet[User]:
    """The patients in whose support circle this user is an accepted member, today."""
    from claywork.circle.models import MemberStatus

    if not _active(user):
        return User.objects.none()
    return User.objects.filter(
        is_active=True,
        circle_members__person_id=user.pk,
        circle_members__status=MemberStatus.ACCEPTED,
    )


def is_circle_member(user: AnyUser, patient_id: int) -> bool:
    return patients_supported_by(user).filter(pk=patient_id).exists()


def may_keep_circle(user: AnyUser) -> bool:
    """Patients invite, remove and ask their support circle; no one else has one."""
    return _active(user) and user.role == Role.PATIENT  # type: ignore[union-attr]


def live_shares_for(user: AnyUser) -> QuerySet[Share]:
    """The live shares this user may read: made to them while they are an accepted member of
    the patient's circle, or made to the care team of a patient whose care team they are on.
    Checked on every request, so a revoked share or a removed member sees nothing next time."""
    from claywork.sharing.models import Share

    if not _active(user):
        return Share.objects.none()
    assert isinstance(user, User)
    to_person = Q(person=user, patient__in=patients_supported_by(user))
    if user.role == Role.CLINICIAN:
        to_person |= Q(care_team=True, patient__in=patients_in_care_of(user))
    return Share.objects.filter(to_person, revoked_at__isnull=True)


def entries_visible_to(user: AnyUser) -> QuerySet[Entry]:
    """A journal is private to its writer, except the entries the writer shared with this user
    (as a circle member, or with the care team they are on). Only the writer may change one."""
    from claywork.journal.models import Entry

    if not _active(user):
        return Entry.objects.none()
    shared = Q(pk__in=live_shares_for(user).filter(entry__isnull=False).values("entry_id"))
    if user.role == Role.PATIENT:  # type: ignore[union-attr]
        return Entry.objects.filter(Q(patient_id=user.pk) | shared)
    return Entry.objects.filter(shared)


def journal_of(user: AnyUser) -> QuerySet[Entry]:
    """A patient's own journal: the entries they wrote, without those others shared with them
    (a patient may also be in someone else's support circle). For the journal's list and
    search; reading one shared entry goes through ``entries_visible_to``."""
    return entries_visible_to(user).filter(patient_id=user.pk)


def goals_visible_to(user: AnyUser) -> QuerySet[Goal]:
    """A patient's own goals, and the goals shared with this user: one by one, or all of them
    through the standing "goals and wins" share. Only the patient may change or check one."""
    from claywork.practice.models import Goal
    from claywork.sharing.models import Category

    if not _active(user):
        return Goal.objects.none()
    shares = live_shares_for(user)
    shared = Q(pk__in=shares.filter(goal__isnull=False).values("goal_id")) | Q(
        is_active=True,
        patient__in=shares.filter(category=Category.GOALS_AND_WINS).values("patient_id"),
    )
    if may_keep_practice(user):
        return Goal.objects.filter(Q(patient_id=user.pk) | shared)
    return Goal.objects.filter(shared)


def categories_shared_with(user: AnyUser, patient_id: int) -> set[str]:
    """The standing categories (``sharing.models.Category``) a patient shares with this user."""
    return set(
        live_shares_for(user)
        .filter(patient_id=patient_id)
        .exclude(category="")
        .values_list("category", flat=True)
    )


def may_comment_on_entry(user: AnyUser, entry: Entry) -> bool:
    """A care-team clinician comments on an entry while the patient shares it with the care
    team (``entries_visible_to`` decides; revoking the share ends it on the next request)."""
    return (
        is_care_team_clinician(user, entry.patient_id)
        and entries_visible_to(user).filter(pk=entry.pk).exists()
    )


def may_read_entry_comments(user: AnyUser, entry: Entry) -> bool:
    """The care team's comments on an entry: the patient, and the care team while the entry is
    shared with them. Support people who were shared the entry do not see them."""
    if not _active(user):
        return False
    if entry.patient_id == user.pk:
        return user.role == Role.PATIENT  # type: ignore[union-attr]
    return may_comment_on_entry(user, entry)


def may_suggest(user: AnyUser, patient_id: int) -> bool:
    """A care-team clinician suggests reflection prompts and goals; the patient decides."""
    return is_care_team_clinician(user, patient_id)


def may_keep_journal(user: AnyUser) -> bool:
    return _active(user) and user.role == Role.PATIENT  # type: ignore[union-attr]


def may_read_scores(user: AnyUser, patient_id: int) -> bool:
    """Check-in and scale scores go to the care team by default, as part of care; where the
    clinic allows it, the patient may withdraw that consent (``clinics.consent.SCORES``)."""
    from claywork.clinics.consent import scores_shared_with_care_team

    if not _active(user):
        return False
    if user.pk == patient_id:
        return user.role == Role.PATIENT  # type: ignore[union-attr]
    return is_care_team_clinician(user, patient_id) and scores_shared_with_care_team(patient_id)


def may_manage_own_consents(user: AnyUser) -> bool:
    """Patients see, withdraw and give again their own consents (``clinics.consent``)."""
    return _active(user) and user.role == Role.PATIENT  # type: ignore[union-attr]


def may_record_measures(user: AnyUser) -> bool:
    """Only patients answer check-ins and scales, for themselves."""
    return _active(user) and user.role == Role.PATIENT  # type: ignore[union-attr]


def may_keep_practice(user: AnyUser) -> bool:
    """Integration plan, goals, practices and "patterns in my check-ins" are the patient's own
    for now (the care team does not see them yet)."""
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
    """Clinicians and clinic admins have an alert inbox (an admin's holds only what they were
    sent, as on-call staff or for want of anyone else); no one else does."""
    return _active(user) and getattr(user, "role", None) in (Role.CLINICIAN, Role.CLINIC_ADMIN)


def alerts_visible_to(user: AnyUser) -> QuerySet[Alert]:
    """A clinician's inbox: alerts about the patients whose care team they are on."""
    from claywork.safety.models import Alert

    if not may_read_alerts(user) or user.role != Role.CLINICIAN:  # type: ignore[union-attr]
        return Alert.objects.none()
    return Alert.objects.filter(patient__in=patients_in_care_of(user))


def alerts_told_to(user: AnyUser) -> QuerySet[Alert]:
    """Alerts this person was sent but whose patient's care team they are not on (on-call
    staff, clinic admins): their metadata only, never their title or note."""
    from claywork.safety.models import Alert

    if not may_read_alerts(user):
        return Alert.objects.none()
    assert isinstance(user, User)
    if user.clinic_id is None:
        return Alert.objects.none()
    return Alert.objects.filter(
        pk__in=Alert.objects.filter(
            deliveries__recipient_id=user.pk, patient__clinic_id=user.clinic_id
        ).values("pk")
    ).exclude(patient__in=patients_in_care_of(user))


def may_act_on_alert(user: AnyUser, alert: Alert) -> bool:
    """Acknowledge an alert: its care team, and whoever else it was sent to (who may have
    called the patient and should be able to say so)."""
    return (
        alerts_visible_to(user).filter(pk=alert.pk).exists()
        or alerts_told_to(user).filter(pk=alert.pk).exists()
    )


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


def may_read_own_access_log(user: AnyUser) -> bool:
    """Every patient may see who has read or changed their data."""
    return _active(user) and user.role == Role.PATIENT  # type: ignore[union-attr]


def may_read_clinic_audit_log(user: AnyUser) -> bool:
    return (
        _active(user)
        and user.role == Role.CLINIC_ADMIN  # type: ignore[union-attr]
        and user.clinic_id is not None  # type: ignore[union-attr]
    )


def audit_events_visible_to(user: AnyUser) -> QuerySet[AuditEvent]:
    """A patient's own events (those that name them and the list pages that showed them); a
    clinic admin's clinic's events; nothing for anyone else. Pages read a patient's events
    with ``audit.selectors.patient_log_page``, two indexed queries instead of this OR."""
    from claywork.audit.models import AuditEvent

    if may_read_own_access_log(user):
        return AuditEvent.objects.filter(
            Q(patient_id=user.pk) | Q(subject_set__subjects__patient_id=user.pk)
        ).distinct()
    if may_read_clinic_audit_log(user):
        return AuditEvent.objects.filter(clinic_id=user.clinic_id)  # type: ignore[union-attr]
    return AuditEvent.objects.none()


def may_write_messages(user: AnyUser) -> bool:
    """Patients of a clinic start threads with their care team (and answer in them)."""
    return (
        _active(user)
        and user.role == Role.PATIENT  # type: ignore[union-attr]
        and user.clinic_id is not None  # type: ignore[union-attr]
    )


def may_read_messages(user: AnyUser) -> bool:
    """Who has a message inbox at all: patients and clinicians."""
    return _active(user) and getattr(user, "role", None) in (Role.PATIENT, Role.CLINICIAN)


def threads_visible_to(user: AnyUser) -> QuerySet[Thread]:
    """A patient's own threads; for a clinician, the threads of the patients whose care team
    they are on today. Reading a thread is answering it: the same people may reply."""
    from claywork.messaging.models import Thread

    if not may_read_messages(user):
        return Thread.objects.none()
    if user.role == Role.PATIENT:  # type: ignore[union-attr]
        return Thread.objects.filter(patient_id=user.pk)
    return Thread.objects.filter(patient__in=patients_in_care_of(user))


def may_start_thread_with(user: AnyUser, patient_id: int) -> bool:
    """A care-team clinician may write to the patient first."""
    return is_care_team_clinician(user, patient_id)


def may_hand_over_thread(user: AnyUser, thread: Thread) -> bool:
    """A care-team clinician hands a thread to a colleague on the same care team."""
    return is_care_team_clinician(user, thread.patient_id)


def may_set_messaging_hours(user: AnyUser, clinic: Clinic | None) -> bool:
    """Office hours and the expected-reply note are the clinic admin's to set."""
    return may_manage_clinic(user, clinic)
