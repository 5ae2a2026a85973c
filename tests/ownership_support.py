"""A patient with words in every sealed field Claywork has, each a recognisable canary.

Shared by the export round-trip (every canary comes back, readable) and the deletion scan (no
canary is left anywhere in the database). ``sealed_contexts()`` reads every ``SealedText`` of
every model, so a sealed field added later fails both tests until it is filled here (and,
unless listed in ``NOT_EXPORTED``, exported).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import time, timedelta

from django.apps import apps

from claywork.accounts.models import User
from claywork.accounts.services import patient_contact_save
from claywork.care import services as care
from claywork.circle import services as circle
from claywork.crisis import services as crisis
from claywork.crisis.models import PLAN_FIELDS
from claywork.journal import services as journal
from claywork.measures import services as measures
from claywork.measures.selectors import patient_today
from claywork.practice import services as practice
from claywork.reminders.chosen import routine_save
from claywork.safety.services import alert_acknowledge, alert_raise
from claywork.sharing import services as sharing
from claywork.vault.crypto import VaultError, token_data_key_id
from claywork.vault.fields import SealedText
from claywork.vault.services import forget_cached_keys, open_text
from tests import factories

# Sealed fields a patient's export leaves out, and why. Still erased with the account.
NOT_EXPORTED = {
    # What a clinician wrote when acknowledging an alert is the care team's working note.
    "safety.alert.note": "the care team's note on an alert, not shown to the patient",
    # The alert is the care team's working record of a safety event, not the patient's.
    "safety.alert.title": "the care team's alert, not shown to the patient",
}


# Sealed fields that hold structure, not words the patient or a clinician typed: no canary
# of their own (each test checks them its own way).
STRUCTURAL = {
    "accounts.contact.phone": "a phone number, as digits in E.164 (checked by its own test)",
    "accounts.contact.emergency_phone": "a phone number, as digits in E.164",
    "measures.response.answers": "questionnaire answers, as numbers",
    "measures.response.band": "the band scoring gives the answers (checked by the backup scan)",
    "measures.response.flags": "the safety flags scoring gives the answers, as codes",
    "themes.snapshot.sessions": "the sessions a theme analysis covered",
    "themes.edit.anchor": "the key phrases of the theme an edit follows (a canary of its own)",
    "care.session.observation": "observations during a session, as numbers and choices",
}


def sealed_contexts() -> set[str]:
    found = set()
    for model in apps.get_models():
        for value in vars(model).values():
            if isinstance(value, SealedText):
                found.add(value.context)
    return found


# Canaries that must have a shape of their own to be accepted (an e-mail address).
SHAPED_CANARIES: dict[str, str] = {"circle.member.email": "canary.circle.wren@example.test"}


def canary(context: str) -> str:
    return SHAPED_CANARIES.get(context) or f"Canary {context.replace('.', ' ')} wren"


@dataclass
class Everything:
    patient: User
    clinician: User
    supporter: User
    # context -> the words sealed in it
    canaries: dict[str, str]


def _care_record(patient: User, clinician: User) -> None:
    course = factories.make_course(patient, clinician, title=canary("care.course.title"))
    care.motivation_save(course=course, text=canary("care.course.motivation"))
    session = factories.make_session(course, status="in_progress")
    care.session_schedule(
        course=course,
        scheduled_at=session.scheduled_at + timedelta(days=7),
        location=canary("care.session.location"),
    )
    care.intention_save(session=session, text=canary("care.intention.text"))
    care.guide_note_add(
        session=session,
        author=clinician,
        text=canary("care.guide_note.text"),
        submission_id=uuid.uuid4(),
    )
    care.session_complete(session=session, debrief=canary("care.session.debrief"))
    suggestion, _ = care.suggestion_make(
        patient=patient,
        clinician=clinician,
        submission_id=uuid.uuid4(),
        prompt_words=canary("care.suggestion.words"),
    )
    care.suggestion_decline(suggestion=suggestion, reason=canary("care.suggestion.decline"))


def _journal(patient: User, clinician: User, supporter: User) -> None:
    entry, _ = journal.entry_create(
        patient=patient,
        content=journal.EntryContent(
            kind="reflection",
            title=canary("journal.entry.title"),
            body=canary("journal.entry.body"),
            tags=[canary("journal.tag.name")],
        ),
        submission_id=uuid.uuid4(),
    )
    sharing.share_item(patient=patient, item=entry, care_team=True)
    sharing.share_item(patient=patient, item=entry, person=supporter)
    care.entry_comment_add(
        entry=entry,
        author=clinician,
        text=canary("care.entry_comment.text"),
        submission_id=uuid.uuid4(),
    )
    journal.draft_save(
        patient=patient, draft_key="new-s0-p0", fields={"body": canary("journal.draft.content")}
    )


def _measures(patient: User) -> None:
    measures.check_in_save(
        patient=patient,
        day=patient_today(patient),
        values=measures.CheckInValues(
            7,
            note=canary("measures.check_in.note"),
            tags=measures.DayTags(
                keys=frozenset({"walk-outside"}),
                new_own=(("activity", canary("measures.check_in_tag.label")),),
            ),
        ),
    )
    measures.response_submit(
        response=measures.response_start(
            patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
        ),
        answers=dict.fromkeys("12345678", 1) | {"9": 0},
    )


def _plan(patient: User) -> None:
    goal, _ = practice.goal_create(
        patient=patient,
        realm="body",
        title=canary("practice.goal.title"),
        cadence="weekly",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    own = practice.practice_create(patient=patient, name=canary("practice.practice.own_name"))
    practice.practice_log(
        patient=patient,
        practice=own,
        day=patient_today(patient),
        submission_id=uuid.uuid4(),
        note=canary("practice.log.note"),
    )
    routine_save(patient=patient, goal=goal, at=time(12), weekdays=[0, 2, 4])
    crisis.safety_plan_save(
        patient=patient,
        author=patient,
        content={field: canary(f"crisis.plan.{field}") for field in PLAN_FIELDS},
        submission_id=uuid.uuid4(),
    )


def _circle(patient: User, supporter: User) -> None:
    from claywork.circle.models import CircleMember

    # Someone invited who has not answered yet: known only by the patient's words for them.
    circle.member_invite(
        patient=patient,
        email=canary("circle.member.email"),
        full_name=canary("circle.member.full_name"),
        relationship=canary("circle.member.relationship"),
    )
    member = CircleMember.objects.get(patient=patient, person=supporter)
    circle.note_send(member=member, text=canary("circle.note.text"), submission_id=uuid.uuid4())
    asked, _ = circle.check_in_request_send(
        patient=patient,
        member=member,
        message=canary("circle.request.message"),
        submission_id=uuid.uuid4(),
    )
    circle.check_in_request_answer(
        check_in_request=asked, answer="yes", reply=canary("circle.request.reply")
    )


def _themes(patient: User) -> None:
    from claywork.themes.models import Theme as StoredTheme
    from claywork.themes.pipeline import Theme, ThemeResult
    from claywork.themes.selectors import patient_inputs
    from claywork.themes.services import theme_rename, themes_store

    inputs = patient_inputs(patient)
    key = inputs.documents[0].key if inputs.documents else "entry:0"
    found = Theme(
        canary("themes.theme.label"),
        [canary("themes.theme.phrases")],
        [key],
        {},
        False,
        snippets={key: canary("themes.theme.detail")},
    )
    themes_store(
        patient=patient,
        audience="patient",
        result=ThemeResult("ready", "classic", [found], 1, []),
        inputs=inputs,
    )
    stored = StoredTheme.objects.filter(patient=patient).latest("pk")
    theme_rename(theme=stored, label=canary("themes.edit.label"))


def _messages(patient: User, clinician: User) -> None:
    from claywork.messaging import services as messaging

    thread, _ = messaging.thread_start(
        patient=patient,
        author=patient,
        subject=canary("messaging.thread.subject"),
        body=canary("messaging.message.body"),
        submission_id=uuid.uuid4(),
    )
    messaging.message_send(
        thread=thread,
        author=clinician,
        body="Thank you, see you Thursday.",
        submission_id=uuid.uuid4(),
    )
    messaging.message_draft_save(
        author=patient,
        patient_id=patient.pk,
        draft_key=f"thread-{thread.pk}",
        body=canary("messaging.draft.content"),
    )


def _alert(patient: User, clinician: User) -> None:
    alert, _ = alert_raise(
        patient=patient,
        kind="self_harm_answer",
        severity="high",
        title=canary("safety.alert.title"),
        dedupe_key=f"everything-{patient.pk}",
    )
    alert_acknowledge(alert=alert, by=clinician, note=canary("safety.alert.note"))


def patient_with_everything() -> Everything:
    clinic = factories.ClinicFactory(name="Harbour Clinic")
    patient = factories.PatientFactory(
        clinic=clinic, full_name="Wren Canary", email="wren.canary@example.test"
    )
    clinician = factories.ClinicianFactory(clinic=clinic, full_name="Cara Clinician")
    supporter = factories.SupportPersonFactory(full_name="Sue Support")
    factories.add_to_care_team(patient, clinician)
    factories.add_to_circle(patient, supporter)
    _care_record(patient, clinician)
    _journal(patient, clinician, supporter)
    _measures(patient)
    _plan(patient)
    _circle(patient, supporter)
    _themes(patient)
    _messages(patient, clinician)
    _alert(patient, clinician)
    patient_contact_save(
        patient=patient,
        by=patient,
        phone="(415) 555-2671",
        emergency_name=canary("accounts.contact.emergency_name"),
        emergency_relationship=canary("accounts.contact.emergency_relationship"),
        emergency_phone="+44 20 7946 0958",
    )
    canaries = {context: canary(context) for context in FILLED}
    return Everything(patient, clinician, supporter, canaries)


# Every context the builder above writes a canary into.
FILLED = frozenset(
    {
        "accounts.contact.emergency_name",
        "accounts.contact.emergency_relationship",
        "care.course.motivation",
        "care.course.title",
        "care.intention.text",
        "care.guide_note.text",
        "care.session.debrief",
        "care.session.location",
        "care.suggestion.words",
        "care.suggestion.decline",
        "care.entry_comment.text",
        "journal.entry.title",
        "journal.entry.body",
        "journal.draft.content",
        "journal.tag.name",
        "measures.check_in.note",
        "measures.check_in_tag.label",
        "practice.goal.title",
        "practice.practice.own_name",
        "practice.log.note",
        *(f"crisis.plan.{field}" for field in PLAN_FIELDS),
        "circle.member.email",
        "circle.member.full_name",
        "circle.member.relationship",
        "circle.note.text",
        "circle.request.message",
        "circle.request.reply",
        "themes.theme.label",
        "themes.theme.phrases",
        "themes.theme.detail",
        "themes.edit.label",
        "safety.alert.note",
        "safety.alert.title",
        "messaging.thread.subject",
        "messaging.message.body",
        "messaging.draft.content",
    }
)


# --- Scanning the whole database ------------------------------------------------------------


def _sealed_columns(model: type) -> dict[str, str]:
    """column -> the context its tokens are sealed with."""
    return {
        value.column: value.context
        for value in vars(model).values()
        if isinstance(value, SealedText)
    }


def _readable(text: str, context: str | None) -> str:
    """What the server can read of a stored value: clear text as it is, a sealed token opened
    with the keys it holds, or nothing when it cannot be opened."""
    if context is None or not text.startswith("cw1."):
        return text
    try:
        return open_text(token=text, context=context)
    except VaultError:
        return ""


def every_stored_value() -> list[tuple[str, str, str, str]]:
    """(table, column, stored value, what the server can read of it) for every text value of
    every table of every installed model: the scan of the whole database."""
    forget_cached_keys()
    found = []
    for model in apps.get_models(include_auto_created=True):
        columns = [field.attname for field in model._meta.concrete_fields]
        sealed = _sealed_columns(model)
        for row in model._base_manager.values_list(*columns):
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("latin-1")
                elif isinstance(value, dict | list):
                    value = repr(value)
                if isinstance(value, str):
                    readable = _readable(value, sealed.get(column))
                    found.append((model._meta.db_table, column, value, readable))
    return found


def _contexts_by_column() -> dict[tuple[str, str], str]:
    return {
        (model._meta.db_table, column): context
        for model in apps.get_models(include_auto_created=True)
        for column, context in _sealed_columns(model).items()
    }


def readable_in_copy(
    copy: list[tuple[str, str, str, str]], words: list[str]
) -> list[tuple[str, str]]:
    """The (table, column) pairs of a copy of the database (``every_stored_value()`` taken
    earlier: a backup) where any of ``words`` can be read with the keys the server holds now."""
    forget_cached_keys()
    contexts = _contexts_by_column()
    return sorted(
        {
            (table, column)
            for table, column, stored, _ in copy
            for word in words
            if word in _readable(stored, contexts.get((table, column)))
        }
    )


def readable_anywhere(words: list[str]) -> list[tuple[str, str]]:
    """The (table, column) pairs where any of ``words`` can still be read."""
    return sorted(
        {
            (table, column)
            for table, column, _, readable in every_stored_value()
            for word in words
            if word in readable
        }
    )


def sealed_key_id(value: str) -> int | None:
    try:
        return token_data_key_id(value)
    except VaultError:
        return None
