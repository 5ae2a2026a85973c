"""Group commit: the audit events of concurrent requests in one process, committed together.

Every staff page view appends one chained event in its own transaction before the page is
sent. The chain lock serialises those transactions (SQLite's one writer, PostgreSQL's advisory
lock), so under load each view waits for every view ahead of it to commit on its own. Here the
requests of one process queue their events instead: the first to arrive when no one is
committing becomes the leader, opens the transaction, and once it holds the chain lock takes
everything queued and writes it in ONE transaction (the chain continued in queue order); then
it wakes every request of that batch with its result. Taking the batch only once the lock is
held lets the requests that queued while the leader waited for it (another process's batch
committing: on SQLite most of that is its fsync) join this batch instead of waiting for the
next one (stop 28). A request that arrived after the batch was taken waits for the next one,
whose leader is the first of them. A lone request leads at once, so nothing is added without
concurrency.

What it keeps (decision 0004, amendment, stop 26):

- **Durable before the page is sent.** A request returns only after the transaction holding
  its event has committed, or raises.
- **All or nothing.** If the batch fails it is rolled back whole and every request of it gets
  ``AuditNotRecorded`` (chained to the cause), so no page of that batch is shown.
- **One chain.** The batch is written under the chain lock like a single event, so batches of
  several processes interleave whole and ``audit-verify`` walks one chain.

The writer is given by the caller (``services.py``, the one writer of the trail); this module
only decides who writes when: ``write_batch(take)`` opens the transaction, takes the chain
lock, then calls ``take()`` once for the jobs to write. It must not be used from inside a
transaction: the leader writes on its own connection (``services`` writes such events on the
caller's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import DatabaseError

Job = TypeVar("Job")
Result = TypeVar("Result")

# Far above any commit (the chain lock's own wait is 20 s); only a leader that never came back
# would reach it. Better a page refused than a request hung for ever.
_WAIT_LIMIT_SECONDS = 60.0


class AuditNotRecorded(DatabaseError):
    """The transaction that held this request's audit event did not commit: nothing of it was
    written, and the page it was for must not be sent. A ``DatabaseError``, like the failure
    of the single write it replaces."""


class _Waiter(Generic[Job, Result]):
    def __init__(self, job: Job) -> None:
        self.job = job
        self.woken = threading.Event()
        self.finished = False
        self.result: Result | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[Job, Result]):
    """Commits the jobs of concurrent threads together. ``write_batch(take)`` runs in the
    leader's thread: once it holds the chain lock it calls ``take()`` (once) for the jobs
    queued by then, must write every one in one transaction and commit it (or raise), and
    returns one result per job, in order."""

    def __init__(self, write_batch: Callable[[Callable[[], list[Job]]], list[Result]]) -> None:
        self._write_batch = write_batch
        self._lock = threading.Lock()
        self._queue: list[_Waiter[Job, Result]] = []
        self._leading = False

    def submit(self, job: Job) -> Result:
        """Queue ``job`` and return its result once the transaction holding it has committed;
        raise ``AuditNotRecorded`` if that transaction failed."""
        waiter: _Waiter[Job, Result] = _Waiter(job)
        with self._lock:
            self._queue.append(waiter)
            leads = not self._leading
            self._leading = True
        if not leads:
            self._wait(waiter)  # woken with its batch committed, or to lead the next batch
        if not waiter.finished:
            self._lead()
        if waiter.error is not None:
            raise AuditNotRecorded("the audit event was not recorded") from waiter.error
        return waiter.result  # type: ignore[return-value]  # set with finished, no error

    def _wait(self, waiter: _Waiter[Job, Result]) -> None:
        if waiter.woken.wait(_WAIT_LIMIT_SECONDS):
            return
        with self._lock:
            if waiter in self._queue:  # never taken into a batch: withdrawn, nothing written
                self._queue.remove(waiter)
                raise AuditNotRecorded("the audit event was not committed in time")
        waiter.woken.wait()  # its batch is being written: the database's own timeouts end it

    def _lead(self) -> None:
        """Write everything queued by the time the chain lock is held in one transaction,
        wake its requests, and hand the lead to the first request that queued after (or give
        it up)."""
        batch: list[_Waiter[Job, Result]] = []
        taken = False

        def take() -> list[Job]:
            nonlocal taken
            if taken:
                raise RuntimeError("a batch's jobs are taken once")
            taken = True
            with self._lock:
                batch.extend(self._queue)
                self._queue = []
            return [waiter.job for waiter in batch]

        try:
            results = self._write_batch(take)
            if not taken:
                raise RuntimeError("the writer committed without taking its jobs")
            for waiter, result in zip(batch, results, strict=True):
                waiter.result = result
        except BaseException as error:  # noqa: BLE001 - every waiter gets it, raised in each
            if not taken:
                # Failed before the lock was held (e.g. its wait timed out): the requests
                # queued by now, the leader's own among them, would have been this batch.
                take()
            for waiter in batch:
                waiter.error = error
        finally:
            with self._lock:
                successor = self._queue[0] if self._queue else None
                self._leading = successor is not None
            for waiter in batch:
                waiter.finished = True
                waiter.woken.set()
            if successor is not None:
                successor.woken.set()
