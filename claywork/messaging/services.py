"""Writes to the message threads: starting a thread, sending, reading, handing over.

Sending is one short transaction: the message, the thread's last-message time, the writer's
read mark, the outbox rows of the "new message" e-mails and, for a patient's words that the
crisis-language detector flags, the alert (``safety.free_text``, the journal's hook). The
detector runs before that transaction. The same submission twice makes one message
(``core.idempotent.create_once``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.accounts.models import User
from claywork.clinics.models import Clinic
from claywork.core import policy
from claywork.core.idempotent import create_once
from claywork.messaging.models import (
    ClinicMessaging,
    Message,
    MessageDraft,
    MessageNotice,
    NoticeState,
    ReadMark,
    Thread,
)
from claywork.safety import free_text

DRAFT_MAX_CHARS = 1_000_000  # far above a message's limit: an oversized draft is still kept


class NotOnCareTeam(Exception):
    """A thread was handed to someone who is not on the patient's care team (any more)."""


@dataclass(frozen=True)
class Sent:
    message: Message
    created: bool
    # Whether this message raised a crisis-language alert (the view then shows /help/).
    crisis: bool


def _screen(*, author: User, patient_id: int, text: str) -> str:
    """The screening level ("" for none). Only the patient's own words are screened, as for
    the journal."""
    if author.pk != patient_id:
        return ""
    return free_text.screening_level(text, patient_id=patient_id)


def _recipients(thread: Thread, author: User) -> list[User]:
    """Who is told of a new message: the patient, for the care team's words; for the
    patient's, the clinician the thread was handed to if they are still on the care team,
    else the whole care team as it is now."""
    if author.pk != thread.patient_id:
        return [thread.patient]
    team = list(policy.care_team_of(thread.patient))
    # As it is in the database now: a hand-over may have happened since the thread was read.
    assigned_id = Thread.objects.filter(pk=thread.pk).values_list("assigned_to_id", flat=True)[0]
    assigned = [person for person in team if person.pk == assigned_id]
    return assigned or team


def _after_message(message: Message, *, author: User, crisis: str, draft_key: str) -> None:
    """What belongs with a new message, in its transaction."""
    thread = message.thread
    newest = "last_from_patient" if message.from_patient else "last_from_team"
    Thread.objects.filter(pk=thread.pk).update(
        last_message_at=message.created_at, **{newest: message.pk}
    )
    _mark(thread_id=thread.pk, reader_id=author.pk, up_to=message.pk, now=message.created_at)
    # One e-mail per unread spell: someone with a notice still waiting is not sent another.
    waiting = set(
        MessageNotice.objects.filter(thread=thread, state=NoticeState.PENDING).values_list(
            "recipient_id", flat=True
        )
    )
    MessageNotice.objects.bulk_create(
        [
            MessageNotice(
                recipient=person,
                thread=thread,
                message=message,
                next_attempt_at=message.created_at,
            )
            for person in _recipients(thread, author)
            if person.pk not in waiting and person.pk != author.pk
        ],
        ignore_conflicts=True,
    )
    if draft_key:
        MessageDraft.objects.filter(author=author, draft_key=draft_key).delete()
    if crisis:
        free_text.crisis_language_alert(
            patient=thread.patient,
            source=free_text.WrittenText.MESSAGE,
            saved=message,
            level=crisis,
        )


def _new_message(thread: Thread, *, author: User, body: str, submission_id: uuid.UUID) -> Message:
    message = Message(
        thread=thread,
        patient_id=thread.patient_id,
        author=author,
        from_patient=author.pk == thread.patient_id,
        submission_id=submission_id,
    )
    message.body = body
    return message


def thread_start(
    *,
    patient: User,
    author: User,
    subject: str,
    body: str,
    submission_id: uuid.UUID,
    draft_key: str = "",
) -> tuple[Thread, Sent]:
    """A new thread with its first message; the same submission twice returns the first."""
    crisis = _screen(author=author, patient_id=patient.pk, text=f"{subject}\n{body}")
    first: list[Message] = []

    def build() -> Thread:
        thread = Thread(
            patient=patient,
            started_by=author,
            submission_id=submission_id,
            last_message_at=timezone.now(),
        )
        thread.subject = subject
        return thread

    def with_thread(thread: Thread) -> None:
        message = _new_message(thread, author=author, body=body, submission_id=submission_id)
        message.save()
        first.append(message)
        _after_message(message, author=author, crisis=crisis, draft_key=draft_key)

    thread, created = create_once(
        Thread,
        lookup={"patient": patient, "submission_id": submission_id},
        build=build,
        with_row=with_thread,
    )
    if created:
        return thread, Sent(first[0], True, bool(crisis))
    return thread, Sent(thread.messages.earliest("pk"), False, False)


def message_send(
    *, thread: Thread, author: User, body: str, submission_id: uuid.UUID, draft_key: str = ""
) -> Sent:
    """Add a message to a thread. The caller has checked the author may (``access``)."""
    crisis = _screen(author=author, patient_id=thread.patient_id, text=body)
    message, created = create_once(
        Message,
        lookup={"thread": thread, "submission_id": submission_id},
        build=lambda: _new_message(thread, author=author, body=body, submission_id=submission_id),
        with_row=lambda row: _after_message(row, author=author, crisis=crisis, draft_key=draft_key),
    )
    return Sent(message, created, bool(crisis) and created)


def _mark(*, thread_id: int, reader_id: int, up_to: int, now: object) -> None:
    moved = ReadMark.objects.filter(
        thread_id=thread_id, reader_id=reader_id, read_up_to__lt=up_to
    ).update(read_up_to=up_to, read_at=now)
    if moved:
        return
    try:
        with transaction.atomic():
            ReadMark.objects.get_or_create(
                thread_id=thread_id,
                reader_id=reader_id,
                defaults={"read_up_to": up_to, "read_at": now},
            )
    except IntegrityError:  # a second tab made it first; it moves on the next read
        pass


def thread_mark_read(*, thread: Thread, reader: User, up_to: int) -> None:
    """The reader has seen the thread up to this message (never moves backwards)."""
    _mark(thread_id=thread.pk, reader_id=reader.pk, up_to=up_to, now=timezone.now())


def thread_hand_over(*, thread: Thread, by: User, to: User) -> Thread:
    """Give the thread to a colleague on the patient's care team: they are told of the
    patient's next messages."""
    if not policy.may_hand_over_thread(by, thread):
        raise NotOnCareTeam("only the care team hands a thread over")
    if not policy.care_team_of(thread.patient).filter(pk=to.pk).exists():
        raise NotOnCareTeam("a thread goes only to someone on the patient's care team")
    Thread.objects.filter(pk=thread.pk).update(assigned_to=to)
    thread.assigned_to = to
    return thread


def message_draft_save(*, author: User, patient_id: int, draft_key: str, body: str) -> MessageDraft:
    """Keep words that could not be sent (trimmed only past 1M characters)."""
    draft = MessageDraft.objects.filter(author=author, draft_key=draft_key).first()
    if draft is None:
        draft = MessageDraft(author=author, patient_id=patient_id, draft_key=draft_key)
    draft.content = body[:DRAFT_MAX_CHARS]
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:  # two requests raced to create it; the later one wins
        draft = MessageDraft.objects.get(author=author, draft_key=draft_key)
        draft.content = body[:DRAFT_MAX_CHARS]
        draft.save()
    return draft


def messaging_settings_save(*, clinic: Clinic, office_hours: str, reply_note: str) -> None:
    ClinicMessaging.objects.update_or_create(
        clinic=clinic, defaults={"office_hours": office_hours, "reply_note": reply_note}
    )
