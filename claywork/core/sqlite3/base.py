"""SQLite, with writing transactions queued in order instead of polling.

``transaction_mode="IMMEDIATE"`` takes SQLite's write lock at ``BEGIN``; a second writer then
waits in SQLite's busy handler, which polls with sleeps growing from 1 ms to 100 ms, and a
writer that keeps losing the race keeps sleeping. Under 20 concurrent requests that each append
an audit row (every staff read, also of a page sent from memory), most of a staff page's p95
was that (bench/README.md, "Writers queued"). Here a writing transaction first takes a lock
that wakes its next waiter at once: a lock shared by the process's threads, then an exclusive
``flock`` on a file beside the database (``<name>-writer.lock``) shared by the processes, held
until commit, rollback or close. The kernel drops a dead process's ``flock``. An in-memory
database has no file and queues on the process's lock alone. A write outside a transaction
(autocommit) still meets SQLite's busy handler. ``claywork/settings.py`` makes this the
``ENGINE`` of a ``sqlite://`` ``DATABASE_URL``.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# One per process: every connection of every thread (the test server's too) shares it.
_ONE_WRITER = threading.Lock()


def _flock_within(handle: int, timeout: float) -> None:
    """The file lock, or after ``timeout`` seconds the error SQLite itself would have raised:
    a process stuck inside a transaction must not hang every other one for ever. The wait
    polls, but in steps of at most 2 ms (SQLite's busy handler sleeps up to 100 ms)."""
    deadline = time.monotonic() + timeout
    pause = 0.0002
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OperationalError(
                    "database is locked (another process's transaction)"
                ) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer = False
    _writer_file: int | None = None

    def _writer_timeout(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 20))

    def _between_processes(self) -> int | None:
        """This connection's handle on the database's writer lock file (``None`` in memory)."""
        if self._writer_file is None and not self.is_in_memory_db():
            path = f"{self.settings_dict['NAME']}-writer.lock"
            self._writer_file = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._writer_file

    def _start_transaction_under_autocommit(self) -> None:
        # As long as SQLite itself would have waited, then the same error.
        if not _ONE_WRITER.acquire(timeout=self._writer_timeout()):
            raise OperationalError("database is locked (another thread's transaction)")
        self._holds_writer = True
        try:
            handle = self._between_processes()
            if handle is not None:
                _flock_within(handle, self._writer_timeout())
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in the stubs
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._holds_writer:
            self._holds_writer = False
            if self._writer_file is not None:
                fcntl.flock(self._writer_file, fcntl.LOCK_UN)
            _ONE_WRITER.release()

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._release_writer()
            if self._writer_file is not None:
                os.close(self._writer_file)
                self._writer_file = None
