"""The one way to write to the audit trail. Views and commands call ``audit_record`` whenever
someone other than the patient reads, changes or exports the patient's health data (after the
access check has passed), and ``audit_record_many`` for a list page that shows many patients:
one event for the page view pointing at the set of patients it showed (``AuditSubjectSet``,
stored once however many views show it), in the same transaction and covered by the event's
hash (decision 0004, amendment of 2026-12-04).

Writes are short: one transaction that takes the chain lock, reads the newest row's hash and
inserts. Concurrent requests of one process share that transaction (``group_commit.py``): each
returns once its event is committed, or raises ``AuditNotRecorded``.
On PostgreSQL the lock is a transaction-scoped advisory lock, so two processes never
chain onto the same row; on SQLite the IMMEDIATE transaction (settings) already holds the
database's one write lock from BEGIN. Never put health text in an event: codes and ids only.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from claywork.accounts.models import User
from claywork.audit.chain import GENESIS_HASH, ChainFields, row_digest, subjects_digest
from claywork.audit.group_commit import GroupCommit
from claywork.audit.keys import mac_key
from claywork.audit.models import AuditAction, AuditEvent, AuditSubject, AuditSubjectSet
from claywork.core import page_cache
from claywork.core.http import AuthedRequest

# pg_advisory_xact_lock key: "CLAYAUDT" as a 64-bit integer. Any fixed number would do; it
# only has to differ from other advisory locks in the same database.
CHAIN_LOCK_KEY = 0x434C4159_41554454
SYSTEM_ROLE = "system"

_ip_field = AuditEvent._meta.get_field("ip_address")


def _client_address(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR, in the form the column stores (so the hash matches what is read back).

    Behind a reverse proxy this is the proxy's address unless the server in front of Django
    sets it from a header it trusts; Claywork never reads X-Forwarded-For itself, which any
    client could forge.
    """
    raw = request.META.get("REMOTE_ADDR") if request is not None else None
    if not raw:
        return None
    try:
        validate_ipv46_address(raw)
    except ValidationError:
        return None
    return str(_ip_field.get_prep_value(raw))


def _route(request: HttpRequest | None) -> str:
    match = getattr(request, "resolver_match", None) if request is not None else None
    return match.view_name[:120] if match is not None else ""


_ACTIONS = frozenset(AuditAction.values)


def _check(action: str, resource: str) -> None:
    if action not in _ACTIONS:
        raise ValueError(f"audit action must be one of {sorted(_ACTIONS)}, not {action!r}")
    if not resource:
        raise ValueError("an audit event needs a resource code, e.g. 'measures.progress'")


def _chain_fields(
    *,
    actor: User | None,
    patient_id: int | None,
    clinic_id: int | None,
    action: str,
    resource: str,
    object_id: object,
    ip_address: str | None,
    route: str,
    occurred_at: datetime | None = None,
) -> ChainFields:
    """One event's fields. ``action`` and ``resource`` are checked by the caller (``_check``),
    once per call however many events it writes."""
    return ChainFields(
        occurred_at=occurred_at or timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        actor_role=actor.role if actor is not None else SYSTEM_ROLE,
        patient_id=patient_id,
        clinic_id=clinic_id,
        action=str(action),
        resource=resource[:60],
        object_id=str(object_id or "")[:40],
        ip_address=ip_address,
        route=route[:120],
    )


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _newest_and_sets(rows: list[ChainFields]) -> tuple[str, dict[str, int]]:
    """Inside the writing transaction, with the chain lock held, in one statement: the newest
    row's hash, to chain onto, and the ids of the stored sets among the list pages' sets of
    ``rows`` (a batch of four views of one caseload looks its set up once)."""
    digests = sorted({subjects_digest(row.subject_ids) for row in rows if row.subject_ids})
    sql = _NEWEST_HASH_AND_SETS
    if digests:
        sql += _AND_SETS.format(marks=", ".join(["%s"] * len(digests)))
    with connection.cursor() as cursor:
        cursor.execute(sql, digests)
        found = cursor.fetchall()
    newest = next((value for pk, value in found if pk is None), GENESIS_HASH)
    return newest, {value: int(pk) for pk, value in found if pk is not None}


def _chain(rows: list[ChainFields], prev_hash: str) -> list[tuple[str, str]]:
    """Each row's (prev_hash, row_hash), ``rows`` hashed in order onto ``prev_hash``."""
    hashes = []
    key = mac_key()
    for row in rows:
        row_hash = row_digest(prev_hash, row, key)
        hashes.append((prev_hash, row_hash))
        prev_hash = row_hash
    return hashes


def _write_batch(jobs: list[list[ChainFields]]) -> list[list[AuditEvent]]:
    """Chain every job's events onto the newest row, in order, and insert them in one short
    transaction; returns each job's events."""
    return _write_taken(lambda: jobs)


def _write_taken(take: Callable[[], list[list[ChainFields]]]) -> list[list[AuditEvent]]:
    """``_write_batch`` of the jobs ``take()`` returns once the chain lock is held (the group
    commit's leader takes what queued while it waited for the lock). A list page's event
    points at the set of patients it showed, stored once: a set seen before (the same caseload
    opened again, or earlier in this batch) is found by its digest, a new one is written in
    two statements (the set, then its patients in one ``INSERT ... SELECT`` from ``unnest`` on
    PostgreSQL, ``json_each`` on SQLite). The chain lock serialises writers, so two never
    create the same set."""
    # SQLite: the IMMEDIATE transaction's BEGIN waits for the write lock (and the writers'
    # queue, core/sqlite3/base.py); PostgreSQL: the advisory lock.
    with transaction.atomic():
        _lock_chain()
        jobs = take()
        rows = [row for job in jobs for row in job]
        newest, sets = _newest_and_sets(rows)
        events = [
            AuditEvent(
                **{name: getattr(row, name) for name in _FIELDS},
                subject_set_id=_subject_set(row.subject_ids, sets) if row.subject_ids else None,
                prev_hash=prev_hash,
                row_hash=row_hash,
            )
            for row, (prev_hash, row_hash) in zip(rows, _chain(rows, newest), strict=True)
        ]
        _insert(events)
        ids = [event.pk for event in events]
        # audit-verify walks the chain in id order: refuse (roll back) a batch whose ids would
        # not follow it, rather than write a chain that does not verify.
        if None in ids or ids != sorted(ids) or len(set(ids)) != len(ids):
            raise DatabaseError("audit events were not given ids in chain order")
    batches, taken = [], 0
    for job in jobs:
        batches.append(events[taken : taken + len(job)])
        taken += len(job)
    return batches


# Concurrent requests of this process commit their events together (group_commit.py).
_group = GroupCommit(_write_taken)


def _commit(rows: list[ChainFields]) -> list[AuditEvent]:
    """Append one page view's events; on return they are committed (or in the caller's open
    transaction, see below). Raises ``group_commit.AuditNotRecorded`` if they could not be written.

    Inside a transaction (a view's or a command's atomic block) the events are written on the
    caller's connection and commit or roll back with it, as before group commit: a leader on
    another connection would write them even if that transaction rolled back, and on SQLite it
    would wait for the write lock the caller holds."""
    if connection.in_atomic_block or not connection.get_autocommit():
        return _write_batch([rows])[0]
    return _group.submit(rows)


def _append(row: ChainFields) -> AuditEvent:
    """Chain one event onto the newest row and insert it, committed on return."""
    (event,) = _commit([row])
    return event


def _append_listed(rows: list[ChainFields]) -> None:
    """A list page's events (one per clinic shown, nearly always one), committed on return."""
    _commit(rows)


def _insert(events: list[AuditEvent]) -> None:
    """Insert the batch's events in one statement and give each its id, as ``bulk_create``
    would, without building the ORM's insert query on every page view: the statement is
    written by hand while the chain lock is held, so it is kept short (stop 28). Each value is
    prepared by its model field, as the ORM does, so what is stored (and hashed) is the same.
    The ids come back with each row's hash, which matches each to its event whatever order
    the database returns them in."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _INSERT_FIELDS)
    one_row = "(" + ", ".join(["%s"] * len(_INSERT_FIELDS)) + ")"
    for start in range(0, len(events), _INSERT_ROWS):
        chunk = events[start : start + _INSERT_ROWS]
        params = [
            field.get_db_prep_save(getattr(event, field.attname), connection)
            for event in chunk
            for field in _INSERT_FIELDS
        ]
        sql = (
            f"INSERT INTO {quote(_TABLE)} ({columns}) "  # noqa: S608 - fixed names
            f"VALUES {', '.join([one_row] * len(chunk))} RETURNING id, row_hash"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = {row_hash: pk for pk, row_hash in cursor.fetchall()}
        for event in chunk:
            event.pk = ids.get(event.row_hash)
            event._state.adding = False
            event._state.db = connection.alias


def _subject_set(subject_ids: tuple[int, ...], stored: dict[str, int]) -> int:
    """The id of the stored set of these patients (``stored``: the batch's sets found, by
    digest), written if it is new (inside the chain lock's transaction)."""
    digest = subjects_digest(subject_ids)
    if digest in stored:
        return stored[digest]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SET, [digest, len(subject_ids)])
        (set_id,) = cursor.fetchone()
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_SUBJECTS, [set_id, list(subject_ids)])
        else:
            cursor.execute(_SQLITE_SUBJECTS, [set_id, json.dumps(list(subject_ids))])
    stored[digest] = int(set_id)  # a second view of the same new list in this batch
    return int(set_id)


# Every field the hash covers that is a column of the event (the subjects are rows of their own).
_FIELDS = [field.name for field in dataclasses.fields(ChainFields) if field.name != "subject_ids"]
_TABLE = AuditEvent._meta.db_table
# The columns an event is inserted with (all but its id), and at most this many rows a statement
# (SQLite allows 32,766 parameters; a page view's batch is a few rows).
_INSERT_FIELDS = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
_INSERT_ROWS = 500
_SUBJECT_TABLE = AuditSubject._meta.db_table
_SET_TABLE = AuditSubjectSet._meta.db_table
_INSERT_SET = f"INSERT INTO {_SET_TABLE} (digest, size) VALUES (%s, %s) RETURNING id"  # noqa: S608
# The newest row's hash (its id column NULL), then the stored sets found (id, digest).
_NEWEST_HASH_AND_SETS = (
    "SELECT NULL, row_hash FROM "  # noqa: S608 - fixed names
    f"(SELECT row_hash FROM {_TABLE} ORDER BY id DESC LIMIT 1) AS newest"
)
_AND_SETS = f" UNION ALL SELECT id, digest FROM {_SET_TABLE} WHERE digest IN ({{marks}})"  # noqa: S608
_POSTGRES_SUBJECTS = (
    f"INSERT INTO {_SUBJECT_TABLE} (subject_set_id, patient_id) "  # noqa: S608 - fixed names
    "SELECT %s, unnest(%s::bigint[])"
)
_SQLITE_SUBJECTS = (
    f"INSERT INTO {_SUBJECT_TABLE} (subject_set_id, patient_id) "  # noqa: S608 - fixed names
    "SELECT %s, value FROM json_each(%s)"
)


def audit_record(
    *,
    actor: User | None,
    patient: User | int,
    action: AuditAction | str,
    resource: str,
    object_id: object = "",
    request: HttpRequest | None = None,
    route: str = "",
) -> AuditEvent | None:
    """Append one event. Does nothing when the patient reads or changes their own data; their
    own deletions are recorded (that a journal entry or their account was deleted).

    ``actor`` None means the system (a command such as an export). ``patient`` may be the
    patient's id, which saves a query where the caller has only the id (it is looked up only
    when someone else is the reader). ``route`` names the source when there is no request
    ("command:export").
    """
    _check(str(action), resource)
    patient_id = patient if isinstance(patient, int) else patient.pk
    own = actor is not None and actor.pk == patient_id
    if own and str(action) != AuditAction.DELETE:
        return None
    clinic_id = (
        User.objects.filter(pk=patient_id).values_list("clinic_id", flat=True).first()
        if isinstance(patient, int)
        else patient.clinic_id
    )
    row = _chain_fields(
        actor=actor,
        patient_id=patient_id,
        clinic_id=clinic_id,
        action=str(action),
        resource=resource,
        object_id=object_id,
        # The patient's own deletions are kept past an erasure: without their network
        # address, which would tie the row to a household (decision 0016).
        ip_address=None if own else _client_address(request),
        route=_route(request) or route,
    )
    page_cache.on_every_view(_record_again, row, request is not None)
    return _append(row)


def audit_record_many(
    *,
    actor: User,
    patients: Iterable[User | int],
    action: AuditAction | str,
    resource: str,
    request: HttpRequest | None = None,
    clinic_id: int | None = None,
) -> int:
    """A list page (a caseload, an inbox) showed these patients: one event for the page view
    (per clinic among the patients, so a clinic admin sees their clinic's) pointing at the
    set of its patients, in one short transaction that keeps the chain. ``patients`` may be users or
    ids; for ids, pass their ``clinic_id`` when the caller knows it (a clinician's caseload is
    in the clinician's clinic), or it costs one query. Repeats and the actor's own id are
    skipped. Returns the number of patients recorded."""
    _check(str(action), resource)
    given = {(p if isinstance(p, int) else p.pk): p for p in patients}
    given.pop(actor.pk, None)
    if not given:
        return 0
    unknown = [pk for pk, patient in given.items() if isinstance(patient, int)]
    clinics = (
        dict.fromkeys(unknown, clinic_id)
        if clinic_id is not None
        else dict(User.objects.filter(pk__in=unknown).values_list("pk", "clinic_id"))
    )
    by_clinic: dict[int | None, list[int]] = {}
    for pk, patient in given.items():
        clinic = clinics.get(pk) if isinstance(patient, int) else patient.clinic_id
        by_clinic.setdefault(clinic, []).append(pk)
    ip_address, route = _client_address(request), _route(request)
    shown_at = timezone.now()  # one page view: one moment for every event it writes
    rows = [
        dataclasses.replace(
            _chain_fields(
                actor=actor,
                patient_id=None,
                clinic_id=clinic,
                action=str(action),
                resource=resource,
                object_id="",
                ip_address=ip_address,
                route=route,
                occurred_at=shown_at,
            ),
            subject_ids=tuple(sorted(shown)),
        )
        for clinic, shown in sorted(by_clinic.items(), key=lambda item: item[0] or 0)
    ]
    page_cache.on_every_view(_record_many_again, rows, request is not None)
    _append_listed(rows)
    return len(given)


def _again(rows: list[ChainFields], request: HttpRequest, from_request: bool) -> list[ChainFields]:
    """Events a view recorded, for another view of the same page: now, and from this
    request's address (never an address on one's own deletion)."""
    at = timezone.now()
    if not from_request:
        return [dataclasses.replace(row, occurred_at=at) for row in rows]
    address, route = _client_address(request), _route(request)
    return [
        dataclasses.replace(
            row,
            occurred_at=at,
            ip_address=None if row.actor_id == row.patient_id else address,
            route=route or row.route,
        )
        for row in rows
    ]


def _record_again(request: HttpRequest, row: ChainFields, from_request: bool) -> None:
    """A page sent from memory (core/page_cache.py) records the event its view recorded."""
    (again,) = _again([row], request, from_request)
    _append(again)


def _record_many_again(request: HttpRequest, rows: list[ChainFields], from_request: bool) -> None:
    """A list page sent from memory records the events its view recorded, at one moment."""
    _append_listed(_again(rows, request, from_request))


def audit_read(
    request: AuthedRequest, patient: User | int, resource: str, object_id: object = ""
) -> AuditEvent | None:
    """``audit_record`` in a view: the signed-in user read ``patient``'s data (one line)."""
    return audit_record(
        actor=request.user,
        patient=patient,
        action=AuditAction.READ,
        resource=resource,
        object_id=object_id,
        request=request,
    )


def audit_write(
    request: AuthedRequest, patient: User | int, resource: str, object_id: object = ""
) -> AuditEvent | None:
    """``audit_record`` in a view: the signed-in user changed ``patient``'s data."""
    return audit_record(
        actor=request.user,
        patient=patient,
        action=AuditAction.WRITE,
        resource=resource,
        object_id=object_id,
        request=request,
    )


def audit_shown(
    request: AuthedRequest,
    patients: Iterable[User | int],
    resource: str,
    *,
    clinic_id: int | None = None,
) -> int:
    """``audit_record_many`` in a view: a list page showed these patients' data."""
    return audit_record_many(
        actor=request.user,
        patients=patients,
        action=AuditAction.READ,
        resource=resource,
        request=request,
        clinic_id=clinic_id,
    )
