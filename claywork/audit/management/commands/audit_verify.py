"""``claywork audit-verify``: check the audit trail's keyed chain from the first row on, and
hold it against every signed checkpoint (in the database, the checkpoint file, and any copy
given with ``--checkpoints``, e.g. from the security contact's e-mail)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claywork.audit.verify import BATCH_SIZE, chain_verify


class Command(BaseCommand):
    help = (
        "Check that no audit event was changed or removed: walks the keyed chain in batches, "
        "checks every signed checkpoint, and reports OK with the number of events, or the "
        "first broken link and every checkpoint problem (exit status 1)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="rows per query")
        parser.add_argument(
            "--checkpoints", type=Path, help="another copy of the checkpoints, one JSON a line"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        extra = options["checkpoints"]
        if extra is not None and not extra.exists():
            raise CommandError(f"no such file: {extra}")
        report = chain_verify(batch_size=max(1, options["batch_size"]), checkpoint_file=extra)
        findings = list(report.checkpoint_problems)
        if report.broken is not None:
            findings.insert(
                0,
                f"audit trail broken at row {report.broken.row_id}: {report.broken.problem}. "
                f"The {report.checked} events before it are intact.",
            )
        if findings:
            raise CommandError("\n".join(findings))
        self.stdout.write(
            f"OK: {report.checked} audit events, chain intact, {report.checkpoints} signed "
            f"checkpoints hold. Newest hash {report.head_hash}."
        )
