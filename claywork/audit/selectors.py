"""Reading the audit trail: keyset-paginated pages of events, newest first.

Each page is one query (the events with their actor, and for a clinic their patient), however
long the log: ``WHERE patient_id = ? AND id < ? ORDER BY id DESC LIMIT n`` runs on the
(patient, -id) index, the clinic's on (clinic_id, -id).

A patient's reads come from two places: the events that name them, and the list pages that
showed them (an event whose patients are subject rows). A page about one patient reads both,
each on its own index ((patient, -id) on the events, (patient, -event) on the subjects), and
merges them by id: two queries, whatever the log's length.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
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


def _newest_first(
    events: QuerySet[AuditEvent],
    key: str,
    before: int | None,
    after: int | None,
    size: int,
    where: dict[str, object] | None = None,
) -> list[AuditEvent]:
    """Up to ``size + 1`` of ``events`` matching ``where`` past the cursor, ordered by ``key``
    (the event's id, or the subject row's copy of it): newest first, or oldest first after
    ``after``. The cursor and the order are on ``key`` so the index that filters also orders;
    ``where`` and the cursor go in one ``filter`` so a join through the subjects is one join."""
    where = dict(where or {})
    if after is not None:
        where[f"{key}__gt"] = after
        return list(events.filter(**where).order_by(key)[: size + 1])
    if before is not None:
        where[f"{key}__lt"] = before
    return list(events.filter(**where).order_by(f"-{key}")[: size + 1])


def _one_page(
    found: list[AuditEvent], before: int | None, after: int | None, size: int
) -> tuple[list[AuditEvent], int | None, int | None]:
    """The page's events newest first, and the cursors of the pages either side."""
    if after is not None:
        has_newer, has_older = len(found) > size, True
        found = found[:size][::-1]
    else:
        has_newer, has_older = before is not None, len(found) > size
        found = found[:size]
    newer = found[0].pk if has_newer and found else None
    older = found[-1].pk if has_older and found else None
    return found, newer, older


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
    related = ("actor", "patient") if with_patient else ("actor",)
    found = _newest_first(events.select_related(*related), "pk", before, after, size)
    found, newer, older = _one_page(found, before, after, size)
    listed = [event.pk for event in found if event.patient_id is None]
    shown = dict(
        AuditSubject.objects.filter(event_id__in=listed)
        .values("event_id")
        .annotate(n=Count("id"))
        .values_list("event_id", "n")
        if listed
        else []
    )
    return LogPage(
        rows=[
            _row(event, with_patient=with_patient, shown=shown.get(event.pk, 0)) for event in found
        ],
        newer=newer,
        older=older,
    )


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
    patient shown). A patient's own log and a clinic admin's log narrowed to patients."""
    related = ("actor", "patient") if with_patient else ("actor",)
    events = events.select_related(*related)
    direct = _newest_first(events, "pk", before, after, size, where={"patient_id__in": patient_ids})
    if len(patient_ids) == 1:
        # One join on the (patient, -event) index, ordered and cut on the subject's column.
        where: dict[str, object] = {"subjects__patient_id": patient_ids[0]}
        listed = _newest_first(events, "subjects__event_id", before, after, size, where=where)
    else:
        some = AuditSubject.objects.filter(patient_id__in=patient_ids).values("event_id")
        listed = _newest_first(events, "pk", before, after, size, where={"pk__in": some})
    merged = sorted([*direct, *listed], key=lambda event: event.pk, reverse=after is None)
    found, newer, older = _one_page(merged[: size + 1], before, after, size)
    names = _subjects_named(found, patient_ids, with_patient=with_patient)
    rows = []
    for event in found:
        if event.patient_id is not None:
            rows.append(_row(event, with_patient=with_patient))
            continue
        for patient_id, name in names.get(event.pk, []):
            rows.append(
                _row(event, with_patient=with_patient, patient_id=patient_id, patient_name=name)
            )
    return LogPage(rows=rows, newer=newer, older=older)


def _subjects_named(
    found: list[AuditEvent], patient_ids: list[int], *, with_patient: bool
) -> dict[int, list[tuple[int, str]]]:
    """For each list page's event on the page: which of ``patient_ids`` it showed (and their
    names for a clinic's log). One patient asked for needs no query."""
    listed = [event.pk for event in found if event.patient_id is None]
    if not listed:
        return {}
    if len(patient_ids) == 1 and not with_patient:
        return {pk: [(patient_ids[0], "")] for pk in listed}
    named: dict[int, list[tuple[int, str]]] = {}
    subjects = (
        AuditSubject.objects.filter(event_id__in=listed, patient_id__in=patient_ids)
        .order_by("event_id", "patient__full_name")
        .values_list("event_id", "patient_id", "patient__full_name")
    )
    for event_id, patient_id, name in subjects:
        named.setdefault(event_id, []).append((patient_id, name))
    return named


def own_log_page(
    patient_id: int, *, before: int | None = None, after: int | None = None
) -> LogPage:
    """A patient's "who has seen my data": every read of their data, list pages included."""
    return patient_log_page(AuditEvent.objects.all(), [patient_id], before=before, after=after)


def log_row(event: AuditEvent) -> LogRow:
    """One event as a row of a log (its actor selected with it)."""
    return _row(event, with_patient=False)


def list_event_patients(event: AuditEvent) -> list[User]:
    """The patients a list page's event showed, by name."""
    return list(
        User.objects.filter(audit_subject_of__event=event).order_by("full_name", "pk").distinct()
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
