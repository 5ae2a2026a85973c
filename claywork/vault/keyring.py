"""Where the key-encryption keys come from: the environment, or a generated dev key file."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from django.conf import settings

from claywork.vault.crypto import KeyRing, new_key_spec


@functools.cache
def keyring() -> KeyRing:
    spec = settings.CLAYWORK_FIELD_KEYS or _development_key_spec(
        Path(settings.CLAYWORK_DEV_FIELD_KEY_FILE)
    )
    return KeyRing.parse(spec)


def reset_keyring_cache() -> None:
    keyring.cache_clear()


def _development_key_spec(path: Path) -> str:
    """Only reached with the development secret: a key kept beside the SQLite database."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key_spec("dev1"))
    return path.read_text().strip()
