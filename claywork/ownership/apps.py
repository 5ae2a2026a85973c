from datetime import datetime

from django.apps import AppConfig


def _erase_due_accounts(now: datetime) -> int:
    from claywork.ownership.services import accounts_erase_due

    return accounts_erase_due(now=now)


class OwnershipConfig(AppConfig):
    """Data the patient owns: exporting everything, deleting their account."""

    name = "claywork.ownership"

    def ready(self) -> None:
        from claywork.core.housekeeping import housekeeping_register

        housekeeping_register("ownership.erase_due_accounts", _erase_due_accounts)
