from datetime import datetime

from django.apps import AppConfig


def _purge_deleted_entries(now: datetime) -> int:
    from claywork.journal.services import entries_purge_deleted

    return entries_purge_deleted(now=now)


class JournalConfig(AppConfig):
    name = "claywork.journal"

    def ready(self) -> None:
        from claywork.core.housekeeping import housekeeping_register

        # Deleted entries are purged once their undo window has passed (journal/services.py).
        housekeeping_register("journal.purge_deleted_entries", _purge_deleted_entries)
