from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from claywork.core import outbox
from claywork.core.mail import send_bound_seconds
from claywork.safety.sweep import DEFAULT_INTERVAL, sweep_forever

logger = logging.getLogger(__name__)


class _StoppingWorker(Worker):
    """The task loop; on SIGTERM/SIGINT it also asks the outbox sweep to stop."""

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        outbox.request_stop()
        super().shutdown(signum, frame)


class Command(DatabaseWorkerCommand):
    help = (
        "Run Claywork's background worker (reminders, alerts, analysis). Start more than one "
        "against PostgreSQL to scale out; each task is claimed by exactly one worker. Each "
        "worker also sweeps the alert and reminder outboxes in a thread. SIGTERM or Ctrl-C "
        "finishes the task and the e-mail in flight, hands back claimed rows not started and "
        "exits 0; a second signal exits at once."
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
        interval = max(options.pop("alert_sweep_interval"), 0.1)
        # A daemon thread that the stop below waits for, within a bound: a send in flight
        # finishes (the mail backend bounds it), then the thread returns. Should it not, the
        # process exits anyway and the row's lease lets another worker retake it.
        sweep = threading.Thread(
            target=sweep_forever, args=(interval,), name="outbox-sweep", daemon=True
        )
        sweep.start()
        try:
            self._run_tasks(**options)
        finally:
            outbox.request_stop()
            sweep.join(timeout=send_bound_seconds() + 5)
            if sweep.is_alive():
                logger.error("the outbox sweep did not stop in time; its claims will expire")
            else:
                logger.info("the outbox sweep stopped; claimed rows not started were handed back")

    def _run_tasks(self, **options: Any) -> None:
        """``db_worker``'s own loop, with the stop passed on to the sweep. (No --reload:
        restarting on code changes is for development, where ``claywork run`` is used.)"""
        self.configure_logging(options["verbosity"])
        if options["reload"]:
            logger.warning("claywork worker does not reload on code changes; --reload ignored")
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = _StoppingWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
