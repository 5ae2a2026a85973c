from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from claywork.ops.doctor import diagnose


class Command(BaseCommand):
    help = (
        "Check this installation: database reachable and migrated, field keys, e-mail, the "
        "worker's heartbeat, undeliverable alerts, static files, time zone. Prints one line "
        "per problem and exits 1 if there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--send-test-to",
            metavar="EMAIL",
            help="send a test e-mail to this address (otherwise only connect to the server)",
        )
        parser.add_argument(
            "--only",
            metavar="CHECKS",
            help="comma-separated checks to run, e.g. database,field-keys (default: all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        only = {name.strip().replace("-", " ") for name in (options["only"] or "").split(",")}
        results = diagnose(options["send_test_to"], only=only - {""} or None)
        problems = [problem for _, found in results for problem in found]
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            sys.exit(1)
        names = ", ".join(name for name, _ in results)
        self.stdout.write(f"OK: {names}.")
