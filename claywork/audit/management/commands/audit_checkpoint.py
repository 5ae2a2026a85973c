"""``claywork audit-checkpoint``: sign the audit trail's newest row now (the worker's sweep
does it every CLAYWORK_AUDIT_CHECKPOINT_MINUTES)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from claywork.audit.checkpoint import checkpoint_make


class Command(BaseCommand):
    help = (
        "Sign a checkpoint of the audit trail's newest row, store it, append it to "
        "CLAYWORK_AUDIT_CHECKPOINT_FILE and e-mail it to CLAYWORK_AUDIT_CHECKPOINT_EMAIL."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(checkpoint_make().as_line())
