"""The outbox under chaos: senders killed with SIGKILL (or stopped with SIGTERM) every few
seconds, all of them stopped for a while mid-run, a mail server that answers slowly (issue 17).

    .venv/bin/python bench/outbox_chaos.py [--database sqlite|postgres|both] [--runs 1]
        [--alerts 20] [--recipients 3] [--reminders 120] [--senders 3]
        [--delay 0.1-0.8] [--chaos kill|term|none] [--every 3-5] [--pause 10]
        [--lease 8] [--mail-timeout 2] [--pg-url postgres://postgres@127.0.0.1:5432]

A throwaway installation (``bench/deployment.py``: its own SQLite file, or the PostgreSQL
database ``claywork_outbox_chaos``, rebuilt each run) gets ``alerts`` high-priority alerts about
a patient whose care team has ``recipients`` clinicians (one e-mail row each) and ``reminders``
due reminders spread over 20 patients. ``senders`` real ``claywork deliver-alerts --loop``
processes send them through a loopback SMTP sink that answers each message after a delay drawn
from ``--delay``. Every ``--every`` seconds one sender is killed (``--chaos kill``: SIGKILL,
``term``: SIGTERM, ``none``: left alone) and started again; once, a third of the way in, all
senders are stopped with SIGTERM for ``--pause`` seconds. The run ends when every row is sent
(or after ``--timeout``), then the senders are stopped.

Reported per run: rows, messages received, lost (rows never received), duplicates (messages
received more than once, by Message-ID), stuck (rows not sent at the end), failed rows never
attempted, kills and graceful stops, and the latency of first receipt from the senders' start
(p50/p95/max, seconds; it includes the pause). The promise (decision 0007): 0 lost, 0 stuck,
0 failed without an attempt; duplicates only under SIGKILL, at most one per kill (the window
between the mail server's "250 OK" and the row being marked sent); none with SIGTERM or none.

``tests/test_outbox_chaos.py`` runs ``chaos()`` small on SQLite.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.deployment import (  # noqa: E402
    claywork,
    databases,
    environment,
    migrate_and_run,
    rows,
    smtp_url,
    span,
    start_sink,
    stop,
    stop_sink,
)

SETUP = """
import sys
from datetime import timedelta
from django.utils import timezone
from claywork.accounts.models import Role, User
from claywork.care.services import care_team_add
from claywork.clinics.models import Clinic
from claywork.reminders.models import Reminder
from claywork.safety.services import alert_raise
alerts, recipients, reminders = map(int, sys.argv[1:4])
clinic = Clinic.objects.create(name="Chaos Clinic", slug="chaos", timezone="UTC")
patient = User.objects.create_user("pat@chaos.test", full_name="Pat Chaos", clinic=clinic)
for n in range(recipients):
    guide = User.objects.create_user(
        f"guide{n}@chaos.test", full_name=f"Guide {n}", role=Role.CLINICIAN, clinic=clinic
    )
    care_team_add(patient=patient, clinician=guide, care_role="guide")
for n in range(alerts):
    alert_raise(patient=patient, kind="self_harm_answer", severity="high", title="t",
                dedupe_key=f"chaos:{n}")
patients = [
    User.objects.create_user(f"p{n}@chaos.test", full_name=f"P {n}", clinic=clinic)
    for n in range(20)
]
now = timezone.now()
Reminder.objects.bulk_create([
    Reminder(patient=patients[n % 20], kind="check_in", due_at=now - timedelta(seconds=n),
             next_attempt_at=now - timedelta(seconds=n), useful_until=now + timedelta(hours=6))
    for n in range(reminders)
])
"""

ALERT_ROWS = "SELECT id, state, attempts FROM safety_alertdelivery"
REMINDER_ROWS = "SELECT id, state, attempts FROM reminders_reminder"


@dataclass(frozen=True)
class ChaosResult:
    database: str
    rows: int
    received: int
    lost: int
    duplicates: int
    stuck: int
    failed_never_attempted: int
    kills: int
    graceful_stops: int
    p50: float
    p95: float
    max: float
    seconds: float


def _states(database_url: str) -> dict[str, tuple[str, int]]:
    """Message-ID (without domain) → (state, attempts), for every outbox row."""
    found: dict[str, tuple[str, int]] = {}
    for pk, state, attempts in rows(database_url, REMINDER_ROWS):
        found[f"claywork.reminder-{pk}"] = (state, attempts)
    alert_of = dict(rows(database_url, "SELECT id, alert_id FROM safety_alertdelivery"))
    for pk, state, attempts in rows(database_url, ALERT_ROWS):
        found[f"claywork.alert-{alert_of[pk]}.delivery-{pk}"] = (state, attempts)
    return found


def chaos(
    home: Path,
    database_url: str,
    *,
    alerts: int = 20,
    recipients: int = 3,
    reminders: int = 120,
    senders: int = 3,
    delay: tuple[float, float] = (0.1, 0.8),
    mode: str = "kill",
    every: tuple[float, float] = (3.0, 5.0),
    pause: float = 10.0,
    lease: int = 8,
    mail_timeout: float = 2.0,
    timeout: float = 600,
    seed: int = 17,
) -> ChaosResult:
    chance = random.Random(seed)  # noqa: S311 - chaos, not cryptography
    sink, server = start_sink(lambda: chance.uniform(*delay))
    env = environment(
        home,
        database_url,
        EMAIL_URL=smtp_url(sink.port, mail_timeout),
        CLAYWORK_ALERT_LEASE_SECONDS=str(lease),
    )

    def sender() -> subprocess.Popen[bytes]:
        return claywork(env, home, "deliver-alerts", "--loop", "--interval", "0.5")

    processes: list[subprocess.Popen[bytes]] = []
    kills = graceful = 0
    try:
        migrate_and_run(env, home, SETUP, str(alerts), str(recipients), str(reminders))
        total = len(_states(database_url))
        started, started_wall = time.monotonic(), time.time()
        processes = [sender() for _ in range(senders)]
        born = [time.monotonic()] * senders
        pause_at = None
        next_event = started + chance.uniform(*every)
        deadline = started + timeout
        while True:
            states = _states(database_url)
            if all(
                state in ("sent", "failed", "skipped", "cancelled") for state, _ in states.values()
            ):
                break
            assert time.monotonic() < deadline, "the senders did not finish"
            now = time.monotonic()
            if pause_at is None and len(sink.received) >= total // 3:
                pause_at = now
                stop(processes)  # every sender stopped gracefully, for a while
                graceful += len(processes)
                time.sleep(pause)
                processes = [sender() for _ in range(senders)]
                born = [time.monotonic()] * senders
                next_event = time.monotonic() + chance.uniform(*every)
            elif mode != "none" and now >= next_event:
                # A sender still starting up (Django's imports take seconds on a busy machine)
                # has nothing in flight: kill one that has been up for a while.
                grown = [n for n, at in enumerate(born) if now - at >= every[0]]
                if not grown:
                    time.sleep(0.2)
                    continue
                victim = chance.choice(grown)
                if mode == "kill":
                    processes[victim].send_signal(signal.SIGKILL)
                    processes[victim].wait(timeout=30)
                    kills += 1
                else:
                    stop([processes[victim]])
                    graceful += 1
                processes[victim] = sender()
                born[victim] = time.monotonic()
                next_event = time.monotonic() + chance.uniform(*every)
            time.sleep(0.2)
        seconds = time.monotonic() - started
        time.sleep(1.5)  # a last sweep or two: nothing more may be sent
    finally:
        stop(processes)
        stop_sink(server)
    states = _states(database_url)
    counts = Counter(sink.received)
    latencies = sorted(at - started_wall for at in sink.received_at.values())
    return ChaosResult(
        database="postgresql" if database_url.startswith("postgres") else "sqlite",
        rows=len(states),
        received=len(sink.received),
        lost=len(set(states) - set(counts)),
        duplicates=sum(n - 1 for n in counts.values() if n > 1),
        stuck=sum(state in ("pending", "sending") for state, _ in states.values()),
        failed_never_attempted=sum(
            state == "failed" and (attempts == 0 or key not in counts)
            for key, (state, attempts) in states.items()
        ),
        kills=kills,
        graceful_stops=graceful,
        p50=statistics.median(latencies) if latencies else 0.0,
        p95=latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        max=latencies[-1] if latencies else 0.0,
        seconds=seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--recipients", type=int, default=3)
    parser.add_argument("--reminders", type=int, default=120)
    parser.add_argument("--senders", type=int, default=3)
    parser.add_argument("--delay", default="0.1-0.8", help="seconds before the sink's 250 OK")
    parser.add_argument("--chaos", choices=["kill", "term", "none"], default="kill")
    parser.add_argument("--every", default="3-5", help="seconds between kills or stops")
    parser.add_argument("--pause", type=float, default=10.0)
    parser.add_argument("--lease", type=int, default=8)
    parser.add_argument("--mail-timeout", type=float, default=2.0)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    print(
        f"# {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"chaos {args.chaos} every {args.every} s, delay {args.delay} s, {args.senders} senders, "
        f"lease {args.lease} s, mail timeout {args.mail_timeout} s, pause {args.pause} s"
    )
    print(
        "| database | rows | received | lost | duplicates | stuck | failed untried | kills "
        "| SIGTERM stops | p50 s | p95 s | max s | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in range(args.runs):
        for url in databases(args.database, args.pg_url, "claywork_outbox_chaos"):
            with tempfile.TemporaryDirectory(prefix="outbox-chaos-") as tmp:
                home = Path(tmp)
                r = chaos(
                    home,
                    url or f"sqlite:///{home / 'claywork.sqlite3'}",
                    alerts=args.alerts,
                    recipients=args.recipients,
                    reminders=args.reminders,
                    senders=args.senders,
                    delay=span(args.delay),
                    mode=args.chaos,
                    every=span(args.every),
                    pause=args.pause,
                    lease=args.lease,
                    mail_timeout=args.mail_timeout,
                    seed=17 + run,
                )
            print(
                f"| {r.database} | {r.rows} | {r.received} | {r.lost} | {r.duplicates} | "
                f"{r.stuck} | {r.failed_never_attempted} | {r.kills} | {r.graceful_stops} | "
                f"{r.p50:.1f} | {r.p95:.1f} | {r.max:.1f} | {r.seconds:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
