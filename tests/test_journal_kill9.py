"""The real server's whole process group killed with SIGKILL five times while patients write:
no acknowledged journal entry is lost or saved twice, and no acknowledged check-in is undone.
``bench/journal_kill9.py``'s ``kill9()``, small, on the suite's database engine (SQLite in a
temporary directory, or a new database on the suite's PostgreSQL server)."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from bench.deployment import postgres_database
from bench.journal_kill9 import kill9


def _database_url(home: Path) -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{home / 'claywork.sqlite3'}"
    auth = (db["USER"] or "postgres") + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    server = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = postgres_database(server, f"claywork_kill9_{uuid.uuid4().hex[:10]}")
    if url is None:
        pytest.skip(f"PostgreSQL at {server} does not answer")
    return url


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL and process groups")
def test_server_killed_five_times_loses_and_duplicates_no_acknowledged_entry(
    tmp_path: Path,
) -> None:
    database_url = _database_url(tmp_path)
    try:
        result = kill9(tmp_path, database_url, kills=5, clients=3, every=(1.0, 3.0))
    finally:
        if database_url.startswith("postgres"):
            server, _, name = database_url.rpartition("/")
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    assert result.kills == 5
    assert result.resent > 0  # the kills cut the clients off mid-work
    assert result.acknowledged >= 20
    assert (result.lost, result.duplicated) == (0, 0)
    assert result.check_ins_acknowledged > 0
    assert result.check_ins_stale == 0
    assert result.refused == 0
