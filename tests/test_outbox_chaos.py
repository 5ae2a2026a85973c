"""Senders killed with SIGKILL (or stopped with SIGTERM) every few seconds, all of them stopped
for a while, a mail server answering slowly: nothing is lost or left stuck, nothing fails
untried, a message is duplicated only by a SIGKILL and at most once per kill, and never by a
SIGTERM. Real ``claywork deliver-alerts`` processes and a loopback SMTP sink; the same code as
``bench/outbox_chaos.py``, small, on SQLite (``DATABASE_URL`` is the test database's, not the
installation's)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.outbox_chaos import ChaosResult, chaos


def _small(tmp_path: Path, mode: str) -> ChaosResult:
    return chaos(
        tmp_path,
        f"sqlite:///{tmp_path / 'claywork.sqlite3'}",
        alerts=3,
        recipients=2,
        reminders=24,
        senders=2,
        delay=(0.05, 0.3),
        mode=mode,
        every=(3.0, 5.0),
        pause=2.0,
        lease=7,
        mail_timeout=2.0,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_senders_killed_mid_run_lose_nothing_and_duplicate_at_most_once_per_kill(
    tmp_path: Path,
) -> None:
    result = _small(tmp_path, "kill")

    assert result.rows == 30
    assert (result.lost, result.stuck, result.failed_never_attempted) == (0, 0, 0)
    assert result.duplicates <= result.kills


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGTERM")
def test_senders_stopped_gracefully_mid_run_never_duplicate(tmp_path: Path) -> None:
    result = _small(tmp_path, "term")

    assert result.rows == 30
    assert (result.lost, result.stuck, result.failed_never_attempted) == (0, 0, 0)
    assert result.graceful_stops >= 2
    assert result.duplicates == 0
