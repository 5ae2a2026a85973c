"""Blind indexes: an exact lookup on a sealed value without storing the value in clear.

A blind index is the HMAC-SHA256 of the normalised value under ``CLAYWORK_INDEX_KEY``, a key
from the environment that the database never holds. Someone who reads the database sees only
that two rows hold the same value, never the value, and cannot test a guess without the key.
The key is not the patient's: an index outlives a crypto-shred only with the row it sits in,
and erasure deletes those rows. Changing the key means recomputing every index:
``claywork rotate-index-key`` (``vault/reindex.py``, docs/operations.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from django.conf import settings

# Development, the demo and the tests: a fixed, public key that protects nothing.
_DEMO_SEED = b"claywork-demo-blind-index-key-public-protects-nothing"


class IndexKeyError(ValueError):
    """CLAYWORK_INDEX_KEY cannot be used."""


def parse_index_key(raw: str, *, name: str = "CLAYWORK_INDEX_KEY") -> bytes:
    """The key a setting holds; empty means the public demo key."""
    if not raw:
        return hashlib.sha256(_DEMO_SEED).digest()
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        raise IndexKeyError(f"{name} must be base64url") from None
    if len(key) < 32:
        raise IndexKeyError(f"{name} must hold at least 32 bytes")
    return key


def index_key() -> bytes:
    return parse_index_key(settings.CLAYWORK_INDEX_KEY)


def blind_index(
    value: str, *, purpose: str, fold_case: bool = True, key: bytes | None = None
) -> str:
    """The hex HMAC of ``value`` (trimmed, and case-folded unless ``fold_case`` is False) for
    one purpose (``circle.member.email``); the purpose keeps equal values in two different
    columns from matching each other. ``key`` defaults to ``CLAYWORK_INDEX_KEY`` (another only
    when recomputing indexes after a key change, ``vault/reindex.py``)."""
    value = value.strip()
    message = f"{purpose}|{value.casefold() if fold_case else value}".encode()
    return hmac.new(key or index_key(), message, hashlib.sha256).hexdigest()
