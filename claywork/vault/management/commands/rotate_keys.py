from typing import Any

from django.core.management.base import BaseCommand

from claywork.vault.keyring import keyring
from claywork.vault.services import forget_cached_keys, keys_rotate


class Command(BaseCommand):
    help = (
        "Re-wrap every patient data key under the first key in CLAYWORK_FIELD_KEYS. "
        "Afterwards the older keys can be removed from the environment."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        forget_cached_keys()
        ring = keyring()
        moved = keys_rotate()
        self.stdout.write(
            f"Re-wrapped {moved} data key(s) under key-encryption key {ring.primary_id!r}."
        )
