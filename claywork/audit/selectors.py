"""Reading the audit trail: keyset-paginated pages of events, newest first.

Each page is one query (the events with their actor, and for a clinic their patient), however
long the log: ``WHERE patient_id = ? AND id < ? ORDER BY id DESC LIMIT n`` runs on the
(patient, -id) index, the clinic's on (clinic_id, -id).

A patient's reads come from two places: the events that name them, and the list pages that
showed them (an event pointing at a set of patients that holds them). A page about a patient
reads both, each on its own index, merged by id in one statement (``patient_log_page``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.audit.models import AuditAction, AuditEvent, AuditSubject
from claywork.audit.resources import resource_label
from claywork.audit.services import SYSTEM_ROLE

PAGE_SIZE = 50
SYSTEM_NAME = "Clinic export"
_ROLE_LABELS = dict(Role.choices) | {SYSTEM_ROLE: "Clinic system"}
_ACTION_LABELS = dict(AuditAction.choices)


@dataclass(frozen=True)
class LogRow:
    pk: int
    when: datetime
    who: str
    role: str
    action: str
    what: str
    patient_id: int
    patient_name: str
    address: str
    route: str
    # A list page's event seen in the whole clinic's log: how many patients it showed (the
    # rows name no one patient; the event's page lists them).
    shown: int = 0


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    # Cursors for the neighbouring pages (``?after=`` newer, ``?before=`` older), if any.
    newer: int | None
    older: int | None


def _row(
    event: AuditEvent,
    *,
    with_patient: bool,
    patient_id: int | None = None,
    patient_name: str = "",
    shown: int = 0,
) -> LogRow:
    """``patient_id`` and ``patient_name``: the patient a list page's event is read for."""
    actor = event.actor
    named = event.patient if with_patient and event.patient_id is not None else None
    return LogRow(
        pk=event.pk,
        when=event.occurred_at,
        who=(actor.full_name or actor.email) if actor is not None else SYSTEM_NAME,
        role=_ROLE_LABELS.get(event.actor_role, event.actor_role),
        action=_ACTION_LABELS.get(event.action, event.action),
        what=resource_label(event.resource),
        patient_id=event.patient_id or patient_id or 0,
        patient_name=named.full_name if named is not None else patient_name,
        address=event.ip_address or "",
        route=event.route or "",
        shown=shown,
    )


def _one_page(
    found: list[AuditEvent], before: int | None, after: int | None, size: int
) -> tuple[list[AuditEvent], int | None, int | None]:
    """The page's events newest first (``found``: up to ``size + 1`` past the cursor, in the
    cursor's order), and the cursors of the pages either side."""
    if after is not None:
        has_newer, has_older = len(found) > size, True
        found = found[:size][::-1]
    else:
        has_newer, has_older = before is not None, len(found) > size
        found = found[:size]
    newer = found[0].pk if has_newer and found else None
    older = found[-1].pk if has_older and found else None
    return found, newer, older


def _past_cursor(
    events: QuerySet[AuditEvent], before: int | None, after: int | None
) -> QuerySet[AuditEvent]:
    if after is not None:
        return events.filter(pk__gt=after).order_by("pk")
    if before is not None:
        events = events.filter(pk__lt=before)
    return events.order_by("-pk")


def log_page(
    events: QuerySet[AuditEvent],
    *,
    before: int | None = None,
    after: int | None = None,
    with_patient: bool = False,
    size: int = PAGE_SIZE,
) -> LogPage:
    """One page of ``events``, newest first: the newest page, the page older than ``before``,
    or the page newer than ``after``. A list page's event is one row with the number of
    patients it showed."""
    related = ("actor", "patient", "subject_set") if with_patient else ("actor", "subject_set")
    found = list(_past_cursor(events.select_related(*related), before, after)[: size + 1])
    found, newer, older = _one_page(found, before, after, size)
    return LogPage(
        rows=[
            _row(
                event,
                with_patient=with_patient,
                shown=event.subject_set.size if event.subject_set is not None else 0,
            )
            for event in found
        ],
        newer=newer,
        older=older,
    )


# More sets than this in one patient's log are read with one IN instead of one indexed part
# each (SQLite allows 500 parts in a compound SELECT).
_MAX_PARTS = 200


def patient_log_page(
    events: QuerySet[AuditEvent],
    patient_ids: list[int],
    *,
    before: int | None = None,
    after: int | None = None,
    with_patient: bool = False,
    size: int = PAGE_SIZE,
) -> LogPage:
    """One page of the reads of these patients' data among ``events``, newest first: the
    events that name one of them and the list pages that showed one of them (one row per
    patient shown). A patient's own log, their export, a clinic admin's log narrowed to
    patients. Three queries whatever the log's length: the sets of patients that hold them
    ((patient, set) index); the page's ids, one keyset part per source ((patient, -id) for
    the events naming them, (set, -id) for each set's) in one ``UNION ALL``; the events."""
    if not patient_ids:
        return LogPage(rows=[], newer=None, older=None)
    shown_in: dict[int, list[tuple[int, str]]] = {}
    subjects = AuditSubject.objects.filter(patient_id__in=patient_ids)
    names = "patient__full_name" if with_patient else "patient_id"
    for set_id, patient_id, name in subjects.values_list("subject_set_id", "patient_id", names):
        shown_in.setdefault(set_id, []).append((patient_id, name if with_patient else ""))
    parts = [events.filter(patient_id__in=patient_ids)]
    if len(shown_in) > _MAX_PARTS:
        parts.append(events.filter(subject_set_id__in=list(shown_in)))
    else:
        parts += [events.filter(subject_set_id=set_id) for set_id in shown_in]
    ids = _page_ids(parts, before, after, size)
    related = ("actor", "patient") if with_patient else ("actor",)
    by_id = {event.pk: event for event in events.select_related(*related).filter(pk__in=ids)}
    found, newer, older = _one_page([by_id[pk] for pk in ids], before, after, size)
    rows = []
    for event in found:
        if event.subject_set_id is None:
            rows.append(_row(event, with_patient=with_patient))
            continue
        for patient_id, name in sorted(shown_in.get(event.subject_set_id, []), key=_by_name):
            rows.append(
                _row(event, with_patient=with_patient, patient_id=patient_id, patient_name=name)
            )
    return LogPage(rows=rows, newer=newer, older=older)


def _by_name(shown: tuple[int, str]) -> tuple[str, int]:
    return shown[1], shown[0]


def _page_ids(
    parts: list[QuerySet[AuditEvent]], before: int | None, after: int | None, size: int
) -> list[int]:
    """Up to ``size + 1`` ids past the cursor, in the cursor's order, over every part: each
    part cut to ``size + 1`` on its own index, then merged in one statement."""
    sqls: list[str] = []
    params: list[Any] = []
    for number, part in enumerate(parts):
        ids = _past_cursor(part, before, after).values_list("pk", flat=True)[: size + 1]
        sql, part_params = ids.query.sql_with_params()
        sqls.append(f"SELECT * FROM ({sql}) AS part{number}")  # noqa: S608 - Django's own SQL
        params.extend(part_params)
    order = "ASC" if after is not None else "DESC"
    merged = (
        f"SELECT * FROM ({' UNION ALL '.join(sqls)}) AS parts "  # noqa: S608 - as above
        f"ORDER BY 1 {order} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(merged, [*params, size + 1])
        return [row[0] for row in cursor.fetchall()]


def own_log_page(
    patient_id: int, *, before: int | None = None, after: int | None = None
) -> LogPage:
    """A patient's "who has seen my data": every read of their data, list pages included."""
    return patient_log_page(AuditEvent.objects.all(), [patient_id], before=before, after=after)


def newest_clinic_event_id(clinic_id: int) -> int:
    """The id of the clinic's newest event (0 for none): one step down the (clinic, -id)
    index. Events are numbered in the order they commit (the chain's lock, or SQLite's one
    writer, is held from the insert to the commit), so a page of the clinic's log rendered
    after reading it holds every event up to it: the id says whether a stored page is stale."""
    newest = (
        AuditEvent.objects.filter(clinic_id=clinic_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return newest or 0


def log_row(event: AuditEvent) -> LogRow:
    """One event as a row of a log (its actor selected with it)."""
    return _row(event, with_patient=False)


def list_event_patients(event: AuditEvent) -> list[User]:
    """The patients a list page's event showed, by name."""
    return list(
        User.objects.filter(audit_subject_of__subject_set_id=event.subject_set_id).order_by(
            "full_name", "pk"
        )
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def clinic_events(
    events: QuerySet[AuditEvent],
    *,
    actor: User | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """A clinic's events narrowed by the admin's filters of who and when; days are in the
    current zone. The filters of whose data are ``patient_log_page``'s."""
    if actor is not None:
        events = events.filter(actor=actor)
    if since is not None:
        events = events.filter(occurred_at__gte=_start_of(since))
    if until is not None:
        events = events.filter(occurred_at__lt=_start_of(until + timedelta(days=1)))
    return events


def patient_log_rows_all(patient_id: int, *, batch: int = 500) -> Iterator[LogRow]:
    """Every read of one patient's data, oldest first, ``batch`` at a time (a patient's export
    of "who has seen my data"), list pages included."""
    after = 0
    while True:
        page = patient_log_page(AuditEvent.objects.all(), [patient_id], after=after, size=batch)
        yield from reversed(page.rows)
        if page.newer is None:
            return
        after = page.newer
