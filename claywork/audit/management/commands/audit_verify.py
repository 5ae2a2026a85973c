"""``claywork audit-verify``: check the audit trail's hash chain from the first row on."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claywork.audit.verify import BATCH_SIZE, chain_verify


class Command(BaseCommand):
    help = (
        "Check that no audit event was changed or removed: walks the hash chain in batches and "
        "reports OK with the number of events, or the first broken link (exit status 1)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="rows per query")

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify(batch_size=max(1, options["batch_size"]))
        if report.broken is not None:
            raise CommandError(
                f"audit trail broken at row {report.broken.row_id}: {report.broken.problem}. "
                f"The {report.checked} events before it are intact."
            )
        self.stdout.write(
            f"OK: {report.checked} audit events, chain intact. Newest hash {report.head_hash} "
            "(keep a copy elsewhere: removing the newest rows can only be seen against it)."
        )
