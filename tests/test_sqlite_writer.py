"""SQLite's writing transactions queue (claywork/core/sqlite3): on a lock of the process and a
``flock`` of a file beside the database that other processes take too, held from BEGIN to
commit, rollback or close; every writer of many threads gets its turn."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from claywork.clinics.models import Clinic
from claywork.core.sqlite3 import base as sqlite_writer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="PostgreSQL queues writers in the server"
    ),
]


def test_a_transaction_holds_the_writer_lock_until_it_commits() -> None:
    assert not sqlite_writer._ONE_WRITER.locked()
    with transaction.atomic():
        Clinic.objects.create(name="Held", slug="held")
        assert sqlite_writer._ONE_WRITER.locked()
        with transaction.atomic():  # a savepoint takes nothing more
            Clinic.objects.create(name="Nested", slug="nested")
    assert not sqlite_writer._ONE_WRITER.locked()
    assert Clinic.objects.filter(slug__in=["held", "nested"]).count() == 2


def test_another_process_cannot_begin_writing_until_the_transaction_ends() -> None:
    # Another open file description of the lock file stands for another process's handle.
    other = os.open(f"{connection.settings_dict['NAME']}-writer.lock", os.O_RDWR | os.O_CREAT)
    try:
        with transaction.atomic():
            Clinic.objects.create(name="Mine", slug="mine")
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once committed
        fcntl.flock(other, fcntl.LOCK_UN)
    finally:
        os.close(other)


def test_a_transaction_that_fails_rolls_back_and_lets_the_next_writer_in() -> None:
    with pytest.raises(ValueError), transaction.atomic():
        Clinic.objects.create(name="Gone", slug="gone")
        raise ValueError("the view failed")

    assert not sqlite_writer._ONE_WRITER.locked()
    assert not Clinic.objects.filter(slug="gone").exists()


def test_a_connection_closed_inside_a_transaction_gives_the_lock_back() -> None:
    connection.ensure_connection()
    connection._start_transaction_under_autocommit()
    assert sqlite_writer._ONE_WRITER.locked()

    connection.close()

    assert not sqlite_writer._ONE_WRITER.locked()


def test_eight_threads_writing_at_once_all_write() -> None:
    writers, each = 8, 5
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            start.wait()
            for row in range(each):
                with transaction.atomic():
                    Clinic.objects.create(name=f"W{number}-{row}", slug=f"w{number}-{row}")
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    assert Clinic.objects.filter(slug__startswith="w").count() == writers * each
    assert not sqlite_writer._ONE_WRITER.locked()


def test_a_writer_waiting_on_another_process_gives_up_with_the_usual_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another process holds the file lock and never lets go: the wait ends with SQLite's own
    # "database is locked" after the connection's timeout, not a hang.
    other = os.open(f"{connection.settings_dict['NAME']}-writer.lock", os.O_RDWR | os.O_CREAT)
    monkeypatch.setattr(sqlite_writer.DatabaseWrapper, "_writer_timeout", lambda self: 0.05)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        with pytest.raises(OperationalError, match="database is locked"), transaction.atomic():
            Clinic.objects.create(name="Blocked", slug="blocked")
        assert not sqlite_writer._ONE_WRITER.locked()
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    Clinic.objects.create(name="After", slug="after")
    assert Clinic.objects.filter(slug="after").exists()
