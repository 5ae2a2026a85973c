from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from claywork.core import outbox
from claywork.safety.sweep import DEFAULT_INTERVAL, outbox_sweep, sweep_forever


class Command(BaseCommand):
    help = (
        "Escalate overdue alerts and send due alert e-mails and reminders (retrying failed ones "
        "and those a killed sender left). `claywork worker` already runs this every 30 seconds. "
        "SIGTERM or Ctrl-C finishes the send in flight, hands back the rest and exits 0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep sweeping until stopped")
        parser.add_argument(
            "--interval", type=float, default=DEFAULT_INTERVAL, help="seconds between sweeps"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with outbox.stop_on_signals():
            if options["loop"]:
                sweep_forever(max(options["interval"], 0.1))
                return
            result = outbox_sweep()
        self.stdout.write(f"escalated {result.escalated}, sent {result.sent}")
