"""Three senders race over the alert outbox and one is killed with SIGKILL mid-send: every
alert e-mail is delivered, recorded as sent exactly once, and duplicated at most once per kill
(the window between the mail server's "250 OK" and the row being marked cannot be closed
from our side). Real ``claywork deliver-alerts`` processes, a loopback SMTP sink that answers
slowly; the same code as ``bench/alert_race.py``, small."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.alert_race import race


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_three_senders_racing_one_killed_deliver_every_alert_once_recorded(
    tmp_path: Path,
) -> None:
    result = race(
        tmp_path, f"sqlite:///{tmp_path / 'claywork.sqlite3'}", alerts=8, recipients=3, delay=0.2
    )

    assert result.rows == 24
    assert result.lost == 0
    assert result.not_recorded_sent == 0
    assert result.duplicates <= result.kills
