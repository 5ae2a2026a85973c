"""Who gets what: every Claywork URL × every persona, with the status the policy promises.

The rules under test (claywork/core/policy.py):

* Anonymous visitors are sent to the login page, except on the public pages.
* What a person may not see answers 404, never 403, so its existence does not leak.
* A patient's care record is theirs and their care team's; their journal is theirs alone.
* A clinic admin manages their clinic's people and care teams and reads no health text.

Each row names a URL (with placeholders for the personas' objects), a method and the status
for every role. Forbidden POSTs must leave the database exactly as it was; allowed ones must
change it, which proves the posted data was valid and the 404s came from the policy. Every
response is also searched for health text its reader may not see. A final test walks the URL
resolver, so a new URL cannot ship without its row here.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from claywork.accounts.models import Role, SignInSession, User
from claywork.accounts.profile import email_change_request
from claywork.audit.models import AuditEvent
from claywork.audit.services import audit_record, audit_record_many
from claywork.calendar_feed.services import calendar_token_issue
from claywork.care import services as care
from claywork.circle.models import CircleMember
from claywork.clinics import services as clinics
from claywork.crisis import services as crisis
from claywork.journal.models import Entry
from claywork.measures import services as measures
from claywork.measures.models import ScaleResponse
from claywork.measures.selectors import patient_today
from claywork.ownership.services import account_deletion_request
from claywork.practice import services as practice
from claywork.practice.models import Practice
from claywork.reminders.chosen import routine_save
from claywork.reminders.models import Kind as ReminderKind
from claywork.reminders.models import Reminder
from claywork.safety.models import Alert
from claywork.safety.services import alert_raise, on_call_set
from tests import factories
from tests.conftest import Personas, build_personas, client_for

ROLES = (
    "anonymous",
    "patient",
    "other_patient",
    "care_clinician",
    "outside_clinician",
    "other_clinic_clinician",
    "clinic_admin",
    "support_person",
    # Support people who were invited but did not accept, declined, or were removed.
    "invited_support",
    "declined_support",
    "removed_support",
)
SIGNED_IN = ROLES[1:]

# An expectation is a status, or a redirect status with the start of its Location.
Expected = int | tuple[int, str]
TO_LOGIN: Expected = (302, "/accounts/login/?next=")

MOTIVATION = "Because the fog lifted once."
IN_PROGRESS_NOTE = "Noticed: breathing slowed."
# A note the guide kept private: the care team's alone, never the patient's.
PRIVATE_NOTE = "Private: my own unease at the ocean image."
FRESH_TEXT = "Written while the matrix ran."
CHECK_IN_NOTE = "Slept by the open window."
PLAN_TEXT = "Call Ines, my sister."
GOAL_TEXT = "Walk by the river each week."
# An entry the patient shared with the care team, a care-team comment on it, a suggestion.
COMMENTED_ENTRY_TEXT = "Shared with my care team: the tide came in."
COMMENT_TEXT = "Thank you for sharing the tide."
SUGGESTION_TEXT = "Sketch one thing you saw, each week."


# Support people in the other states of an invitation: none of them sees anything.
EXTRA_SUPPORT_ROLES = ("invited_support", "declined_support", "removed_support")
SUPPORT_ENTRY_TEXT = "Shared with Sue: the lantern in the window."
REVOKED_ENTRY_TEXT = "Once shared, private again: the locked gate."
SHARED_GOAL_TEXT = "Swim in the lake once a week."
NOTE_TEXT = "Thinking of you, tea soon?"
REQUEST_TEXT = "Could we walk on Sunday?"
THEME_LABEL = "Lantern by the harbour"
# The title of the alert about a patient without a care team: on-call staff see its kind only.
UNROUTED_TITLE = "Crisis language in a private journal entry (matrix)"

# A conversation between the patient and their care team: theirs alone.
MESSAGE_TEXT = "Could we talk about the dream with the heron?"
MESSAGE_SUBJECT = "The heron dream"
REPLY_TEXT = "Yes, bring the heron on Thursday."

# Text that only some roles may ever read, and who they are. Names count: that someone is a
# patient of this clinic is itself health information.
PRIVATE_TEXT: dict[str, frozenset[str]] = {
    "I noticed the ocean again.": frozenset({"patient"}),
    "half a thought": frozenset({"patient"}),
    "private words.": frozenset({"other_patient"}),  # "Olive's private words.", escaped or not
    "To meet fear with curiosity.": frozenset({"patient", "care_clinician"}),
    "Said: held by the ocean.": frozenset({"patient", "care_clinician"}),
    "A calm session.": frozenset({"patient", "care_clinician"}),
    MOTIVATION: frozenset({"patient", "care_clinician"}),
    # A safety plan is the patient's and their care team's, on the crisis page too.
    PLAN_TEXT: frozenset({"patient", "care_clinician"}),
    # Goals and practices are the patient's alone, for now.
    GOAL_TEXT: frozenset({"patient"}),
    # A check-in's scores are part of care; its note stays the patient's own.
    CHECK_IN_NOTE: frozenset({"patient"}),
    IN_PROGRESS_NOTE: frozenset({"care_clinician"}),
    PRIVATE_NOTE: frozenset({"care_clinician"}),
    COMMENTED_ENTRY_TEXT: frozenset({"patient", "care_clinician"}),
    COMMENT_TEXT: frozenset({"patient", "care_clinician"}),
    SUGGESTION_TEXT: frozenset({"patient", "care_clinician"}),
    # Shared with Sue (the support persona), or shared and then revoked; her notes and the
    # patient's check-in request to her are between the two of them.
    SUPPORT_ENTRY_TEXT: frozenset({"patient", "support_person"}),
    REVOKED_ENTRY_TEXT: frozenset({"patient"}),
    SHARED_GOAL_TEXT: frozenset({"patient", "support_person"}),
    NOTE_TEXT: frozenset({"patient", "support_person"}),
    REQUEST_TEXT: frozenset({"patient", "support_person"}),
    # A theme found in the patient's journal is theirs alone.
    THEME_LABEL: frozenset({"patient"}),
    MESSAGE_TEXT: frozenset({"patient", "care_clinician"}),
    MESSAGE_SUBJECT: frozenset({"patient", "care_clinician"}),
    REPLY_TEXT: frozenset({"patient", "care_clinician"}),
    "Pat Patient": frozenset({"patient", "care_clinician", "clinic_admin", "support_person"}),
    "Olive Other": frozenset({"other_patient", "outside_clinician", "clinic_admin"}),
    "Rhea Remote": frozenset({"other_clinic_clinician"}),
    # A patient without a care team: their alert went to the on-call list (the clinic admin
    # and Otto), who see its metadata; the admin sees every patient of the clinic anyway.
    "Una Unrouted": frozenset({"clinic_admin", "outside_clinician"}),
    UNROUTED_TITLE: frozenset(),
}


@dataclass
class World:
    """The personas, plus what the matrix needs beyond them."""

    personas: Personas
    invitation_token: str
    # A patient of the other clinic: a clinic admin's reach ends at their own clinic.
    other_clinic_patient: User
    # The patient's completed PHQ-9.
    scale_response: ScaleResponse
    # An open alert about the patient, for their care team's inbox.
    alert: Alert
    # An open alert about a patient without a care team, sent to the on-call list.
    unrouted_alert: Alert
    # The patient's goal and own practice, and a practice from the catalogue.
    goal_id: int
    own_practice_id: int
    practice_id: int
    # The patient's calendar feed token, and the one it replaced.
    calendar_token: str
    revoked_calendar_token: str
    # A reminder about the patient's goal (they asked for one at noon every day).
    reminder_id: int
    # An entry shared with the care team, with a comment; a pending suggestion of a goal.
    commented_entry_id: int
    suggestion_id: int
    # The patient's support circle and what they share (see CircleWorld).
    circle: CircleWorld
    # One of the patient's own themes.
    theme_id: int = 0
    # The token of a change of address the patient asked for and has not confirmed.
    email_token: str = ""
    # A message thread of the patient's, and a colleague on their care team to hand it to.
    thread_id: int = 0
    colleague_id: int = 0

    # The patient signed in on another browser (a row on "Where you are signed in").
    sign_in_id: int = 0
    # The care clinician's caseload showed the patient: one event of a list page.
    list_event_id: int = 0

    def placeholders(self) -> dict[str, object]:
        p = self.personas
        return {
            "patient": p.patient.pk,
            "other_patient": p.other_patient.pk,
            "course": p.course.pk,
            "scheduled": p.scheduled.pk,
            "in_progress": p.in_progress.pk,
            "completed": p.completed.pk,
            "entry": p.entry.pk,
            "other_patient_entry": p.other_patient_entry.pk,
            "token": self.invitation_token,
            "other_clinic_patient": self.other_clinic_patient.pk,
            "scale_response": self.scale_response.pk,
            "alert": self.alert.pk,
            "unrouted_alert": self.unrouted_alert.pk,
            "goal": self.goal_id,
            "own_practice": self.own_practice_id,
            "practice": self.practice_id,
            "calendar_token": self.calendar_token,
            "revoked_calendar_token": self.revoked_calendar_token,
            "reminder": self.reminder_id,
            "commented_entry": self.commented_entry_id,
            "suggestion": self.suggestion_id,
            "theme": self.theme_id,
            "email_token": self.email_token,
            "thread": self.thread_id,
            "sign_in": self.sign_in_id,
            "care_clinician": p.care_clinician.pk,
            "list_event": self.list_event_id,
        }


def _build_world() -> World:
    personas = build_personas()
    care.motivation_save(course=personas.course, text=MOTIVATION)
    crisis.safety_plan_save(
        patient=personas.patient,
        author=personas.patient,
        content={"helpers": PLAN_TEXT},
        submission_id=uuid.uuid4(),
    )
    care.guide_note_add(
        session=personas.in_progress,
        author=personas.care_clinician,
        text=IN_PROGRESS_NOTE,
        submission_id=uuid.uuid4(),
    )
    care.guide_note_add(
        session=personas.completed,
        author=personas.care_clinician,
        text=PRIVATE_NOTE,
        submission_id=uuid.uuid4(),
        private=True,
    )
    clinic = personas.patient.clinic
    assert clinic is not None
    clinic.session_observations = ["vitals", "side_effects", "dissociation", "recovery"]
    clinic.save(update_fields=["session_observations"])
    _, token = clinics.invitation_create(
        clinic=personas.clinic_admin.clinic,  # type: ignore[arg-type]
        invited_by=personas.clinic_admin,
        email="newt@example.test",
        full_name="Newt Newcomer",
        role=Role.PATIENT,
        care_team=[personas.care_clinician],
    )
    other_clinic_patient = factories.PatientFactory(
        clinic=personas.other_clinic_clinician.clinic, full_name="Rhea Remote"
    )
    factories.add_to_care_team(other_clinic_patient, personas.other_clinic_clinician)
    # An access log for each clinic: whose names an access-log page shows is checked below.
    for reader, about in (
        (personas.care_clinician, personas.patient),
        (personas.outside_clinician, personas.other_patient),
        (personas.other_clinic_clinician, other_clinic_patient),
    ):
        audit_record(actor=reader, patient=about, action="read", resource="measures.progress")
    measures.check_in_save(
        patient=personas.patient,
        day=patient_today(personas.patient),
        values=measures.CheckInValues(5, 4, 6, Decimal("7.5"), note=CHECK_IN_NOTE),
    )
    scale_response = measures.response_submit(
        response=measures.response_start(
            patient=personas.patient, instrument_code="phq9", submission_id=uuid.uuid4()
        ),
        answers=dict.fromkeys("12345678", 1) | {"9": 0},
    )
    revoked_calendar_token = calendar_token_issue(patient=personas.patient)
    calendar_token = calendar_token_issue(patient=personas.patient)
    goal, _ = practice.goal_create(
        patient=personas.patient,
        realm="body",
        title=GOAL_TEXT,
        cadence="weekly",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    own_practice = practice.practice_create(patient=personas.patient, name="Potting clay")
    routine_save(patient=personas.patient, goal=goal, at=time(12), weekdays=list(range(7)))
    commented_entry_id, suggestion_id = _build_care_conversation(personas)
    unrouted_alert = _build_unrouted_alert(personas)
    circle = _build_circle(personas)
    _, email_token = email_change_request(user=personas.patient, new_email="pat.new@example.test")
    # Another patient asked to delete their account and may still cancel.
    account_deletion_request(patient=personas.other_patient)
    thread_id, colleague_id = _build_messages(personas)
    phone = SignInSession.objects.create(
        user=personas.patient,
        sid=uuid.uuid4().hex,
        session_key="matrix-phone-session-that-is-not-stored",
        created_at=timezone.now(),
        last_seen_at=timezone.now(),
        user_agent="Mozilla/5.0 (Android 14; Mobile) Firefox/128.0",
    )
    audit_record_many(
        actor=personas.care_clinician,
        patients=[personas.patient, personas.other_patient],
        action="read",
        resource="measures.caseload",
    )
    return World(
        list_event_id=AuditEvent.objects.filter(patient__isnull=True).latest("pk").pk,
        thread_id=thread_id,
        colleague_id=colleague_id,
        sign_in_id=phone.pk,
        email_token=email_token,
        theme_id=_build_theme(personas),
        circle=circle,
        commented_entry_id=commented_entry_id,
        suggestion_id=suggestion_id,
        personas=personas,
        goal_id=goal.pk,
        # The goal's reminder, whatever the hour: an integration-window reminder of a session
        # can fall due before the next noon.
        reminder_id=Reminder.objects.filter(patient=personas.patient, kind=ReminderKind.GOAL)
        .earliest("due_at")
        .pk,
        own_practice_id=own_practice.pk,
        practice_id=Practice.objects.get(slug="nature-walk", patient=None).pk,
        invitation_token=token,
        other_clinic_patient=other_clinic_patient,
        scale_response=scale_response,
        unrouted_alert=unrouted_alert,
        alert=alert_raise(
            patient=personas.patient,
            kind="self_harm_answer",
            severity="high",
            title="PHQ-9: self-harm item answered above zero",
            dedupe_key="matrix",
        )[0],
        calendar_token=calendar_token,
        revoked_calendar_token=revoked_calendar_token,
    )


def _build_messages(personas: Personas) -> tuple[int, int]:
    """The patient wrote to their care team and had a reply; a colleague joined the team."""
    from claywork.messaging import services as messaging

    thread, _ = messaging.thread_start(
        patient=personas.patient,
        author=personas.patient,
        subject=MESSAGE_SUBJECT,
        body=MESSAGE_TEXT,
        submission_id=uuid.uuid4(),
    )
    messaging.message_send(
        thread=thread, author=personas.care_clinician, body=REPLY_TEXT, submission_id=uuid.uuid4()
    )
    colleague = factories.ClinicianFactory(clinic=personas.patient.clinic, full_name="Col League")
    factories.add_to_care_team(personas.patient, colleague)
    return thread.pk, colleague.pk


def _build_unrouted_alert(personas: Personas) -> Alert:
    """The clinic names an on-call list (its admin and Otto); a patient with no care team
    writes something that raises an alert, which goes to them."""
    on_call_set(
        clinic=personas.patient.clinic,  # type: ignore[arg-type]
        people=[personas.clinic_admin, personas.outside_clinician],
    )
    alone = factories.PatientFactory(clinic=personas.patient.clinic, full_name="Una Unrouted")
    alert, _ = alert_raise(
        patient=alone,
        kind="crisis_language",
        severity="high",
        title=UNROUTED_TITLE,
        dedupe_key="matrix:unrouted",
    )
    return alert


def _build_theme(personas: Personas) -> int:
    """One stored theme of the patient's, found in their entry."""
    from claywork.themes.pipeline import Theme, ThemeResult
    from claywork.themes.selectors import patient_inputs
    from claywork.themes.services import themes_store

    key = f"entry:{personas.entry.pk}"
    found = Theme(THEME_LABEL, ["lantern", "harbour"], [key], {}, False, snippets={key: ""})
    snapshot = themes_store(
        patient=personas.patient,
        audience="patient",
        result=ThemeResult("ready", "classic", [found], 1, []),
        inputs=patient_inputs(personas.patient),
    )
    return snapshot.themes.get().pk


def _build_care_conversation(personas: Personas) -> tuple[int, int]:
    """An entry shared with the care team with a care-team comment, and a suggested goal."""
    from claywork.sharing.services import share_item

    entry = factories.make_entry(personas.patient, body=COMMENTED_ENTRY_TEXT)
    share_item(patient=personas.patient, item=entry, care_team=True)
    care.entry_comment_add(
        entry=entry, author=personas.care_clinician, text=COMMENT_TEXT, submission_id=uuid.uuid4()
    )
    suggestion, _ = care.suggestion_make(
        patient=personas.patient,
        clinician=personas.care_clinician,
        submission_id=uuid.uuid4(),
        goal=care.SuggestedGoal(SUGGESTION_TEXT, "body", "weekly", 1),
    )
    return entry.pk, suggestion.pk


@dataclass
class CircleWorld:
    """The patient's circle: Sue (the support persona) accepted; three others did not, or were
    removed. One entry and one goal shared with Sue, one entry whose shares were revoked."""

    invited_support: User
    declined_support: User
    removed_support: User
    member_id: int
    invited_member_id: int
    support_entry_id: int
    revoked_entry_id: int
    shared_goal_id: int
    share_id: int
    check_in_request_id: int
    # An open invitation for an address that has no account yet.
    circle_token: str

    ANY_ID: ClassVar[dict[str, object]] = dict.fromkeys(
        (
            "circle_member",
            "invited_member",
            "support_entry",
            "revoked_entry",
            "shared_goal",
            "share",
            "check_in_request",
        ),
        1,
    ) | {"circle_token": "t"}

    def role(self, name: str, personas: Personas) -> User | None:
        return getattr(self, name) if name in EXTRA_SUPPORT_ROLES else personas.role(name)

    def placeholders(self) -> dict[str, object]:
        return {
            "circle_member": self.member_id,
            "invited_member": self.invited_member_id,
            "support_entry": self.support_entry_id,
            "revoked_entry": self.revoked_entry_id,
            "shared_goal": self.shared_goal_id,
            "share": self.share_id,
            "check_in_request": self.check_in_request_id,
            "circle_token": self.circle_token,
        }


def _build_circle(personas: Personas) -> CircleWorld:
    from claywork.circle import services as circle
    from claywork.sharing import services as sharing

    p = personas
    member = CircleMember.objects.get(patient=p.patient, person=p.support_person)
    invited, declined, removed = (
        factories.SupportPersonFactory(full_name=name)
        for name in ("Ivo Invited", "Dee Declined", "Rex Removed")
    )
    invited_member = factories.add_to_circle(p.patient, invited, status="invited")
    factories.add_to_circle(p.patient, declined, status="declined")
    removed_member = factories.add_to_circle(p.patient, removed)
    support_entry = factories.make_entry(p.patient, body=SUPPORT_ENTRY_TEXT)
    share = sharing.share_item(patient=p.patient, item=support_entry, person=p.support_person)
    revoked_entry = factories.make_entry(p.patient, body=REVOKED_ENTRY_TEXT)
    for audience in ({"person": p.support_person}, {"care_team": True}):
        sharing.share_revoke(
            patient=p.patient,
            share=sharing.share_item(patient=p.patient, item=revoked_entry, **audience),  # type: ignore[arg-type]
        )
    sharing.share_item(patient=p.patient, item=revoked_entry, person=removed)
    circle.member_remove(patient=p.patient, member=removed_member)
    goal, _ = practice.goal_create(
        patient=p.patient,
        realm="body",
        title=SHARED_GOAL_TEXT,
        cadence="weekly",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    sharing.share_item(patient=p.patient, item=goal, person=p.support_person)
    sharing.share_category(patient=p.patient, category="session_dates", person=p.support_person)
    sharing.share_category(patient=p.patient, category="weekly_mood", care_team=True)
    circle.note_send(member=member, text=NOTE_TEXT, submission_id=uuid.uuid4())
    request, _ = circle.check_in_request_send(
        patient=p.patient, member=member, message=REQUEST_TEXT, submission_id=uuid.uuid4()
    )
    _, token = circle.member_invite(
        patient=p.patient, email="cleo.close@example.test", full_name="Cleo Close"
    )
    return CircleWorld(
        invited_support=invited,
        declined_support=declined,
        removed_support=removed,
        member_id=member.pk,
        invited_member_id=invited_member.pk,
        support_entry_id=support_entry.pk,
        revoked_entry_id=revoked_entry.pk,
        shared_goal_id=goal.pk,
        share_id=share.pk,
        check_in_request_id=request.pk,
        circle_token=token,
    )


@pytest.fixture(scope="module")
def shared_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once, inside a transaction rolled back when the module is done.

    Each test then runs in a savepoint of its own (pytest-django's ``db``), so whatever one
    test's POST changed is gone before the next test starts.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def world(shared_world: World, db: None) -> World:
    return shared_world


@pytest.fixture(scope="module")
def one_client() -> Client:
    # A new Client builds a new handler, and with it WhiteNoise scans every static file again;
    # sharing one keeps the matrix fast. Each test signs in afresh (see ``as_role``).
    return Client()


def as_role(client: Client, user: User | None) -> Client:
    client.cookies.clear()
    if user is not None:
        client.force_login(user)
    return client


# --- Expectations ---------------------------------------------------------------------------


def only(anonymous: Expected = TO_LOGIN, others: Expected = 404, **allowed: Expected) -> dict:
    """A private page: the named roles get their status, every other signed-in role 404."""
    unknown = set(allowed) - set(SIGNED_IN)
    assert not unknown, f"not a role: {unknown}"
    return {"anonymous": anonymous} | {role: allowed.get(role, others) for role in SIGNED_IN}


def everyone(status: Expected, **overrides: Expected) -> dict:
    return {role: overrides.get(role, status) for role in ROLES}


# A POST-only endpoint answers GET with 405 before it asks who you are: that says nothing
# about any object, so it leaks nothing.
POST_ONLY = only(others=405)


def _when(**delta: float) -> str:
    return timezone.localtime(timezone.now() + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M")


def _course_data(w: World) -> dict:
    return {"title": "Four IM sessions", "modality": "im", "planned_sessions": "4"}


def _session_data(w: World) -> dict:
    return {"scheduled_at": _when(days=3), "location": "Room B"}


def _text_data(w: World) -> dict:
    return {"text": FRESH_TEXT}


def _debrief_data(w: World) -> dict:
    return {"debrief": FRESH_TEXT}


def _note_data(w: World) -> dict:
    return {"kind": "observation", "text": FRESH_TEXT, "submission_id": str(uuid.uuid4())}


def _screen_note_data(w: World) -> dict:
    return {
        "screen": "1",
        "kind": "said",
        "text": FRESH_TEXT,
        "tags": ["insight", "quote"],
        "private": "on",
        "submission_id": str(uuid.uuid4()),
    }


def _observation_data(w: World) -> dict:
    return {
        "bp_before": "128/82",
        "hr_before": "74",
        "bp_after": "135/88",
        "hr_after": "80",
        "side_effects": ["nausea"],
        "dissociation": "2",
        "recovery_minutes": "45",
    }


def _entry_data(w: World) -> dict:
    return {
        "kind": "reflection",
        "title": "Matrix",
        "body": FRESH_TEXT,
        "tags": "matrix",
        "session": str(w.personas.completed.pk),
        "submission_id": str(uuid.uuid4()),
    }


def _autosave_data(w: World) -> dict:
    return {"draft_key": f"edit-{w.personas.entry.pk}", "body": FRESH_TEXT}


def _discard_data(w: World) -> dict:
    return {"draft_key": f"edit-{w.personas.entry.pk}"}


def _check_in_data(w: World) -> dict:
    return {"mood": "7", "anxiety": "2", "energy": "6", "sleep_hours": "8", "note": FRESH_TEXT}


def _scale_data(w: World) -> dict:
    answers = {f"item_{link_id}": "1" for link_id in "123"}
    return {"submission_id": str(uuid.uuid4()), "action": "save"} | answers


def _comment_data(w: World) -> dict:
    return {"text": FRESH_TEXT, "submission_id": str(uuid.uuid4())}


def _suggestion_data(w: World) -> dict:
    return {"kind": "prompt", "prompt_words": FRESH_TEXT, "submission_id": str(uuid.uuid4())}


def _invite_data(w: World) -> dict:
    return {
        "full_name": "Ivy Invited",
        "email": "ivy@example.test",
        "role": Role.PATIENT,
        "clinician_kind": "",
        "care_team": [str(w.personas.care_clinician.pk)],
    }


def _care_team_data(w: World) -> dict:
    p = w.personas
    return {"clinicians": [str(p.care_clinician.pk), str(p.outside_clinician.pk)]}


def _accept_data(w: World) -> dict:
    return {
        "full_name": "Newt Newcomer",
        "timezone": "America/New_York",
        "password1": "tide-pools-and-lanterns-7",
        "password2": "tide-pools-and-lanterns-7",
        "consent": "on",
    }


def _plan_data(w: World) -> dict:
    return {"warning_signs": FRESH_TEXT, "submission_id": str(uuid.uuid4())}


def _crisis_resources_data(w: World) -> dict:
    prefix = "resources"
    return {
        "action": "resources",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
        f"{prefix}-0-name": "Samaritans",
        f"{prefix}-0-phone": "116 123",
        f"{prefix}-0-is_active": "on",
        f"{prefix}-0-ORDER": "1",
    }


def _goal_data(w: World) -> dict:
    return {
        "title": FRESH_TEXT,
        "realm": "spirit",
        "cadence": "daily",
        "per_week": "1",
        "submission_id": str(uuid.uuid4()),
    }


def _goal_edit_data(w: World) -> dict:
    return {"title": FRESH_TEXT, "realm": "mind", "cadence": "weekly", "per_week": "2"}


def _routine_data(w: World) -> dict:
    return {"at": "08:30", "weekdays": ["0", "3"]}


def _practice_log_data(w: World) -> dict:
    return {"submission_id": str(uuid.uuid4()), "duration_minutes": "15", "note": FRESH_TEXT}


def _reminder_settings_data(w: World) -> dict:
    return {
        "timezone": "Europe/Berlin",
        "check_in_time": "20:00",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "check_in": "on",
        "window_opens": "on",
    }


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: dict[str, Expected]
    data: Callable[[World], dict] | None = None
    # Roles whose allowed POST must change the database (every other role must not).
    writers: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        assert set(self.expected) == set(ROLES), f"{self.path}: every role needs a status"
        assert (self.method == "POST") == (self.data is not None), self.path


def get(path: str, expected: dict[str, Expected]) -> Row:
    return Row("GET", path, expected)


def post(
    path: str, expected: dict[str, Expected], data: Callable[[World], dict], *writers: str
) -> Row:
    return Row("POST", path, expected, data, frozenset(writers))


PATIENT_ONLY = only(patient=200)
CARE = only(patient=200, care_clinician=200)
CLINICIAN_ONLY = only(care_clinician=200)
JOURNAL_KEEPERS = only(patient=200, other_patient=200)
PATIENTS = only(patient=200, other_patient=200)
CLINIC_ADMIN_ONLY = only(clinic_admin=200)
SEE_SESSION = (302, "/sessions/")

MATRIX: list[Row] = [
    # Public pages.
    get("/", everyone(200, clinic_admin=(302, "/clinic/people/"))),
    get("/help/", everyone(200)),
    get("/healthz", everyone(200)),
    get("/privacy/", only(patient=200, other_patient=200)),
    get("/accounts/login/", everyone((302, "/"), anonymous=200)),
    # Two-step sign-in (allauth's MFA in Claywork's pages): each person's own factors; adding a
    # security key asks for the password again first.
    get("/accounts/2fa/", everyone(200, anonymous=TO_LOGIN)),
    get("/accounts/2fa/webauthn/", everyone(200, anonymous=TO_LOGIN)),
    get(
        "/accounts/2fa/webauthn/add/",
        everyone((302, "/accounts/reauthenticate/?next="), anonymous=TO_LOGIN),
    ),
    # Journal: the patient's own, no one else's, not even the care team's.
    get("/journal/", JOURNAL_KEEPERS),
    get("/journal/new/", JOURNAL_KEEPERS),
    get("/journal/new/?session={completed}", JOURNAL_KEEPERS),
    get("/journal/?q=ocean", JOURNAL_KEEPERS),
    get("/journal/prompts/", JOURNAL_KEEPERS),
    get("/journal/{entry}/", PATIENT_ONLY),
    get("/journal/{entry}/edit/", PATIENT_ONLY),
    get("/journal/{other_patient_entry}/", only(other_patient=200)),
    get("/journal/draft/", POST_ONLY),
    get("/journal/draft/discard/", POST_ONLY),
    post(
        "/journal/new/",
        only(patient=(302, "/journal/"), other_patient=(302, "/journal/")),
        _entry_data,
        "patient",
        "other_patient",
    ),
    post("/journal/{entry}/edit/", only(patient=(302, "/journal/")), _entry_data, "patient"),
    post("/journal/draft/", PATIENT_ONLY, _autosave_data, "patient"),
    # Another patient's discard finds no draft of theirs under that key: allowed, changes nothing.
    post(
        "/journal/draft/discard/",
        only(patient=(302, "/journal/"), other_patient=(302, "/journal/")),
        _discard_data,
        "patient",
    ),
    # Care record: the patient and their care team.
    get("/patients/{patient}/", CLINICIAN_ONLY),
    get("/patients/{other_patient}/", only(outside_clinician=200)),
    get("/patients/{other_clinic_patient}/", only(other_clinic_clinician=200)),
    get("/patients/{patient}/courses/new/", POST_ONLY),
    post(
        "/patients/{patient}/courses/new/",
        only(care_clinician=(302, "/courses/")),
        _course_data,
        "care_clinician",
    ),
    get("/courses/{course}/", CARE),
    get("/courses/{course}/motivation/", PATIENT_ONLY),
    post(
        "/courses/{course}/motivation/",
        only(patient=(302, "/courses/")),
        _text_data,
        "patient",
    ),
    get("/courses/{course}/sessions/new/", POST_ONLY),
    post(
        "/courses/{course}/sessions/new/",
        only(care_clinician=(302, "/courses/")),
        _session_data,
        "care_clinician",
    ),
    get("/sessions/{scheduled}/", CARE),
    get("/sessions/{in_progress}/", CARE),
    get("/sessions/{completed}/", CARE),
    get("/sessions/{scheduled}/edit/", CLINICIAN_ONLY),
    post(
        "/sessions/{scheduled}/edit/",
        only(care_clinician=SEE_SESSION),
        _session_data,
        "care_clinician",
    ),
    get("/sessions/{scheduled}/intention/", PATIENT_ONLY),
    post(
        "/sessions/{scheduled}/intention/",
        only(patient=SEE_SESSION),
        _text_data,
        "patient",
    ),
    get("/sessions/{scheduled}/start/", POST_ONLY),
    post(
        "/sessions/{scheduled}/start/",
        only(care_clinician=SEE_SESSION),
        lambda w: {"confirm": "1"},
        "care_clinician",
    ),
    get("/sessions/{in_progress}/complete/", CLINICIAN_ONLY),
    post(
        "/sessions/{in_progress}/complete/",
        only(care_clinician=SEE_SESSION),
        _debrief_data,
        "care_clinician",
    ),
    get("/sessions/{scheduled}/cancel/", POST_ONLY),
    post(
        "/sessions/{scheduled}/cancel/",
        only(care_clinician=SEE_SESSION),
        lambda w: {},
        "care_clinician",
    ),
    get("/sessions/{in_progress}/notes/", POST_ONLY),
    post(
        "/sessions/{in_progress}/notes/",
        only(care_clinician=SEE_SESSION),
        _note_data,
        "care_clinician",
    ),
    post(
        "/sessions/{in_progress}/notes/",
        only(care_clinician=SEE_SESSION),
        _screen_note_data,
        "care_clinician",
    ),
    # The session screen and its observations: the care team's, never the patient's.
    get("/sessions/{in_progress}/screen/", CLINICIAN_ONLY),
    get("/sessions/{completed}/screen/", CLINICIAN_ONLY),
    get("/sessions/{in_progress}/observations/", POST_ONLY),
    post(
        "/sessions/{in_progress}/observations/",
        only(care_clinician=SEE_SESSION),
        _observation_data,
        "care_clinician",
    ),
    get("/sessions/{completed}/timeline/", CARE),
    # Everyone signed in has an integration page; only a patient with a completed session
    # is sent on to its timeline.
    get("/integration/", only(others=200, patient=(302, "/sessions/"))),
    # Check-ins and scales: patients answer them, for themselves only.
    get("/check-in/", PATIENTS),
    post(
        "/check-in/",
        only(patient=(302, "/"), other_patient=(302, "/")),
        _check_in_data,
        "patient",
        "other_patient",
    ),
    get("/scales/", PATIENTS),
    get("/scales/phq9/", PATIENTS),
    get("/scales/not-a-scale/", only()),
    # The safety follow-up screener exists only for a patient it is offered to (a clinic that
    # uses it, after a self-harm answer): nobody here.
    get("/scales/cssrs_screen/", only()),
    post(
        "/scales/phq9/",
        only(patient=(302, "/scales/"), other_patient=(302, "/scales/")),
        _scale_data,
        "patient",
        "other_patient",
    ),
    # Scores: the patient and their care team, as part of care; not the clinic admin.
    get("/scales/responses/{scale_response}/", CARE),
    get("/progress/", only(patient=(302, "/patients/"), other_patient=(302, "/patients/"))),
    get("/patients/{patient}/progress/", CARE),
    get("/patients/{other_patient}/progress/", only(other_patient=200, outside_clinician=200)),
    get("/patients/{other_clinic_patient}/progress/", only(other_clinic_clinician=200)),
    # Score downloads (CSV, FHIR R4): the patient and their care team, not the clinic admin.
    get("/patients/{patient}/scores.csv", CARE),
    get("/patients/{patient}/scores.fhir.json", CARE),
    get("/patients/{other_clinic_patient}/scores.fhir.json", only(other_clinic_clinician=200)),
    # Alerts: each clinician has an inbox of their own care teams' alerts; a clinic admin's
    # holds only what they were sent (on-call, or for want of a care team).
    get(
        "/alerts/",
        only(
            care_clinician=200,
            outside_clinician=200,
            other_clinic_clinician=200,
            clinic_admin=200,
        ),
    ),
    get("/alerts/{alert}/", CLINICIAN_ONLY),
    get("/alerts/{alert}/acknowledge/", POST_ONLY),
    post(
        "/alerts/{alert}/acknowledge/",
        only(care_clinician=(302, "/alerts/")),
        lambda w: {"note": "Called; safe."},
        "care_clinician",
    ),
    get("/alerts/{alert}/assign/", POST_ONLY),
    post(
        "/alerts/{alert}/assign/",
        only(care_clinician=(302, "/alerts/")),
        lambda w: {"to": str(w.personas.care_clinician.pk)},
        "care_clinician",
    ),
    # An alert about a patient without a care team: the on-call staff it was sent to see its
    # metadata and may acknowledge it; nobody else gains anything, and nobody can take it on.
    get("/alerts/{unrouted_alert}/", only(clinic_admin=200, outside_clinician=200)),
    post(
        "/alerts/{unrouted_alert}/acknowledge/",
        only(clinic_admin=(302, "/alerts/"), outside_clinician=(302, "/alerts/")),
        lambda w: {"note": "Called; safe."},
        "clinic_admin",
        "outside_clinician",
    ),
    post("/alerts/{unrouted_alert}/assign/", only(), lambda w: {"to": "1"}),
    # A patient's phone and emergency contact: the patient, and their clinic's admin.
    get("/account/contact/", PATIENTS),
    post(
        "/account/contact/",
        only(patient=(302, "/account/contact/"), other_patient=(302, "/account/contact/")),
        lambda w: {"phone": "(415) 555-2671"},
        "patient",
        "other_patient",
    ),
    get("/clinic/patients/{patient}/contact/", CLINIC_ADMIN_ONLY),
    get("/clinic/patients/{other_clinic_patient}/contact/", only()),
    post(
        "/clinic/patients/{patient}/contact/",
        only(clinic_admin=(302, "/clinic/people/")),
        lambda w: {"phone": "(415) 555-2671"},
        "clinic_admin",
    ),
    post("/clinic/patients/{other_clinic_patient}/contact/", only(), lambda w: {"phone": "x"}),
    # Safety plan: the patient's and their care team's. /safety-plan/ is a patient's own.
    get("/safety-plan/", PATIENTS),
    get("/patients/{patient}/safety-plan/", CARE),
    get("/patients/{other_patient}/safety-plan/", only(other_patient=200, outside_clinician=200)),
    get("/patients/{other_clinic_patient}/safety-plan/", only(other_clinic_clinician=200)),
    get("/patients/{patient}/safety-plan/edit/", CARE),
    post(
        "/patients/{patient}/safety-plan/edit/",
        only(patient=(302, "/safety-plan/"), care_clinician=(302, "/patients/")),
        _plan_data,
        "patient",
        "care_clinician",
    ),
    get("/patients/{patient}/safety-plan/print/", CARE),
    get("/patients/{patient}/safety-plan/versions/1/", CARE),
    get("/patients/{patient}/safety-plan/versions/9/", only()),
    # Integration plan, goals, practices, "patterns in my check-ins": the patient's own, for now.
    get("/plan/", PATIENTS),
    post(
        "/plan/",
        only(patient=(302, "/plan/"), other_patient=(302, "/plan/")),
        lambda w: {"body": "6", "relationships": "8"},
        "patient",
        "other_patient",
    ),
    get("/goals/", PATIENTS),
    post(
        "/goals/",
        only(patient=(302, "/goals/"), other_patient=(302, "/goals/")),
        _goal_data,
        "patient",
        "other_patient",
    ),
    get("/goals/{goal}/check/", POST_ONLY),
    post(
        "/goals/{goal}/check/",
        only(patient=(302, "/goals/")),
        lambda w: {"action": "check"},
        "patient",
    ),
    get("/goals/{goal}/edit/", PATIENT_ONLY),
    post(
        "/goals/{goal}/edit/",
        only(patient=(302, "/goals/")),
        _goal_edit_data,
        "patient",
    ),
    get("/goals/{goal}/delete/", POST_ONLY),
    post("/goals/{goal}/delete/", only(patient=(302, "/goals/")), lambda w: {}, "patient"),
    get("/practices/", PATIENTS),
    post(
        "/practices/",
        only(patient=(302, "/practices/"), other_patient=(302, "/practices/")),
        lambda w: {"name": "Evening swim"},
        "patient",
        "other_patient",
    ),
    get("/practices/{practice}/log/", POST_ONLY),
    post(
        "/practices/{practice}/log/",
        only(patient=(302, "/practices/"), other_patient=(302, "/practices/")),
        _practice_log_data,
        "patient",
        "other_patient",
    ),
    post(
        "/practices/{own_practice}/log/",
        only(patient=(302, "/practices/")),
        _practice_log_data,
        "patient",
    ),
    get("/practices/{own_practice}/delete/", POST_ONLY),
    post(
        "/practices/{own_practice}/delete/",
        only(patient=(302, "/practices/")),
        lambda w: {},
        "patient",
    ),
    # The catalogue's practices are no one's to remove.
    post("/practices/{practice}/delete/", only(), lambda w: {}),
    get("/patterns/", PATIENTS),
    # The page's old address ("What helps me") moved; other roles still find nothing there.
    get("/insights/", only(patient=(301, "/patterns/"), other_patient=(301, "/patterns/"))),
    # The service worker and the grounding exercises are public, like the crisis page.
    get("/sw.js", everyone(200)),
    get("/grounding/", everyone(200)),
    get("/grounding/box-breathing/", everyone(200)),
    get("/grounding/not-an-exercise/", everyone(404)),
    # Crisis resources: each clinic admin replaces the default list for their own clinic.
    get("/clinic/crisis-resources/", CLINIC_ADMIN_ONLY),
    post(
        "/clinic/crisis-resources/",
        only(clinic_admin=(302, "/clinic/crisis-resources/")),
        _crisis_resources_data,
        "clinic_admin",
    ),
    # Reminders: each patient's own settings and notifications. A reminder link that is
    # unknown, used, expired or revoked answers 404 to everyone; the reflection page it opens
    # needs the link's grant, and a signed-in person is sent to the journal instead.
    get("/reminders/settings/", PATIENTS),
    post(
        "/reminders/settings/",
        only(patient=(302, "/reminders/settings/"), other_patient=(302, "/reminders/settings/")),
        _reminder_settings_data,
        "patient",
        "other_patient",
    ),
    get("/notifications/", PATIENTS),
    # Reminders about a goal (the patient's own) or a practice (the catalogue's, or one's own).
    get("/reminders/goals/{goal}/", PATIENT_ONLY),
    post(
        "/reminders/goals/{goal}/",
        only(patient=(302, "/goals/")),
        _routine_data,
        "patient",
    ),
    get("/reminders/practices/{practice}/", PATIENTS),
    post(
        "/reminders/practices/{practice}/",
        only(patient=(302, "/practices/"), other_patient=(302, "/practices/")),
        _routine_data,
        "patient",
        "other_patient",
    ),
    get("/reminders/practices/{own_practice}/", PATIENT_ONLY),
    # A reminder e-mail's neutral link leads its own patient to the page that answers it.
    get("/reminders/{reminder}/open/", only(patient=(302, "/goals/"))),
    get("/r/not-a-reminder-token/", everyone(404)),
    get("/r/reflect/", only()),
    post("/r/reflect/", only(), _entry_data),
    # The audit trail: each patient reads who has seen their data; a clinic admin reads their
    # own clinic's log (names and kinds of data, never text), whatever the filter asks for.
    get("/privacy/access-log/", PATIENTS),
    get("/privacy/access-log/?before=999999999", PATIENTS),
    get("/clinic/access-log/", CLINIC_ADMIN_ONLY),
    get("/clinic/access-log/?patient={patient}&since=2000-01-01", CLINIC_ADMIN_ONLY),
    get("/clinic/access-log/?patient={other_clinic_patient}", CLINIC_ADMIN_ONLY),
    # A list page's event and the patients it showed: the clinic admin of those patients only.
    get("/clinic/access-log/lists/{list_event}/", CLINIC_ADMIN_ONLY),
    # Consents: each patient's own. Screening can be withdrawn and given again; scores only
    # where the clinic allows it (this one does not: refused with a message, nothing changes).
    get("/consents/", PATIENTS),
    *(
        post(
            f"/consents/screening/{action}/",
            only(patient=(302, "/consents/"), other_patient=(302, "/consents/")),
            lambda w: {},
            "patient",
            "other_patient",
        )
        for action in ("withdraw", "give")
    ),
    get("/consents/screening/withdraw/", POST_ONLY),
    get("/consents/screening/give/", POST_ONLY),
    post(
        "/consents/scores/withdraw/",
        only(patient=(302, "/consents/"), other_patient=(302, "/consents/")),
        lambda w: {},
    ),
    post("/consents/enrolment/withdraw/", only(), lambda w: {}),
    # Care-team comments: on an entry the patient shared with the care team, by that care
    # team; the patient reads them. An unshared entry's thread is the patient's alone.
    get("/entries/{commented_entry}/comments/", only(patient=200, care_clinician=200)),
    get("/entries/{entry}/comments/", PATIENT_ONLY),
    get("/entries/{other_patient_entry}/comments/", only(other_patient=200)),
    post(
        "/entries/{commented_entry}/comments/",
        only(care_clinician=(302, "/journal/")),
        _comment_data,
        "care_clinician",
    ),
    post("/entries/{entry}/comments/", only(), _comment_data),
    # Suggestions: the care team suggests; only the patient answers.
    get("/patients/{patient}/suggestions/", only(care_clinician=200)),
    get("/patients/{other_patient}/suggestions/", only(outside_clinician=200)),
    post(
        "/patients/{patient}/suggestions/",
        only(care_clinician=(302, "/patients/")),
        _suggestion_data,
        "care_clinician",
    ),
    get("/suggestions/", PATIENTS),
    get("/suggestions/{suggestion}/accept/", POST_ONLY),
    get("/suggestions/{suggestion}/decline/", POST_ONLY),
    post(
        "/suggestions/{suggestion}/accept/",
        only(patient=(302, "/plan/")),
        lambda w: {},
        "patient",
    ),
    post(
        "/suggestions/{suggestion}/decline/",
        only(patient=(302, "/suggestions/")),
        lambda w: {"reason": FRESH_TEXT},
        "patient",
    ),
    # Clinic administration: the clinic admin only, and no one's health text.
    get("/clinic/people/", CLINIC_ADMIN_ONLY),
    get("/clinic/invite/", CLINIC_ADMIN_ONLY),
    get("/clinic/settings/", CLINIC_ADMIN_ONLY),
    post(
        "/clinic/settings/",
        only(clinic_admin=(302, "/clinic/settings/")),
        lambda w: {"suicide_screener_enabled": "on"},
        "clinic_admin",
    ),
    post(
        "/clinic/invite/",
        only(clinic_admin=(302, "/clinic/people/")),
        _invite_data,
        "clinic_admin",
    ),
    get("/clinic/patients/{patient}/care-team/", CLINIC_ADMIN_ONLY),
    get("/clinic/patients/{other_clinic_patient}/care-team/", only()),
    post(
        "/clinic/patients/{patient}/care-team/",
        only(clinic_admin=(302, "/clinic/people/")),
        _care_team_data,
        "clinic_admin",
    ),
    post("/clinic/patients/{other_clinic_patient}/care-team/", only(), _care_team_data),
    # An invitation link is its own credential: valid for whoever holds it, 404 otherwise.
    get("/invitations/{token}/", everyone(200)),
    get("/invitations/not-a-real-token/", everyone(404)),
    # Signed in, the link only says to sign out first: it never swaps the account in use.
    post("/invitations/{token}/", everyone(409, anonymous=(302, "/")), _accept_data, "anonymous"),
    post("/invitations/not-a-real-token/", everyone(404), _accept_data),
    # Calendar: each patient manages their own link; the feed answers by token, not by role.
    get("/calendar/", PATIENTS),
    post(
        "/calendar/",
        only(patient=200, other_patient=200),
        lambda w: {"action": "issue"},
        "patient",
        "other_patient",
    ),
    post(
        "/calendar/",
        only(patient=(302, "/calendar/"), other_patient=(302, "/calendar/")),
        lambda w: {"action": "revoke"},
        "patient",
    ),
    get("/calendar/{calendar_token}.ics", everyone(200)),
    get("/calendar/{revoked_calendar_token}.ics", everyone(404)),
    get("/calendar/not-a-real-token.ics", everyone(404)),
]


def _circle_invite_data(w: World) -> dict:
    return {"full_name": "Cleo Cousin", "email": "cleo.cousin@example.test", "relationship": "x"}


def _support_accept_data(w: World) -> dict:
    return {
        "full_name": "Cleo Close",
        "timezone": "Europe/London",
        "password1": "tide-pools-and-lanterns-7",
        "password2": "tide-pools-and-lanterns-7",
    }


def _once(**fields: str) -> Callable[[World], dict]:
    return lambda w: fields | {"submission_id": str(uuid.uuid4())}


TO_FEED: Expected = (302, "/supporting/")

# Support circle and sharing. The patient keeps their circle and decides what is shared; an
# accepted member sees only what was shared with them, and only while they are in the circle.
CIRCLE_AND_SHARING_ROWS: list[Row] = [
    get("/circle/", PATIENTS),
    post(
        "/circle/",
        only(patient=(302, "/circle/"), other_patient=(302, "/circle/")),
        _circle_invite_data,
        "patient",
        "other_patient",
    ),
    get("/circle/members/{invited_member}/resend/", POST_ONLY),
    post(
        "/circle/members/{invited_member}/resend/",
        only(patient=(302, "/circle/")),
        lambda w: {},
        "patient",
    ),
    get("/supporting/{patient}/leave/", POST_ONLY),
    post(
        "/supporting/{patient}/leave/",
        only(support_person=(302, "/supporting/")),
        lambda w: {},
        "support_person",
    ),
    get("/circle/members/{circle_member}/remove/", POST_ONLY),
    post(
        "/circle/members/{circle_member}/remove/",
        only(patient=(302, "/circle/")),
        lambda w: {},
        "patient",
    ),
    get("/circle/members/{circle_member}/check-in/", POST_ONLY),
    post(
        "/circle/members/{circle_member}/check-in/",
        only(patient=(302, "/circle/")),
        _once(message=FRESH_TEXT),
        "patient",
    ),
    # A circle invitation is its own credential, like a clinic's; it never swaps an account.
    get("/circle/invitations/{circle_token}/", everyone(200)),
    get("/circle/invitations/not-a-real-token/", everyone(404)),
    post(
        "/circle/invitations/{circle_token}/",
        everyone(409, anonymous=TO_FEED),
        _support_accept_data,
        "anonymous",
    ),
    post("/circle/invitations/not-a-real-token/", everyone(404), _support_accept_data),
    get("/circle/invitations/{circle_token}/decline/", everyone(405)),
    post(
        "/circle/invitations/{circle_token}/decline/",
        everyone(409, anonymous=200),
        lambda w: {},
        "anonymous",
    ),
    post("/circle/invitations/not-a-real-token/decline/", everyone(404), lambda w: {}),
    # The support person's pages.
    get("/supporting/", everyone(200, anonymous=TO_LOGIN, support_person=TO_FEED)),
    get("/supporting/guide/", everyone(200)),
    get("/supporting/{patient}/", only(support_person=200)),
    get("/supporting/{other_patient}/", only()),
    get("/supporting/{patient}/notes/", POST_ONLY),
    post(
        "/supporting/{patient}/notes/",
        only(support_person=TO_FEED),
        _once(text=FRESH_TEXT),
        "support_person",
    ),
    post("/supporting/{other_patient}/notes/", only(), _once(text=FRESH_TEXT)),
    get("/supporting/requests/{check_in_request}/answer/", POST_ONLY),
    post(
        "/supporting/requests/{check_in_request}/answer/",
        only(support_person=TO_FEED),
        lambda w: {"answer": "yes", "reply": FRESH_TEXT},
        "support_person",
    ),
    # Sharing: the patient's own page and buttons; nobody shares or revokes for them.
    get("/sharing/", PATIENTS),
    post(
        "/sharing/",
        only(patient=(302, "/sharing/"), other_patient=(302, "/sharing/")),
        lambda w: {"category": "session_dates", "audience": "care_team"},
        "patient",
        "other_patient",
    ),
    get("/sharing/entries/{entry}/", POST_ONLY),
    post(
        "/sharing/entries/{entry}/",
        only(patient=(302, "/journal/")),
        lambda w: {"audience": "care_team"},
        "patient",
    ),
    post(
        "/sharing/entries/{other_patient_entry}/",
        only(other_patient=(302, "/journal/")),
        lambda w: {"audience": "care_team"},
        "other_patient",
    ),
    get("/sharing/goals/{goal}/", POST_ONLY),
    post(
        "/sharing/goals/{goal}/",
        only(patient=(302, "/goals/")),
        lambda w: {"audience": "care_team"},
        "patient",
    ),
    get("/sharing/{share}/revoke/", POST_ONLY),
    post(
        "/sharing/{share}/revoke/",
        only(patient=(302, "/sharing/")),
        lambda w: {"return_to": "sharing"},
        "patient",
    ),
    # What a patient shares with the care team: its clinicians only.
    get("/patients/{patient}/shared/", CLINICIAN_ONLY),
    get("/patients/{other_patient}/shared/", only(outside_clinician=200)),
    get("/patients/{other_clinic_patient}/shared/", only(other_clinic_clinician=200)),
    # A shared entry: its writer and its audience read it; only the writer edits it.
    get("/journal/{support_entry}/", only(patient=200, support_person=200)),
    get("/journal/{support_entry}/edit/", PATIENT_ONLY),
    get("/journal/{revoked_entry}/", PATIENT_ONLY),
]
MATRIX.extend(CIRCLE_AND_SHARING_ROWS)

# Themes: the patient's own pages; the care-team view only for the patient's care team.
MATRIX.extend(
    [
        get("/themes/", PATIENTS),
        get("/themes/tone/", PATIENTS),
        get("/themes/sessions/{completed}/", PATIENT_ONLY),
        get("/themes/refresh/", POST_ONLY),
        post(
            "/themes/refresh/",
            only(patient=(302, "/themes/"), other_patient=(302, "/themes/")),
            lambda w: {},
            "patient",
            "other_patient",
        ),
        get("/themes/{theme}/", POST_ONLY),
        post(
            "/themes/{theme}/",
            only(patient=(302, "/themes/")),
            lambda w: {"action": "pin"},
            "patient",
        ),
        get("/patients/{patient}/themes/", CLINICIAN_ONLY),
        get("/patients/{other_patient}/themes/", only(outside_clinician=200)),
        get("/patients/{other_clinic_patient}/themes/", only(other_clinic_clinician=200)),
    ]
)

SIGNED_IN_ONLY = everyone(200, anonymous=TO_LOGIN)
WRITERS_ALL = SIGNED_IN


def _profile_data(w: World) -> dict:
    return {"full_name": "Matrix Name", "timezone": "Europe/Berlin", "language": "en"}


def _email_change_data(w: World) -> dict:
    from tests.factories import PASSWORD

    return {"new_email": "matrix.new@example.test", "password": PASSWORD}


def _delete_account_data(w: World) -> dict:
    from tests.factories import PASSWORD

    return {"password": PASSWORD, "understood": "on"}


# The patient experience: first steps, the phone's More page, the account, the data they own,
# deleting an entry.
MATRIX.extend(
    [
        get("/more/", SIGNED_IN_ONLY),
        get("/manifest.webmanifest", everyone(200)),
        get("/start/", PATIENTS),
        get("/start/guide/", PATIENTS),
        post(
            "/start/guide/",
            only(patient=(302, "/"), other_patient=(302, "/")),
            lambda w: {},
            "patient",
            "other_patient",
        ),
        get("/start/support/skip/", POST_ONLY),
        post(
            "/start/support/skip/",
            only(patient=(302, "/"), other_patient=(302, "/")),
            lambda w: {"return_to": "home"},
            "patient",
            "other_patient",
        ),
        get("/start/support/resume/", POST_ONLY),
        post(
            "/start/support/resume/",
            only(patient=(302, "/start/"), other_patient=(302, "/start/")),
            lambda w: {"return_to": "start"},
            "patient",
            "other_patient",
        ),
        get("/account/", SIGNED_IN_ONLY),
        post(
            "/account/",
            everyone((302, "/account/"), anonymous=TO_LOGIN),
            _profile_data,
            *WRITERS_ALL,
        ),
        get("/account/email/", SIGNED_IN_ONLY),
        post(
            "/account/email/",
            everyone((302, "/account/"), anonymous=TO_LOGIN),
            _email_change_data,
            *WRITERS_ALL,
        ),
        # Someone else's confirmation link: the same answer as a used or unknown one.
        get(
            "/account/email/confirm/{email_token}/", everyone(400, anonymous=TO_LOGIN, patient=200)
        ),
        post(
            "/account/email/confirm/{email_token}/",
            everyone(400, anonymous=TO_LOGIN, patient=(302, "/account/")),
            lambda w: {},
            "patient",
        ),
        # A clinic admin resets a colleague's second factor (audited); nobody else can.
        get("/clinic/people/{care_clinician}/reset-factors/", POST_ONLY),
        post(
            "/clinic/people/{care_clinician}/reset-factors/",
            only(clinic_admin=(302, "/clinic/people/")),
            lambda w: {},
            "clinic_admin",
        ),
        # Where one is signed in: one's own browsers only.
        get("/account/sessions/", SIGNED_IN_ONLY),
        get("/account/sessions/{sign_in}/end/", POST_ONLY),
        post(
            "/account/sessions/{sign_in}/end/",
            only(patient=(302, "/account/sessions/")),
            lambda w: {},
            "patient",
        ),
        get("/account/sessions/end-others/", POST_ONLY),
        post(
            "/account/sessions/end-others/",
            everyone((302, "/account/sessions/"), anonymous=TO_LOGIN),
            lambda w: {},
            "patient",
        ),
        get("/account/data/", PATIENTS),
        get("/account/data/export.zip", PATIENTS),
        get("/account/data/delete/", POST_ONLY),
        post(
            "/account/data/delete/",
            only(patient=(302, "/account/data/"), other_patient=(302, "/account/data/")),
            _delete_account_data,
            "patient",
        ),
        get("/account/data/delete/cancel/", POST_ONLY),
        post(
            "/account/data/delete/cancel/",
            only(patient=(302, "/account/data/"), other_patient=(302, "/account/data/")),
            lambda w: {},
            "other_patient",
        ),
        get("/journal/{entry}/delete/", POST_ONLY),
        post(
            "/journal/{entry}/delete/",
            only(patient=(302, "/journal/?deleted=")),
            lambda w: {},
            "patient",
        ),
        # Not deleted: the writer is sent to it; another patient hears "too late", as for any
        # id that is not theirs. Nothing changes either way.
        # Push reminders are off in the tests (no VAPID keys): the endpoints are not there.
        get("/push/subscribe/", POST_ONLY),
        post("/push/subscribe/", only(), lambda w: {}),
        get("/push/unsubscribe/", POST_ONLY),
        post("/push/unsubscribe/", only(), lambda w: {}),
        get("/journal/{entry}/restore/", POST_ONLY),
        post(
            "/journal/{entry}/restore/",
            only(patient=(302, "/journal/"), other_patient=(302, "/journal/")),
            lambda w: {},
        ),
    ]
)


def _message_data(w: World) -> dict:
    return {"body": "Written while the matrix ran.", "submission_id": str(uuid.uuid4())}


def _thread_data(w: World) -> dict:
    return {**_message_data(w), "subject": "Matrix"}


# Secure messages: the patient and their care team; the clinic admin sets office hours.
MESSAGE_READERS = only(
    patient=200,
    other_patient=200,
    care_clinician=200,
    outside_clinician=200,
    other_clinic_clinician=200,
)
MATRIX.extend(
    [
        get("/messages/", MESSAGE_READERS),
        get("/messages/unread/", MESSAGE_READERS),
        get("/messages/new/", PATIENTS),
        post(
            "/messages/new/",
            only(patient=(302, "/messages/"), other_patient=(302, "/messages/")),
            _thread_data,
            "patient",
            "other_patient",
        ),
        get("/messages/{thread}/", CARE),
        get("/messages/{thread}/?before=999999", CARE),
        get("/messages/{thread}/earlier/?before=999999&since=0", CARE),
        get("/messages/{thread}/earlier/", only()),
        post(
            "/messages/{thread}/",
            only(patient=(302, "/messages/"), care_clinician=(302, "/messages/")),
            _message_data,
            "patient",
            "care_clinician",
        ),
        get("/messages/{thread}/hand-over/", POST_ONLY),
        post(
            "/messages/{thread}/hand-over/",
            only(care_clinician=(302, "/messages/")),
            lambda w: {"to": w.colleague_id},
            "care_clinician",
        ),
        get("/patients/{patient}/messages/new/", CLINICIAN_ONLY),
        get("/patients/{other_patient}/messages/new/", only(outside_clinician=200)),
        post(
            "/patients/{patient}/messages/new/",
            only(care_clinician=(302, "/messages/")),
            _thread_data,
            "care_clinician",
        ),
        get("/clinic/messaging/", CLINIC_ADMIN_ONLY),
        post(
            "/clinic/messaging/",
            only(clinic_admin=(302, "/clinic/messaging/")),
            lambda w: {"office_hours": "Mon-Fri 9-17", "reply_note": "Within a day."},
            "clinic_admin",
        ),
    ]
)

CASES = [
    pytest.param(row, role, id=f"{row.method} {row.path} {role}")
    for row in MATRIX
    for role in ROLES
]


# --- Checks ---------------------------------------------------------------------------------


def database_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the app owns (the session store aside)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label != "sessions"
    }


def assert_status(response: HttpResponse, expected: Expected) -> None:
    status, location = expected if isinstance(expected, tuple) else (expected, None)
    assert response.status_code == status, (response.status_code, response.get("Location"))
    if location is not None:
        assert response["Location"].startswith(location), response["Location"]


def _text_of(response: HttpResponse) -> str:
    """A page's text; a download's (the export zip) every file's text."""
    if not response.streaming:
        return response.content.decode()
    raw = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return "\n".join(archive.read(name).decode() for name in archive.namelist())


def assert_no_private_text(response: HttpResponse, role: str) -> None:
    body = _text_of(response)
    leaked = [
        text for text, readers in PRIVATE_TEXT.items() if role not in readers and text in body
    ]
    assert not leaked, f"{role} was shown {leaked}"


@pytest.mark.parametrize(("row", "role"), CASES)
def test_permission_matrix(world: World, one_client: Client, row: Row, role: str) -> None:
    client = as_role(one_client, world.circle.role(role, world.personas))
    url = row.path.format(**world.placeholders(), **world.circle.placeholders())
    if row.data is None:
        response = client.get(url)
    else:
        before = database_snapshot()
        response = client.post(url, row.data(world))
        changed = database_snapshot() != before
        assert changed == (role in row.writers), "database changed" if changed else "no change"
    assert_status(response, row.expected[role])
    assert_no_private_text(response, role)


# --- Guide notes ----------------------------------------------------------------------------


def test_patient_reads_guide_notes_only_once_the_session_is_completed(world: World) -> None:
    p = world.personas
    patient, guide = client_for(p.patient), client_for(p.care_clinician)

    during = patient.get(f"/sessions/{p.in_progress.pk}/")
    after = patient.get(f"/sessions/{p.completed.pk}/")

    assert during.status_code == 200
    assert IN_PROGRESS_NOTE not in during.content.decode()
    assert after.status_code == 200
    assert "Said: held by the ocean." in after.content.decode()
    assert IN_PROGRESS_NOTE in guide.get(f"/sessions/{p.in_progress.pk}/").content.decode()


def test_journal_text_reaches_only_its_writer(world: World, one_client: Client) -> None:
    p = world.personas
    entry_url = f"/journal/{p.entry.pk}/"
    writer = as_role(one_client, p.patient)
    assert "I noticed the ocean again." in writer.get(entry_url).content.decode()
    for role in SIGNED_IN[1:]:
        response = as_role(one_client, world.circle.role(role, p)).get(entry_url)
        assert response.status_code == 404, role
        assert "I noticed the ocean again." not in response.content.decode(), role


def test_other_patient_cannot_file_an_entry_under_someone_elses_session(world: World) -> None:
    p = world.personas
    client_for(p.other_patient).post("/journal/new/", _entry_data(world))

    assert not Entry.objects.filter(session=p.completed).exclude(patient=p.patient).exists()


# --- Completeness ---------------------------------------------------------------------------

NOT_CLAYWORK = ("accounts/", "static/")
ANY_ID = dict.fromkeys(
    ("patient", "other_patient", "course", "scheduled", "in_progress", "completed", "entry"), 1
) | {
    "other_patient_entry": 1,
    "other_clinic_patient": 1,
    "token": "t",
    "scale_response": 1,
    "alert": 1,
    "unrouted_alert": 1,
    "goal": 1,
    "own_practice": 1,
    "practice": 1,
    "calendar_token": "t",
    "revoked_calendar_token": "t",
    "reminder": 1,
    "commented_entry": 1,
    "suggestion": 1,
    "theme": 1,
    "email_token": "t",
    "thread": 1,
    "sign_in": 1,
    "care_clinician": 1,
    "list_event": 1,
}

ANY_ID.update(CircleWorld.ANY_ID)


def _views(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, Callable[..., Any]]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(NOT_CLAYWORK):
            continue
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, route)
        else:
            yield route, pattern.callback


def _declared_methods(view: Callable[..., Any] | None) -> set[str]:
    """The methods a view names through ``require_http_methods`` (or ``require_POST``)."""
    while view is not None:
        code = getattr(view, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = view.__closure__[code.co_freevars.index("request_method_list")]  # type: ignore[index]
            return set(cell.cell_contents)
        view = getattr(view, "__wrapped__", None)
    return set()


def _covered(method: str) -> set[str]:
    return {
        resolve(urlsplit(row.path.format(**ANY_ID)).path).route
        for row in MATRIX
        if row.method == method
    }


def test_matrix_covers_every_claywork_url() -> None:
    missing = {route for route, _ in _views(get_resolver().url_patterns)} - _covered("GET")

    assert not missing, f"add GET rows to MATRIX for: {sorted(missing)}"


def test_matrix_posts_to_every_url_that_accepts_a_post() -> None:
    accepting = {
        route
        for route, view in _views(get_resolver().url_patterns)
        if "POST" in _declared_methods(view)
    }

    assert accepting, "no view declares POST: the introspection above no longer works"
    missing = accepting - _covered("POST")
    assert not missing, f"add POST rows to MATRIX for: {sorted(missing)}"
