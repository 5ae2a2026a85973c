"""``claywork rotate-index-key``: every blind index moved from the old key to the new one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claywork.audit.services import audit_record
from claywork.vault.blind_index import IndexKeyError, parse_index_key
from claywork.vault.reindex import indexes_recompute


def _audit(patient_ids: set[int]) -> None:
    for patient_id in sorted(patient_ids):
        audit_record(
            actor=None,
            patient=patient_id,
            action="write",
            resource="vault.blind_index",
            route="command:rotate-index-key",
        )


class Command(BaseCommand):
    help = (
        "Recompute every blind index (circle members' addresses, tag names) after "
        "CLAYWORK_INDEX_KEY changed: the old key in CLAYWORK_INDEX_KEY_OLD, the new one in "
        "CLAYWORK_INDEX_KEY. Batched, safe to interrupt and run again; audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CLAYWORK_INDEX_KEY_OLD:
            raise CommandError("Set CLAYWORK_INDEX_KEY_OLD to the key being replaced.")
        if not settings.CLAYWORK_INDEX_KEY:
            raise CommandError("Set CLAYWORK_INDEX_KEY to the new key.")
        if settings.CLAYWORK_INDEX_KEY_OLD == settings.CLAYWORK_INDEX_KEY:
            raise CommandError("CLAYWORK_INDEX_KEY_OLD and CLAYWORK_INDEX_KEY are the same key.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            old_key = parse_index_key(
                settings.CLAYWORK_INDEX_KEY_OLD, name="CLAYWORK_INDEX_KEY_OLD"
            )
            new_key = parse_index_key(settings.CLAYWORK_INDEX_KEY)
        except IndexKeyError as error:
            raise CommandError(str(error)) from None
        report = indexes_recompute(
            old_key=old_key, new_key=new_key, on_batch=_audit, batch_size=options["batch_size"]
        )
        for purpose in sorted(
            {*report.rewritten, *report.already_new, *report.unknown_key, *report.unreadable}
        ):
            self.stdout.write(
                f"{purpose}: {report.rewritten[purpose]} recomputed, "
                f"{report.already_new[purpose]} already on the new key, "
                f"{report.unknown_key[purpose]} on neither key, "
                f"{report.unreadable[purpose]} unreadable"
            )
        self.stdout.write(f"Patients recorded in the audit trail: {len(report.patients)}.")
        if not report.complete:
            raise CommandError(
                "Some indexes were left as they were (on neither key, or unreadable): check "
                "CLAYWORK_INDEX_KEY_OLD; running again after fixing it continues."
            )
        self.stdout.write("Every blind index is on the new key; CLAYWORK_INDEX_KEY_OLD can go.")
