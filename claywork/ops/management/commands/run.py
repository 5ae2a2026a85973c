"""``claywork run``: the web server and the worker together, as one command.

For a demo, a small clinic on one machine, or a Procfile-less host: it starts ``claywork
serve`` and ``claywork worker`` as child processes, restarts one that dies (waiting 1, 2, 4 ...
30 s), and on Ctrl-C or SIGTERM asks both to stop (SIGTERM), waits for them, and only then
exits. A child that keeps dying at once (say the port is taken) stops the whole thing with
exit code 1 rather than spinning. Larger installations run the two under systemd or a process
manager instead (docs/operations.md).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

# A child that dies sooner than this after starting counts as failing to start.
QUICK_DEATH_SECONDS = 10.0
GIVE_UP_AFTER_QUICK_DEATHS = 5
LONGEST_BACKOFF = 30.0
STOP_GRACE_SECONDS = 60.0


@dataclass
class Child:
    name: str
    args: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None
    log: list[str] = field(default_factory=list)

    def start(self) -> None:
        # A session of its own: Ctrl-C in the terminal reaches only the supervisor, which then
        # stops each child in order instead of both being interrupted at once.
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "claywork.cli", *self.args], start_new_session=True
        )
        self.started_at = time.monotonic()
        self.restart_at = None

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Command(BaseCommand):
    help = (
        "Run the web server and the background worker together; restart either if it dies; "
        "Ctrl-C or SIGTERM stops both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes")
        parser.add_argument("--workers", type=int, default=1, help="background workers")

    def handle(self, *args: Any, **options: Any) -> None:
        children = [
            Child(
                "web",
                [
                    "serve",
                    "--host",
                    options["host"],
                    "--port",
                    str(options["port"]),
                    "--workers",
                    str(options["web_workers"]),
                ],
            ),
            *(
                Child(f"worker {n + 1}", ["worker", "--no-startup-delay"])
                for n in range(max(options["workers"], 1))
            ),
        ]
        stopping: list[int] = []

        def ask_to_stop(signum: int, frame: FrameType | None) -> None:
            stopping.append(signum)

        signal.signal(signal.SIGINT, ask_to_stop)
        signal.signal(signal.SIGTERM, ask_to_stop)
        for child in children:
            child.start()
        self.stdout.write(
            f"Claywork is running: web on http://{options['host']}:{options['port']}/ and "
            f"{len(children) - 1} worker(s). Ctrl-C stops them all.",
        )
        self.stdout.flush()
        code = self._supervise(children, stopping)
        self._stop_all(children)
        sys.exit(code)

    def _supervise(self, children: list[Child], stopping: list[int]) -> int:
        while not stopping:
            now = time.monotonic()
            for child in children:
                if child.is_running():
                    continue
                if child.restart_at is None:
                    returncode = child.process.returncode if child.process else None
                    lived = now - child.started_at
                    child.quick_deaths = (
                        child.quick_deaths + 1 if lived < QUICK_DEATH_SECONDS else 0
                    )
                    if child.quick_deaths >= GIVE_UP_AFTER_QUICK_DEATHS:
                        self.stderr.write(
                            f"claywork run: the {child.name} keeps stopping at once (exit "
                            f"{returncode}); stopping everything. See its output above."
                        )
                        return 1
                    delay = min(2.0 ** max(child.quick_deaths - 1, 0), LONGEST_BACKOFF)
                    self.stderr.write(
                        f"claywork run: the {child.name} stopped (exit {returncode}); "
                        f"restarting in {delay:.0f} s."
                    )
                    child.restart_at = now + delay
                elif now >= child.restart_at:
                    child.start()
            time.sleep(0.2)
        return 0

    def _stop_all(self, children: list[Child]) -> None:
        """SIGTERM to each, then wait: the web finishes its requests, the worker the send in
        flight. Past the grace period, SIGKILL (the outbox's leases make that safe)."""
        running = [child for child in children if child.is_running()]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"claywork run: the {child.name} did not stop; killing it.")
                child.process.kill()
                child.process.wait()
        self.stdout.write("Claywork stopped.")
