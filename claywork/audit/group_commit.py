"""Group commit: the audit events of concurrent requests in one process, committed together.

Every staff page view appends one chained event in its own transaction before the page is
sent. The chain lock serialises those transactions (SQLite's one writer, PostgreSQL's advisory
lock), so under load each view waits for every view ahead of it to commit on its own. Here the
requests of one process queue their events instead: the first to arrive when no one is
committing becomes the leader, takes everything queued, and writes it in ONE transaction (the
chain continued in queue order); then it wakes every request of that batch with its result.
A request that arrived while a batch was committing waits for the next one, whose leader is
the first of them. A lone request leads at once, so nothing is added without concurrency.

What it keeps (decision 0004, amendment, stop 26):

- **Durable before the page is sent.** A request returns only after the transaction holding
  its event has committed, or raises.
- **All or nothing.** If the batch fails it is rolled back whole and every request of it gets
  ``AuditNotRecorded`` (chained to the cause), so no page of that batch is shown.
- **One chain.** The batch is written under the chain lock like a single event, so batches of
  several processes interleave whole and ``audit-verify`` walks one chain.

The writer is given by the caller (``services.py``, the one writer of the trail); this module
only decides who writes when. It must not be used from inside a transaction: the leader writes
on its own connection (``services`` writes such events on the caller's).
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
    """Commits the jobs of concurrent threads together. ``write_batch(jobs)`` runs in the
    leader's thread, must write every job in one transaction and commit it (or raise), and
    returns one result per job, in order."""

    def __init__(self, write_batch: Callable[[list[Job]], list[Result]]) -> None:
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
        """Write everything queued in one transaction, wake its requests, and hand the lead to
        the first request that queued meanwhile (or give it up)."""
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            results = self._write_batch([waiter.job for waiter in batch])
            for waiter, result in zip(batch, results, strict=True):
                waiter.result = result
        except BaseException as error:  # noqa: BLE001 - every waiter gets it, raised in each
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
