"""A demonstration clinic: two clinicians, two patients, one course mid-way through.

Every write goes through the same services the pages use, so the demo shows real behaviour.
Running it twice changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from claywork.accounts.models import ClinicianKind, Role, User
from claywork.accounts.services import patient_contact_save
from claywork.audit.demo import seed_demo_audit
from claywork.care import services as care
from claywork.care.demo import seed_demo_care_conversation
from claywork.care.models import CareRole, GuideNote, Modality, NoteKind, Session
from claywork.circle.demo import seed_demo_circle
from claywork.clinics.models import Clinic
from claywork.core.demo_measures import seed_demo_measures
from claywork.crisis import services as crisis
from claywork.journal import services as journal
from claywork.journal.models import Prompt
from claywork.practice.demo import seed_demo_practice
from claywork.safety.services import on_call_set
from claywork.themes.demo import seed_demo_themes

DEMO_PASSWORD = "claywork-demo"  # noqa: S105 - printed for the local demo on purpose
DEMO_SLUG = "clayhill"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    email: str


def _morning(now: datetime, *, days: int) -> datetime:
    """10:00 at the demo clinic, some days from now: sessions are booked at sensible hours."""
    local = now.astimezone(ZoneInfo("America/New_York")) + timedelta(days=days)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


def _person(clinic: Clinic, email: str, name: str, role: str, kind: str = "") -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            full_name=name,
            role=role,
            clinician_kind=kind,
            clinic=clinic,
            timezone=clinic.timezone,
        )
    return user


@transaction.atomic
def seed_demo_clinic(now: datetime | None = None) -> list[DemoLogin]:
    now = now or timezone.now()
    clinic, created = Clinic.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "Clayhill Integration Clinic",
            "timezone": "America/New_York",
            "phone": "(617) 555-0142",
            "email": "care@clayhill.example",
            "contact_hours": "Monday to Friday, 9:00 to 17:00",
        },
    )
    admin = _person(clinic, "admin@clayhill.example", "Avery Admin", Role.CLINIC_ADMIN)
    guide = _person(
        clinic, "guide@clayhill.example", "Gabriel Guide", Role.CLINICIAN, ClinicianKind.GUIDE
    )
    therapist = _person(
        clinic,
        "therapist@clayhill.example",
        "Theo Therapist",
        Role.CLINICIAN,
        ClinicianKind.INTEGRATION_THERAPIST,
    )
    maya = _person(clinic, "maya@clayhill.example", "Maya Patient", Role.PATIENT)
    sam = _person(clinic, "sam@clayhill.example", "Sam Patient", Role.PATIENT)
    logins = [
        DemoLogin(person.get_role_display(), person.full_name, person.email)
        for person in (admin, guide, therapist, maya, sam)
    ]
    if not created:
        return logins
    for patient in (maya, sam):
        care.care_team_add(patient=patient, clinician=guide, care_role=CareRole.GUIDE)
        care.care_team_add(
            patient=patient, clinician=therapist, care_role=CareRole.INTEGRATION_THERAPIST
        )
    # The admin is on call for a patient whose care team has no active clinician, and Maya's
    # numbers are on file: an alert about her offers tap-to-call links (demo numbers).
    on_call_set(clinic=clinic, people=[admin])
    patient_contact_save(
        patient=maya,
        by=maya,
        phone="(617) 555-0199",
        emergency_name="Ines Rivera",
        emergency_relationship="sister",
        emergency_phone="(617) 555-0123",
    )
    _maya_course(maya, guide, now)
    _maya_safety_plan(maya, therapist)
    seed_demo_care_conversation(maya=maya, sam=sam, therapist=therapist)
    seed_demo_measures(maya, now)
    seed_demo_practice(maya, now)
    logins.append(seed_demo_circle(maya=maya))
    seed_demo_audit(patient=maya, guide=guide, therapist=therapist)
    seed_demo_themes(maya)
    course = care.course_create(
        patient=sam,
        created_by=guide,
        title="Intranasal esketamine, induction",
        modality=Modality.INTRANASAL_ESKETAMINE,
        planned_sessions=8,
        starts_on=None,
    )
    care.session_schedule(course=course, scheduled_at=_morning(now, days=2), location="Room 2")
    return logins


def _maya_course(maya: User, guide: User, now: datetime) -> None:
    course = care.course_create(
        patient=maya,
        created_by=guide,
        title="Six IV infusions",
        modality=Modality.IV,
        planned_sessions=6,
        starts_on=(now - timedelta(days=9)).date(),
    )
    care.motivation_save(
        course=course,
        text=(
            "I have felt flat and far away from my own life for two years. I want to enjoy "
            "drawing again and to be present with my kids in the evenings."
        ),
    )
    first = care.session_schedule(
        course=course, scheduled_at=now - timedelta(days=8, hours=2), location="Infusion room A"
    )
    _run_session(
        first,
        guide,
        intention="To meet the heaviness with curiosity instead of fear.",
        notes=[
            "Settled quickly; asked for the blue blanket.",
            "Said: “it is like being held by the ocean.”",
        ],
        debrief="Calm session. Maya spoke of her grandmother and the sea. Gentle tears at the end.",
        completed_at=now - timedelta(days=8),
    )
    second = care.session_schedule(
        course=course, scheduled_at=now - timedelta(hours=16), location="Infusion room A"
    )
    _run_session(
        second,
        guide,
        intention="To see what I keep postponing, and why.",
        notes=[
            "Restless for the first ten minutes, then quiet.",
            "Said: “I keep leaving the door half open.”",
        ],
        debrief=(
            "Maya noticed a pattern of waiting for permission. "
            "Suggest journaling on the door image."
        ),
        completed_at=now - timedelta(hours=14),
    )
    for days in (2, 5, 9, 12):
        care.session_schedule(
            course=course, scheduled_at=_morning(now, days=days), location="Infusion room A"
        )
    window_prompt = Prompt.objects.filter(step="window").first()
    journal.entry_create(
        patient=maya,
        content=journal.EntryContent(
            kind="symbol",
            title="The ocean",
            body="The sea again. I felt held rather than swallowed. My grandmother's kitchen.",
            tags=["ocean", "grandmother"],
        ),
        submission_id=uuid.uuid4(),
        session=first,
    )
    journal.entry_create(
        patient=maya,
        content=journal.EntryContent(
            kind="reflection",
            title="The half-open door",
            body="I think the door is me waiting to be allowed to start drawing again.",
            tags=["door", "drawing"],
        ),
        submission_id=uuid.uuid4(),
        session=second,
        prompt=window_prompt,
    )


def _maya_safety_plan(maya: User, therapist: User) -> None:
    """Maya wrote her plan, then revised it with her integration therapist."""
    first = {
        "warning_signs": "Staying in bed past noon.\nThinking nobody would notice if I left.",
        "coping_strategies": "Draw for ten minutes, anything at all.\nA hot shower.",
        "distractions": "The café on Elm Street.\nWalk the dog with my neighbour Jo.",
        "helpers": "My sister Ana (555-0188).\nJo next door (555-0131).",
        "professionals": "Theo at Clayhill, (617) 555-0142.\n988, call or text.",
        "safe_environment": "Ana keeps my sleeping pills and gives me a week at a time.",
    }
    crisis.safety_plan_save(patient=maya, author=maya, content=first, submission_id=uuid.uuid4())
    crisis.safety_plan_save(
        patient=maya,
        author=therapist,
        content=first
        | {
            "coping_strategies": first["coping_strategies"] + "\nBox breathing, five rounds.",
            "reasons_for_living": "My kids, and drawing with them in the evenings.",
        },
        submission_id=uuid.uuid4(),
    )


def _run_session(
    session: Session,
    guide: User,
    *,
    intention: str,
    notes: list[str],
    debrief: str,
    completed_at: datetime | None = None,
) -> None:
    care.intention_save(session=session, text=intention)
    session = care.session_start(session=session)
    for text in notes:
        care.guide_note_add(
            session=session,
            author=guide,
            text=text,
            kind=NoteKind.OBSERVATION,
            submission_id=uuid.uuid4(),
        )
    session = care.session_complete(session=session, debrief=debrief)
    if completed_at is not None:
        started_at = completed_at - timedelta(hours=2)
        Session.objects.filter(pk=session.pk).update(
            started_at=started_at, completed_at=completed_at
        )
        for minutes, note in enumerate(GuideNote.objects.filter(session=session), start=1):
            GuideNote.objects.filter(pk=note.pk).update(
                noted_at=started_at + timedelta(minutes=25 * minutes)
            )
