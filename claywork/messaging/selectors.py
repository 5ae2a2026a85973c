"""Reads for the message pages. Each is a fixed number of queries, however long the thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from claywork.accounts.models import Role, User
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.messaging.models import DEFAULT_REPLY_NOTE, ClinicMessaging, Message, ReadMark, Thread

# A thread page shows the newest 50 messages; "Earlier messages" loads 50 more above them.
# A page of 100 cost twice the render and the unsealing for messages most visits never
# scroll to (bench/README.md, "The thread a page at a time").
PAGE_SIZE = 50
INBOX_SIZE = 200


def _incoming(user: AnyUser) -> Q:
    """The messages a reader has to read: the other side's."""
    return Q(from_patient=getattr(user, "role", None) != Role.PATIENT)


def _my_mark(user: AnyUser, thread_ref: str) -> Subquery:
    return Subquery(
        ReadMark.objects.filter(thread=OuterRef(thread_ref), reader_id=user.pk).values(
            "read_up_to"
        )[:1],
        output_field=IntegerField(),
    )


def unread_count(user: AnyUser) -> int:
    """Messages from the other side this reader has not opened, across their threads (one
    query)."""
    return (
        Message.objects.filter(_incoming(user), thread__in=policy.threads_visible_to(user))
        .filter(pk__gt=Coalesce(_my_mark(user, "thread"), Value(0)))
        .count()
    )


@dataclass(frozen=True)
class InboxRow:
    thread: Thread
    unread: bool
    assigned_here: bool


def inbox(user: AnyUser) -> list[InboxRow]:
    """The newest threads first, each with whether it holds something new for this reader."""
    is_patient = getattr(user, "role", None) == Role.PATIENT
    threads: QuerySet[Thread] = (
        policy.threads_visible_to(user)
        .select_related("patient", "assigned_to")
        .annotate(my_mark=_my_mark(user, "pk"))
        .order_by("-last_message_at", "-pk")[:INBOX_SIZE]
    )
    rows = []
    for thread in threads:
        incoming = thread.last_from_team if is_patient else thread.last_from_patient
        rows.append(
            InboxRow(
                thread=thread,
                unread=incoming > (thread.my_mark or 0),  # type: ignore[attr-defined]
                assigned_here=thread.assigned_to_id == user.pk,
            )
        )
    return rows


@dataclass(frozen=True)
class ShownMessage:
    message: Message
    mine: bool
    # For the writer's own messages: whether the other side has read it, and when they last read.
    read: bool
    read_at: datetime | None
    # The author's name ("" when the author is gone): read with the message instead of loading
    # each author's whole row, which cost more than the message itself on a page of 100.
    author_name: str = ""


@dataclass(frozen=True)
class ThreadPage:
    messages: list[ShownMessage]
    # The id to pass as ``before`` for the earlier messages, when there are any.
    earlier: int | None
    newest_id: int
    unread_from: int  # messages after this id were new to the reader on this visit


def thread_page(thread: Thread, reader: User, *, before: int | None = None) -> ThreadPage:
    """The newest ``PAGE_SIZE`` messages (or those before a message id), oldest first, with
    read receipts: a patient's message is read once anyone on the care team has read it; the
    care team's once the patient has. Two queries. Only the messages shown are unsealed (the
    one more read to know whether there are earlier ones is not)."""
    rows = thread.messages.annotate(author_name=F("author__full_name")).order_by("-pk")
    if before is not None:
        rows = rows.filter(pk__lt=before)
    newest_first = list(rows[: PAGE_SIZE + 1])
    earlier = newest_first[PAGE_SIZE - 1].pk if len(newest_first) > PAGE_SIZE else None
    shown = list(reversed(newest_first[:PAGE_SIZE]))
    patient_mark: tuple[int, datetime | None] = (0, None)
    team_mark: tuple[int, datetime | None] = (0, None)
    my_mark = 0
    for mark in ReadMark.objects.filter(thread=thread):
        if mark.reader_id == reader.pk:
            my_mark = mark.read_up_to
        if mark.reader_id == thread.patient_id:
            patient_mark = (mark.read_up_to, mark.read_at)
        elif mark.read_up_to > team_mark[0]:
            team_mark = (mark.read_up_to, mark.read_at)
    messages = []
    for message in shown:
        other_side = team_mark if message.from_patient else patient_mark
        messages.append(
            ShownMessage(
                message=message,
                mine=message.author_id == reader.pk,
                read=other_side[0] >= message.pk,
                read_at=other_side[1],
                author_name=message.author_name or "",  # type: ignore[attr-defined]
            )
        )
    return ThreadPage(
        messages=messages,
        earlier=earlier,
        newest_id=newest_first[0].pk if newest_first else 0,
        unread_from=my_mark,
    )


@dataclass(frozen=True)
class ClinicHours:
    office_hours: str
    reply_note: str


def clinic_hours(clinic_id: int | None) -> ClinicHours:
    """What the clinic says about messages; a sensible note when it has said nothing."""
    saved = ClinicMessaging.objects.filter(clinic_id=clinic_id).first() if clinic_id else None
    if saved is None:
        return ClinicHours("", DEFAULT_REPLY_NOTE)
    return ClinicHours(saved.office_hours, saved.reply_note)


def colleagues_for_hand_over(thread: Thread, clinician: User) -> list[User]:
    """The other clinicians on the patient's care team, to hand the thread to."""
    return list(policy.care_team_of(thread.patient).exclude(pk=clinician.pk).order_by("full_name"))
