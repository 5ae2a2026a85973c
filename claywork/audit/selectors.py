"""Reading the audit trail: keyset-paginated pages of events, newest first.

Each page is one query (the events with their actor, and for a clinic their patient), however
long the log: ``WHERE patient_id = ? AND id < ? ORDER BY id DESC LIMIT n`` runs on the
(patient, -id) index, the clinic's on (clinic_id, -id).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.audit.models import AuditAction, AuditEvent
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


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    # Cursors for the neighbouring pages (``?after=`` newer, ``?before=`` older), if any.
    newer: int | None
    older: int | None


def _row(event: AuditEvent, *, with_patient: bool) -> LogRow:
    actor = event.actor
    return LogRow(
        pk=event.pk,
        when=event.occurred_at,
        who=(actor.full_name or actor.email) if actor is not None else SYSTEM_NAME,
        role=_ROLE_LABELS.get(event.actor_role, event.actor_role),
        action=_ACTION_LABELS.get(event.action, event.action),
        what=resource_label(event.resource),
        patient_id=event.patient_id,
        patient_name=event.patient.full_name if with_patient else "",
        address=event.ip_address or "",
        route=event.route or "",
    )


def log_page(
    events: QuerySet[AuditEvent],
    *,
    before: int | None = None,
    after: int | None = None,
    with_patient: bool = False,
    size: int = PAGE_SIZE,
) -> LogPage:
    """One page of ``events``, newest first: the newest page, the page older than ``before``,
    or the page newer than ``after``."""
    related = ("actor", "patient") if with_patient else ("actor",)
    events = events.select_related(*related)
    if after is not None:
        found = list(events.filter(pk__gt=after).order_by("pk")[: size + 1])
        has_newer, has_older = len(found) > size, True
        found = found[:size][::-1]
    else:
        if before is not None:
            events = events.filter(pk__lt=before)
        found = list(events.order_by("-pk")[: size + 1])
        has_newer, has_older = before is not None, len(found) > size
        found = found[:size]
    return LogPage(
        rows=[_row(event, with_patient=with_patient) for event in found],
        newer=found[0].pk if has_newer and found else None,
        older=found[-1].pk if has_older and found else None,
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def clinic_events(
    events: QuerySet[AuditEvent],
    *,
    patient: User | None = None,
    patient_ids: list[int] | None = None,
    actor: User | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """A clinic's events narrowed by the admin's filters; days are in the current zone."""
    if patient is not None:
        events = events.filter(patient=patient)
    if patient_ids is not None:
        events = events.filter(patient_id__in=patient_ids)
    if actor is not None:
        events = events.filter(actor=actor)
    if since is not None:
        events = events.filter(occurred_at__gte=_start_of(since))
    if until is not None:
        events = events.filter(occurred_at__lt=_start_of(until + timedelta(days=1)))
    return events


def log_rows_all(events: QuerySet[AuditEvent], *, batch: int = 500) -> Iterator[LogRow]:
    """Every event of ``events`` as a row, oldest first, ``batch`` at a time (a patient's
    export of "who has seen my data")."""
    after = 0
    while True:
        found = list(events.select_related("actor").filter(pk__gt=after).order_by("pk")[:batch])
        for event in found:
            yield _row(event, with_patient=False)
        if len(found) < batch:
            return
        after = found[-1].pk
