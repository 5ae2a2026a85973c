"""Group commit of audit events (claywork/audit/group_commit.py, decision 0004, amendment,
stop 26): concurrent requests of one process commit their events in one transaction, in
order, each durable before its request returns, all or nothing; and an event recorded inside
the caller's own transaction still commits or rolls back with it. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.db import connections, transaction

from claywork.accounts.models import User
from claywork.audit import services
from claywork.audit.chain import ChainFields
from claywork.audit.group_commit import AuditNotRecorded
from claywork.audit.models import AuditEvent, AuditSubjectSet
from claywork.audit.services import audit_record, audit_record_many
from claywork.audit.verify import chain_verify
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 10.0  # seconds; a step that takes longer has hung


@dataclass
class Batches:
    """Every batch the group's leaders wrote: the jobs and the events each job got."""

    written: list[list[list[AuditEvent]]] = field(default_factory=list)
    hold_first: threading.Event | None = None
    first_started: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> Batches:
    seen = Batches()
    real = services._group._write_batch

    def write_batch(take: Callable[[], list[list[ChainFields]]]) -> list[list[AuditEvent]]:
        def take_then_hold() -> list[list[ChainFields]]:
            jobs = take()
            if not seen.first_started.is_set():
                seen.first_started.set()
                if seen.hold_first is not None:
                    assert seen.hold_first.wait(WAIT)
            return jobs

        events = real(take_then_hold)
        seen.written.append(events)
        return events

    monkeypatch.setattr(services._group, "_write_batch", write_batch)
    return seen


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``work`` in a thread with its own database connection; its result or error lands in
    the returned list."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # noqa: BLE001 - the test looks at it
            outcome.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _read(reader: User, patient: User | int, number: int) -> Callable[[], AuditEvent | None]:
    return lambda: audit_record(
        actor=reader, patient=patient, action="read", resource="messages.thread", object_id=number
    )


def _queued_at_least(count: int) -> None:
    deadline = time.monotonic() + WAIT
    while len(services._group._queue) < count:
        assert time.monotonic() < deadline, "requests never queued behind the leader"
        time.sleep(0.001)


def _committed_elsewhere() -> int:
    """How many events another connection sees (what a crash right now would keep)."""
    thread, outcome = _in_thread(lambda: AuditEvent.objects.count())
    thread.join(WAIT)
    (count,) = outcome
    assert isinstance(count, int)
    return count


@contextmanager
def _first_batch_held(batches: Batches, reader: User, patient: User) -> Iterator[list[object]]:
    """A lone read whose commit waits until the block ends, so reads made inside the block
    queue behind it; yields the lone read's outcome (filled once the block has ended)."""
    batches.hold_first = threading.Event()
    leader, outcome = _in_thread(_read(reader, patient, 0))
    assert batches.first_started.wait(WAIT)
    try:
        yield outcome
    finally:
        batches.hold_first.set()
        leader.join(WAIT)


@pytest.fixture
def clinic_people() -> tuple[User, list[User]]:
    clinic = factories.ClinicFactory()
    patient = factories.PatientFactory(clinic=clinic)
    readers = [factories.ClinicianFactory(clinic=clinic) for _ in range(6)]
    return patient, readers


def test_a_lone_event_is_committed_by_the_time_its_request_returns(
    batches: Batches, clinic_people: tuple[User, list[User]]
) -> None:
    patient, (reader, *_) = clinic_people
    thread, outcome = _in_thread(_read(reader, patient, 1))
    thread.join(WAIT)

    (event,) = outcome
    assert isinstance(event, AuditEvent)
    assert [[len(job) for job in batch] for batch in batches.written] == [[1]]
    assert _committed_elsewhere() == 1
    assert chain_verify().ok


def test_requests_queued_behind_a_commit_are_written_together_in_order(
    batches: Batches, clinic_people: tuple[User, list[User]]
) -> None:
    patient, (first, *others) = clinic_people
    waiting = []
    with _first_batch_held(batches, first, patient):
        # While the first batch is held, five requests queue: a list page among them.
        for number, reader in enumerate(others, start=1):
            if number == 3:
                waiting.append(
                    _in_thread(
                        lambda reader=reader: audit_record_many(
                            actor=reader,
                            patients=[patient],
                            action="read",
                            resource="care.caseload",
                        )
                    )
                )
            else:
                waiting.append(_in_thread(_read(reader, patient, number)))
            _queued_at_least(number)
    for thread, _ in waiting:
        thread.join(WAIT)

    assert [len(batch) for batch in batches.written] == [1, 5]
    second = [event for job in batches.written[1] for event in job]
    # Chained and numbered in the order the requests queued.
    assert [event.actor_id for event in second] == [reader.pk for reader in others]
    assert [event.pk for event in second] == sorted(event.pk for event in second)
    for before, after in zip(second, second[1:], strict=False):
        assert after.prev_hash == before.row_hash
    assert all(isinstance(outcome[0], (AuditEvent, int)) for _, outcome in waiting)
    assert _committed_elsewhere() == 6
    report = chain_verify()
    assert report.ok, report.broken
    assert report.checked == 6


def test_requests_queued_while_the_leader_waits_for_the_chain_lock_join_its_batch(
    batches: Batches, clinic_people: tuple[User, list[User]]
) -> None:
    """Another writer (another process's batch) holds the chain lock: the leader's batch is
    taken once it holds the lock, so the requests that queued meanwhile commit with it."""
    patient, (first, *others) = clinic_people
    locked, release = threading.Event(), threading.Event()

    def hold_the_chain_lock() -> None:
        with transaction.atomic():
            services._lock_chain()  # SQLite: already held from BEGIN IMMEDIATE
            locked.set()
            assert release.wait(WAIT)

    holder, _ = _in_thread(hold_the_chain_lock)
    assert locked.wait(WAIT)
    leader, leader_outcome = _in_thread(_read(first, patient, 0))
    _queued_at_least(1)
    assert services._group._leading
    waiting = []
    for number, reader in enumerate(others[:3], start=1):
        waiting.append(_in_thread(_read(reader, patient, number)))
        _queued_at_least(number + 1)
    release.set()
    for thread, _ in [(holder, None), (leader, None), *waiting]:
        thread.join(WAIT)

    assert [[len(job) for job in batch] for batch in batches.written] == [[1, 1, 1, 1]]
    (batch,) = batches.written
    assert [job[0].actor_id for job in batch] == [first.pk, *(r.pk for r in others[:3])]
    assert isinstance(leader_outcome[0], AuditEvent)
    assert all(isinstance(outcome[0], AuditEvent) for _, outcome in waiting)
    assert _committed_elsewhere() == 4
    assert chain_verify().ok


def test_two_views_of_one_new_list_in_a_batch_store_its_patients_once(
    batches: Batches, clinic_people: tuple[User, list[User]]
) -> None:
    patient, (first, second, third, *_) = clinic_people
    other = factories.PatientFactory(clinic=patient.clinic)
    waiting = []
    with _first_batch_held(batches, first, patient):
        for number, reader in enumerate((second, third), start=1):
            waiting.append(
                _in_thread(
                    lambda reader=reader: audit_record_many(
                        actor=reader,
                        patients=[patient, other],
                        action="read",
                        resource="measures.caseload",
                    )
                )
            )
            _queued_at_least(number)
    for thread, _ in waiting:
        thread.join(WAIT)

    assert [len(batch) for batch in batches.written] == [1, 2]
    listed = AuditEvent.objects.filter(resource="measures.caseload")
    assert listed.count() == 2
    assert AuditSubjectSet.objects.count() == 1
    assert set(listed.values_list("subject_set_id", flat=True)) == {
        AuditSubjectSet.objects.get().pk
    }
    report = chain_verify()
    assert report.ok, report.broken


def test_a_failed_batch_fails_every_request_in_it_and_writes_none_of_it(
    batches: Batches, clinic_people: tuple[User, list[User]]
) -> None:
    patient, (first, *others) = clinic_people
    waiting = []
    with _first_batch_held(batches, first, patient) as leader_outcome:
        # Queued behind it: three good reads and one naming a patient who does not exist,
        # which the database refuses (a foreign key, checked at commit).
        for number, reader in enumerate(others[:3], start=1):
            waiting.append(_in_thread(_read(reader, patient, number)))
            _queued_at_least(number)
        waiting.append(_in_thread(_read(others[3], 2_000_000_000, 4)))
        _queued_at_least(4)
    for thread, _ in waiting:
        thread.join(WAIT)

    assert isinstance(leader_outcome[0], AuditEvent)
    errors = [outcome[0] for _, outcome in waiting]
    assert all(isinstance(error, AuditNotRecorded) for error in errors), errors
    causes = {id(error.__cause__) for error in errors if isinstance(error, BaseException)}
    assert len(causes) == 1  # one failure, given to each request of the batch
    assert _committed_elsewhere() == 1  # the first batch only: nothing of the failed one
    assert chain_verify().ok

    # The group is not left stuck: the next request leads and commits.
    thread, outcome = _in_thread(_read(others[4], patient, 5))
    thread.join(WAIT)
    assert isinstance(outcome[0], AuditEvent)
    assert _committed_elsewhere() == 2
    assert chain_verify().ok


WRITERS, EACH = 8, 10


def test_many_concurrent_writers_keep_one_chain(
    batches: Batches, clinic_people: tuple[User, list[User]]
) -> None:
    patient, _ = clinic_people
    readers = [factories.ClinicianFactory(clinic=patient.clinic) for _ in range(WRITERS)]
    start = threading.Barrier(WRITERS)

    def pages(reader: User) -> Callable[[], None]:
        def run() -> None:
            start.wait(WAIT)
            for number in range(EACH):
                if number % 3 == 0:
                    audit_record_many(
                        actor=reader, patients=[patient], action="read", resource="care.caseload"
                    )
                else:
                    _read(reader, patient, number)()

        return run

    running = [_in_thread(pages(reader)) for reader in readers]
    for thread, _ in running:
        thread.join(WAIT * 3)

    assert all(outcome == [None] for _, outcome in running), running
    report = chain_verify()
    assert report.ok, report.broken
    assert report.checked == WRITERS * EACH
    assert sum(len(batch) for batch in batches.written) == WRITERS * EACH
    # Each reader's own views are in the chain in the order they were made.
    made = [
        ("care.caseload", "") if number % 3 == 0 else ("messages.thread", str(number))
        for number in range(EACH)
    ]
    for reader in readers:
        chained = AuditEvent.objects.filter(actor=reader).order_by("pk")
        assert list(chained.values_list("resource", "object_id")) == made


@pytest.fixture
def no_group(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(rows: list[ChainFields]) -> list[AuditEvent]:
        raise AssertionError("an event inside a transaction must not go to the group")

    monkeypatch.setattr(services._group, "submit", refuse)
    yield


def test_an_event_inside_a_transaction_that_rolls_back_is_rolled_back_with_it(
    no_group: None, clinic_people: tuple[User, list[User]]
) -> None:
    patient, (reader, *_) = clinic_people

    class ViewFailed(Exception):
        pass

    with pytest.raises(ViewFailed), transaction.atomic():
        event = _read(reader, patient, 1)()
        assert event is not None
        assert AuditEvent.objects.filter(pk=event.pk).exists()  # on the caller's connection
        raise ViewFailed

    assert AuditEvent.objects.count() == 0
    assert chain_verify().ok


def test_an_event_inside_a_transaction_commits_with_it(
    no_group: None, clinic_people: tuple[User, list[User]]
) -> None:
    patient, (reader, *_) = clinic_people
    with transaction.atomic():
        _read(reader, patient, 1)()
        audit_record_many(actor=reader, patients=[patient], action="read", resource="care.caseload")
        assert _committed_elsewhere() == 0  # not before the caller's transaction commits

    assert _committed_elsewhere() == 2
    assert chain_verify().ok


def test_batches_of_two_processes_written_at_once_keep_one_chain(
    clinic_people: tuple[User, list[User]],
) -> None:
    """Each process has its own group; two groups (as two gunicorn workers would) write
    batches at the same time, each leader on its own connection, the chain lock between."""
    from claywork.audit.group_commit import GroupCommit

    patient, readers = clinic_people
    groups = [GroupCommit(services._write_taken) for _ in range(2)]
    start = threading.Barrier(len(readers))

    def pages(
        group: GroupCommit[list[ChainFields], list[AuditEvent]], reader: User
    ) -> Callable[[], None]:
        def run() -> None:
            start.wait(WAIT)
            for number in range(EACH):
                row = services._chain_fields(
                    actor=reader,
                    patient_id=patient.pk,
                    clinic_id=patient.clinic_id,
                    action="read",
                    resource="messages.thread",
                    object_id=number,
                    ip_address=None,
                    route="",
                )
                group.submit([row])

        return run

    running = [_in_thread(pages(groups[index % 2], reader)) for index, reader in enumerate(readers)]
    for thread, _ in running:
        thread.join(WAIT * 3)

    assert all(outcome == [None] for _, outcome in running), running
    report = chain_verify()
    assert report.ok, report.broken
    assert report.checked == len(readers) * EACH
