from __future__ import annotations

import threading
from argparse import ArgumentParser
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from claywork.safety.sweep import DEFAULT_INTERVAL, sweep_forever


class Command(DatabaseWorkerCommand):
    help = (
        "Run Claywork's background worker (reminders, alerts, analysis). Start more than one "
        "against PostgreSQL to scale out; each task is claimed by exactly one worker. Each "
        "worker also sweeps the alert outbox (escalation, e-mail retries) in a thread."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--alert-sweep-interval",
            type=float,
            default=DEFAULT_INTERVAL,
            help="seconds between sweeps of the alert outbox (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The sweep runs in this process rather than as a second command to supervise: a
        # deployment that runs the worker cannot forget it. The queue alone would not do: a
        # task taken by a worker that is then killed is never run again, and a task that was
        # never enqueued (the queue's write failed after the alert committed) is never run
        # at all. The sweep reads the outbox itself, so both are made up for within a tick.
        # Daemon thread: it dies with the worker, and a send it was in the middle of is
        # retaken by the next sweep once its lease expires.
        interval = max(options.pop("alert_sweep_interval"), 0.1)
        threading.Thread(
            target=sweep_forever, args=(interval,), name="alert-outbox-sweep", daemon=True
        ).start()
        super().handle(*args, **options)
