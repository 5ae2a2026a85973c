"""``claywork new-audit-keys``: a fresh audit MAC key and checkpoint signing key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from claywork.audit.keys import new_keys


class Command(BaseCommand):
    help = "Print a new CLAYWORK_AUDIT_KEY and CLAYWORK_AUDIT_SIGNING_KEY (and its public key)."

    def handle(self, *args: Any, **options: Any) -> None:
        mac, signing, public = new_keys()
        self.stdout.write(f"CLAYWORK_AUDIT_KEY={mac}")
        self.stdout.write(f"CLAYWORK_AUDIT_SIGNING_KEY={signing}")
        self.stdout.write(
            f"# public key (verifies checkpoints; safe to publish): {public}\n"
            "# Keep both secrets outside the database and its backups. Changing either later "
            "makes the rows and checkpoints made with the old one fail audit-verify."
        )
