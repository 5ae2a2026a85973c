"""Alert e-mails with several senders racing and one killed mid-send (issue 18, reliability).

    .venv/bin/python bench/alert_race.py [--database sqlite|postgres|both] [--alerts 40]
        [--recipients 3] [--senders 3] [--delay 0.3] [--pg-url postgres://postgres@127.0.0.1:5432]

A throwaway installation (its own SQLite file, or the PostgreSQL database ``wt18_alert_race``,
rebuilt each run) gets ``alerts`` high-priority alerts about a patient whose care team has
``recipients`` clinicians: one outbox row each. ``senders`` real ``claywork deliver-alerts
--loop`` processes send them through a loopback SMTP sink that answers each message after
``delay`` seconds; once the sink has received a few messages, one sender is killed with
SIGKILL while messages are in flight. The others must finish the work.

Reported: rows, messages received, lost (rows never received), rows not recorded sent,
duplicates (deliveries received more than once, by the Message-ID's delivery id), kills, and
the wall time. The promise: 0 lost, every row recorded sent exactly once, duplicates at most one
per kill (the unavoidable window between the mail server's "250 OK" and the row being marked).

``tests/test_alert_race.py`` runs ``race()`` small on SQLite. The installation, the processes
and the SMTP sink are ``bench/deployment.py``'s, shared with ``bench/outbox_chaos.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.deployment import (
    claywork,
    databases,
    environment,
    migrate_and_run,
    rows,
    smtp_url,
    start_sink,
    stop,
    stop_sink,
)

DELIVERY_ID = re.compile(r"^claywork\.alert-\d+\.delivery-(\d+)$")

SETUP = """
import sys
from claywork.accounts.models import Role, User
from claywork.care.services import care_team_add
from claywork.clinics.models import Clinic
from claywork.safety.services import alert_raise
alerts, recipients = int(sys.argv[1]), int(sys.argv[2])
clinic = Clinic.objects.create(name="Race Clinic", slug="race", timezone="UTC")
patient = User.objects.create_user("pat@race.test", full_name="Pat Race", clinic=clinic)
for n in range(recipients):
    guide = User.objects.create_user(
        f"guide{n}@race.test", full_name=f"Guide {n}", role=Role.CLINICIAN, clinic=clinic
    )
    care_team_add(patient=patient, clinician=guide, care_role="guide")
for n in range(alerts):
    alert_raise(patient=patient, kind="self_harm_answer", severity="high", title="t",
                dedupe_key=f"race:{n}")
"""


# --- The race -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RaceResult:
    database: str
    rows: int
    received: int
    lost: int
    not_recorded_sent: int
    duplicates: int
    kills: int
    seconds: float


def race(
    home: Path,
    database_url: str,
    *,
    alerts: int = 40,
    recipients: int = 3,
    senders: int = 3,
    delay: float = 0.3,
    timeout: float = 180,
) -> RaceResult:
    home.mkdir(parents=True, exist_ok=True)
    sink, server = start_sink(delay)
    env = environment(
        home,
        database_url,
        EMAIL_URL=smtp_url(sink.port),
        CLAYWORK_ALERT_LEASE_SECONDS="3",
    )
    processes = []
    try:
        migrate_and_run(env, home, SETUP, str(alerts), str(recipients))
        started = time.monotonic()
        processes = [
            claywork(env, home, "deliver-alerts", "--loop", "--interval", "0.2")
            for _ in range(senders)
        ]
        # Kill one sender while messages are in flight, once a few have gone through.
        deadline = time.monotonic() + timeout
        while not (len(sink.received) >= 3 and sink.in_flight > 0):
            assert time.monotonic() < deadline, "the senders never started sending"
            time.sleep(0.01)
        os.kill(processes[0].pid, signal.SIGKILL)
        processes[0].wait(timeout=30)
        total = alerts * recipients
        sent_sql = "SELECT COUNT(*) FROM safety_alertdelivery WHERE state = 'sent'"
        while rows(database_url, sent_sql)[0][0] < total:
            assert time.monotonic() < deadline, "the surviving senders did not finish"
            time.sleep(0.2)
        seconds = time.monotonic() - started
        time.sleep(1)  # a last sweep or two: nothing more may be sent
    finally:
        stop(processes)
        stop_sink(server)
    ids = {
        pk
        for (pk,) in rows(
            database_url, "SELECT id FROM safety_alertdelivery WHERE purpose = 'alert'"
        )
    }
    sent = rows(
        database_url,
        "SELECT COUNT(*) FROM safety_alertdelivery WHERE state = 'sent' AND sent_at IS NOT NULL",
    )[0][0]
    counts = Counter(
        int(match.group(1)) for match in map(DELIVERY_ID.match, sink.received) if match
    )
    return RaceResult(
        database="postgresql" if database_url.startswith("postgres") else "sqlite",
        rows=len(ids),
        received=len(sink.received),
        lost=len(ids - set(counts)),
        not_recorded_sent=len(ids) - sent,
        duplicates=sum(n - 1 for n in counts.values() if n > 1),
        kills=1,
        seconds=seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--alerts", type=int, default=40)
    parser.add_argument("--recipients", type=int, default=3)
    parser.add_argument("--senders", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    print(f"host {socket.gethostname()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print("database | rows | received | lost | not recorded sent | duplicates | kills | seconds")
    for _ in range(args.runs):
        for url in databases(args.database, args.pg_url, "wt18_alert_race"):
            with tempfile.TemporaryDirectory(prefix="alert-race-") as tmp:
                home = Path(tmp)
                result = race(
                    home,
                    url or f"sqlite:///{home / 'claywork.sqlite3'}",
                    alerts=args.alerts,
                    recipients=args.recipients,
                    senders=args.senders,
                    delay=args.delay,
                )
            print(
                f"{result.database} | {result.rows} | {result.received} | {result.lost} | "
                f"{result.not_recorded_sent} | {result.duplicates} | {result.kills} | "
                f"{result.seconds:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
