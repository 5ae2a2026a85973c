"""A throwaway Claywork installation driven as an operator would: real ``claywork`` processes
against their own database, and a loopback SMTP sink. Shared by ``bench/alert_race.py``,
``bench/outbox_chaos.py`` and the tests that start real senders.

The sink answers each message after ``delay`` seconds (a number, or a callable returning one),
records the Message-IDs it accepted, and can be told to say nothing at all (``silent``: a
mail server that accepts the connection and never answers) or to keep answering "wait" for
ever after a message's data (``trickle``: each read succeeds, the message never completes).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socketserver
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIELD_KEYS = "k1:Y2xheXdvcmstdGVzdC1vbmx5LWtlay0zMi1ieXRlcyE"
MESSAGE_ID = re.compile(rb"Message-ID: <(claywork\.[^@>]+)@", re.IGNORECASE)

# --- A loopback SMTP sink -------------------------------------------------------------------


@dataclass
class Sink:
    delay: Callable[[], float]
    silent: bool = False
    trickle: bool = False
    # Message-IDs (without the domain) in the order the sink said "250 OK" to them.
    received: list[str] = field(default_factory=list)
    received_at: dict[str, float] = field(default_factory=dict)
    in_flight: int = 0
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0


def _handler(sink: Sink) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self) -> None:
            with sink.lock:
                sink.connections += 1
            if sink.silent:  # accept, then never say a word until the client gives up
                while self.rfile.readline():
                    pass
                return
            try:
                self.converse()
            except OSError:  # the sender was killed or cut mid-conversation: expected here
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
                while sink.trickle:  # a continuation line now and then; never the last one
                    self.reply("250-still thinking")
                    time.sleep(0.2)
                time.sleep(sink.delay())  # the mail server thinking before "250 OK"
                match = MESSAGE_ID.search(body)
                self.reply("250 OK queued")
                with sink.lock:
                    if match:
                        message_id = match.group(1).decode()
                        sink.received.append(message_id)
                        sink.received_at.setdefault(message_id, time.time())
            finally:
                with sink.lock:
                    sink.in_flight -= 1

    return Handler


class SinkServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_sink(
    delay: float | Callable[[], float] = 0.0, *, silent: bool = False, trickle: bool = False
) -> tuple[Sink, SinkServer]:
    sink = Sink(
        delay if callable(delay) else (lambda: float(delay)), silent=silent, trickle=trickle
    )
    server = SinkServer(("127.0.0.1", 0), _handler(sink))
    sink.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return sink, server


def stop_sink(server: SinkServer) -> None:
    server.shutdown()
    server.server_close()


# --- The installation -----------------------------------------------------------------------


def environment(home: Path, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a Claywork process: this one's, without any Claywork, Django,
    database or mail setting, plus the installation's own and ``settings``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLAYWORK_", "DJANGO_", "DATABASE_", "EMAIL_"))
    }
    return (
        env
        | {
            "DJANGO_SETTINGS_MODULE": "claywork.settings",
            "PYTHONPATH": str(ROOT),
            "CLAYWORK_VAR_DIR": str(home / "var"),
            "CLAYWORK_DEMO": "1",
            "CLAYWORK_FIELD_KEYS": FIELD_KEYS,
            "DATABASE_URL": database_url,
            "CLAYWORK_LOG_LEVEL": "WARNING",
        }
        | settings
    )


def smtp_url(port: int, timeout: float = 30) -> str:
    return f"smtp://127.0.0.1:{port}/?timeout={timeout:g}"


def claywork(
    env: dict[str, str], home: Path, *args: str, group: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``claywork <args>``; its output goes to a log file in ``home``. With ``group``,
    in a process group of its own (a server and its workers), for ``kill_group``."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / f"{args[0]}-{time.monotonic_ns()}.log").open("wb") as log:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "claywork.cli", *args],
            env=env,
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=group,
        )


def kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process group ``claywork(..., group=True)`` started (the gunicorn
    arbiter and every worker at once), then reap the leader."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=120)


def migrate_and_run(env: dict[str, str], home: Path, script: str, *args: str) -> None:
    """Migrate a new installation, then run a Python set-up ``script`` in it."""
    assert claywork(env, home, "migrate", "--noinput").wait(timeout=300) == 0, "migrate failed"
    setup = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django\ndjango.setup()\n" + script, *args],
        env=env,
        cwd=home,
        capture_output=True,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stderr.decode()


def stop(processes: list[subprocess.Popen[bytes]], *, grace: float = 60) -> None:
    """SIGTERM every process still running, wait for each, SIGKILL one that does not stop."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url) as db:
        return db.execute(sql).fetchall()  # type: ignore[arg-type]


def postgres_database(base: str, name: str) -> str | None:
    """A new, empty PostgreSQL database ``name``; None (and a line saying why) if PostgreSQL
    does not answer."""
    try:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
            db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]
            db.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    except Exception as error:
        print(f"SKIPPED postgresql: {type(error).__name__}: {error}")
        return None
    return f"{base}/{name}"


def databases(choice: str, pg_url: str, name: str) -> list[str | None]:
    """The databases a bench's ``--database sqlite|postgres|both`` asks for: None for a new
    SQLite file (the caller's), the URL of a new PostgreSQL database ``name``; PostgreSQL is
    left out (and a line says why) when it does not answer."""
    urls: list[str | None] = []
    if choice in ("sqlite", "both"):
        urls.append(None)
    if choice in ("postgres", "both") and (url := postgres_database(pg_url, name)):
        urls.append(url)
    return urls


def span(raw: str) -> tuple[float, float]:
    """``"1-3"`` → (1.0, 3.0); ``"2"`` → (2.0, 2.0)."""
    low, _, high = raw.partition("-")
    return float(low), float(high or low)
