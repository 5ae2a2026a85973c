"""Factories for Claywork's tests. Writes that have rules go through the services."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import factory
from django.utils import timezone

from claywork.accounts.models import ClinicianKind, Role, User
from claywork.care import services as care
from claywork.care.models import CareRole, Modality, Session, TreatmentCourse
from claywork.circle.models import CircleMember
from claywork.clinics.models import Clinic
from claywork.journal import services as journal
from claywork.journal.models import Entry

PASSWORD = "a-long-test-password"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    timezone = "America/New_York"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.PATIENT
    clinic = factory.SubFactory(ClinicFactory)
    timezone = "America/New_York"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            obj.save()


class PatientFactory(UserFactory):
    role = Role.PATIENT


class ClinicianFactory(UserFactory):
    role = Role.CLINICIAN
    clinician_kind = ClinicianKind.GUIDE


class ClinicAdminFactory(UserFactory):
    role = Role.CLINIC_ADMIN


class SupportPersonFactory(UserFactory):
    role = Role.SUPPORT
    clinic = None


def add_to_care_team(patient: User, clinician: User) -> None:
    care.care_team_add(patient=patient, clinician=clinician, care_role=CareRole.GUIDE)


def make_course(
    patient: User, by: User | None = None, title: str = "Six IV infusions"
) -> TreatmentCourse:
    return care.course_create(
        patient=patient,
        created_by=by or patient,
        title=title,
        modality=Modality.IV,
        planned_sessions=6,
        starts_on=None,
    )


def make_session(
    course: TreatmentCourse,
    *,
    status: str = "scheduled",
    at: datetime | None = None,
    completed_at: datetime | None = None,
    author: User | None = None,
) -> Session:
    session = care.session_schedule(
        course=course, scheduled_at=at or timezone.now() + timedelta(days=1), location="Room A"
    )
    if status in ("in_progress", "completed"):
        session = care.session_start(session=session)
    if status == "completed":
        session = care.session_complete(session=session, debrief="A calm session.")
        if completed_at is not None:
            Session.objects.filter(pk=session.pk).update(completed_at=completed_at)
            session.refresh_from_db()
    if status == "cancelled":
        session = care.session_cancel(session=session)
    return session


def make_entry(
    patient: User,
    *,
    body: str = "I noticed the ocean again.",
    title: str = "A reflection",
    session: Session | None = None,
    tags: list[str] | None = None,
) -> Entry:
    entry, _ = journal.entry_create(
        patient=patient,
        content=journal.EntryContent(kind="reflection", title=title, body=body, tags=tags or []),
        submission_id=uuid.uuid4(),
        session=session,
    )
    return entry


def add_to_circle(patient: User, person: User, *, status: str = "accepted") -> CircleMember:
    """Put ``person`` in ``patient``'s support circle, through the invitation, in ``status``
    (invited, accepted, declined or removed)."""
    from claywork.circle import services as circle

    member, token = circle.member_invite(
        patient=patient, email=person.email, full_name=person.full_name, relationship="friend"
    )
    if status in ("accepted", "removed"):
        member = circle.invitation_accept_as(token=token, person=person)
    if status == "declined":
        member = circle.invitation_decline(token=token)
    if status == "removed":
        circle.member_remove(patient=patient, member=member)
    member.refresh_from_db()
    return member
