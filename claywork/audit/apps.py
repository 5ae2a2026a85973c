from datetime import datetime

from django.apps import AppConfig


def _checkpoint_due(now: datetime) -> object:
    from claywork.audit.checkpoint import checkpoint_due

    return checkpoint_due(now)


class AuditConfig(AppConfig):
    name = "claywork.audit"

    def ready(self) -> None:
        from claywork.core.housekeeping import housekeeping_register

        # Signed checkpoints of the newest row, made by the worker's sweep (checkpoint.py).
        housekeeping_register("audit.checkpoint", _checkpoint_due)
