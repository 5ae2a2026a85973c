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

``tests/test_alert_race.py`` runs ``race()`` small on SQLite. The processes are driven here
rather than through the shared harness of issue 17 (``tests/deployment.py``), which was not on
this branch yet; ``race()`` needs only start/kill/stop, and can move onto it.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import socketserver
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIELD_KEYS = "k1:Y2xheXdvcmstdGVzdC1vbmx5LWtlay0zMi1ieXRlcyE"
DELIVERY_ID = re.compile(rb"Message-ID: <claywork\.alert-\d+\.delivery-(\d+)@", re.IGNORECASE)

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


# --- A loopback SMTP sink that answers slowly -----------------------------------------------


@dataclass
class Sink:
    delay: float
    received: list[int] = field(default_factory=list)
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(sink: Sink) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self) -> None:
            try:
                self.converse()
            except OSError:  # the sender was killed mid-conversation: expected here
                return

        def converse(self) -> None:
            self.reply("220 sink ESMTP")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    self.reply("250 sink")
                elif verb == b"DATA":
                    self.reply("354 go ahead")
                    self.receive_message()
                elif verb == b"QUIT":
                    self.reply("221 bye")
                    return
                else:  # MAIL, RCPT, RSET, NOOP
                    self.reply("250 OK")

        def receive_message(self) -> None:
            body = b""
            with sink.lock:
                sink.in_flight += 1
            try:
                while (line := self.rfile.readline()) and line != b".\r\n":
                    body += line
                time.sleep(sink.delay)  # the mail server thinking before "250 OK"
                match = DELIVERY_ID.search(body)
                with sink.lock:
                    if match:
                        sink.received.append(int(match.group(1)))
                self.reply("250 OK queued")
            finally:
                with sink.lock:
                    sink.in_flight -= 1

    return Handler


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_sink(delay: float) -> tuple[Sink, _Server]:
    sink = Sink(delay)
    server = _Server(("127.0.0.1", 0), _handler(sink))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return sink, server


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


def _env(home: Path, database_url: str, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLAYWORK_", "DJANGO_", "DATABASE_", "EMAIL_"))
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "claywork.settings",
        "PYTHONPATH": str(ROOT),
        "CLAYWORK_VAR_DIR": str(home / "var"),
        "CLAYWORK_DEMO": "1",
        "CLAYWORK_FIELD_KEYS": FIELD_KEYS,
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}/?timeout=30",
        "CLAYWORK_ALERT_LEASE_SECONDS": "3",
        "CLAYWORK_LOG_LEVEL": "WARNING",
    }


def _rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url) as db:
        return db.execute(sql).fetchall()  # type: ignore[arg-type]


def _claywork(env: dict[str, str], home: Path, *args: str) -> subprocess.Popen[bytes]:
    log = (home / f"{args[0]}-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "claywork.cli", *args],
        env=env,
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


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
    env = _env(home, database_url, server.server_address[1])
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for step in (["migrate", "--noinput"],):
            assert _claywork(env, home, *step).wait(timeout=300) == 0, step
        setup = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-c",
                "import django\ndjango.setup()\n" + SETUP,
                str(alerts),
                str(recipients),
            ],
            env=env,
            cwd=home,
            capture_output=True,
            timeout=300,
        )
        assert setup.returncode == 0, setup.stderr.decode()
        started = time.monotonic()
        processes = [
            _claywork(env, home, "deliver-alerts", "--loop", "--interval", "0.2")
            for _ in range(senders)
        ]
        # Kill one sender while messages are in flight, once a few have gone through.
        deadline = time.monotonic() + timeout
        while not (len(sink.received) >= 3 and sink.in_flight > 0):
            assert time.monotonic() < deadline, "the senders never started sending"
            time.sleep(0.01)
        os.kill(processes[0].pid, signal.SIGKILL)
        processes[0].wait(timeout=30)
        rows = alerts * recipients
        while (
            _rows(database_url, "SELECT COUNT(*) FROM safety_alertdelivery WHERE state = 'sent'")[
                0
            ][0]
            < rows
        ):
            assert time.monotonic() < deadline, "the surviving senders did not finish"
            time.sleep(0.2)
        seconds = time.monotonic() - started
        time.sleep(1)  # a last sweep or two: nothing more may be sent
    finally:
        for process in processes[1:]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        server.shutdown()
        server.server_close()
    ids = {
        pk
        for (pk,) in _rows(
            database_url, "SELECT id FROM safety_alertdelivery WHERE purpose = 'alert'"
        )
    }
    sent = _rows(
        database_url,
        "SELECT COUNT(*) FROM safety_alertdelivery WHERE state = 'sent' AND sent_at IS NOT NULL",
    )[0][0]
    counts = Counter(sink.received)
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


def _postgres_url(base: str, name: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
            db.execute(f"DROP DATABASE IF EXISTS {name}")  # type: ignore[arg-type]
            db.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    except Exception as error:
        print(f"SKIPPED postgresql: {type(error).__name__}: {error}")
        return None
    return f"{base}/{name}"


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
        urls = []
        if args.database in ("sqlite", "both"):
            urls.append(None)
        if args.database in ("postgres", "both"):
            urls.append(_postgres_url(args.pg_url, "wt18_alert_race"))
        for url in urls:
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
