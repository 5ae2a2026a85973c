"""Sealing and opening a patient's text, and the key lifecycle (create, rotate, destroy)."""

from __future__ import annotations

import threading
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.vault import crypto
from claywork.vault.keyring import keyring
from claywork.vault.models import PatientDataKey

# Unwrapped data keys are kept in memory briefly so a list page does not unwrap per row. The
# short lifetime bounds how long another process may still read a patient after their key is
# destroyed; this process forgets at once.
_CACHE_SECONDS = 300
_cache: dict[int, tuple[bytes, int, float]] = {}  # key id -> (data key, owner id, expiry)
_cache_lock = threading.Lock()


def _remember(key_id: int, data_key: bytes, owner_id: int) -> None:
    with _cache_lock:
        if len(_cache) > 4096:
            _cache.clear()
        _cache[key_id] = (data_key, owner_id, time.monotonic() + _CACHE_SECONDS)


def _recall(key_id: int) -> tuple[bytes, int] | None:
    with _cache_lock:
        hit = _cache.get(key_id)
    if hit is None or hit[2] < time.monotonic():
        return None
    return hit[0], hit[1]


def forget_cached_keys() -> None:
    with _cache_lock:
        _cache.clear()


def _unwrap(row: PatientDataKey) -> bytes:
    ring = keyring()
    return crypto.unwrap_data_key(
        bytes(row.wrapped_key), kek=ring.get(row.kek_id), kek_id=row.kek_id, owner_id=row.owner_id
    )


def data_key_for_owner(*, owner_id: int) -> tuple[int, bytes]:
    """The owner's (data key id, data key), creating the key on first use."""
    row = PatientDataKey.objects.filter(owner_id=owner_id).first()
    if row is None:
        ring = keyring()
        data_key = crypto.new_data_key()
        wrapped = crypto.wrap_data_key(
            data_key, kek=ring.primary, kek_id=ring.primary_id, owner_id=owner_id
        )
        try:
            with transaction.atomic():
                row = PatientDataKey.objects.create(
                    owner_id=owner_id, wrapped_key=wrapped, kek_id=ring.primary_id
                )
        except IntegrityError:  # another request created it first
            row = PatientDataKey.objects.get(owner_id=owner_id)
        else:
            _remember(row.pk, data_key, owner_id)
            return row.pk, data_key
    cached = _recall(row.pk)
    if cached is None:
        data_key = _unwrap(row)
        _remember(row.pk, data_key, owner_id)
        return row.pk, data_key
    return row.pk, cached[0]


def _data_key_and_owner(key_id: int) -> tuple[bytes, int]:
    cached = _recall(key_id)
    if cached is not None:
        return cached
    row = PatientDataKey.objects.filter(pk=key_id).first()
    if row is None:
        raise crypto.VaultError(f"data key {key_id} no longer exists (the text was erased)")
    data_key = _unwrap(row)
    _remember(key_id, data_key, row.owner_id)
    return data_key, row.owner_id


def data_key_by_id(key_id: int) -> bytes:
    return _data_key_and_owner(key_id)[0]


def seal_text(*, owner_id: int, plaintext: str, context: str) -> str:
    key_id, data_key = data_key_for_owner(owner_id=owner_id)
    return crypto.seal(plaintext, data_key=data_key, data_key_id=key_id, context=context)


def open_text(*, token: str, context: str, owner_id: int | None = None) -> str:
    """Open a sealed value; with ``owner_id``, only one sealed under that person's data key.

    The associated data binds a value to its data key and field, not to its row: without the
    owner check, a token copied into another patient's row would open and show them the text.
    """
    key_id = crypto.token_data_key_id(token)
    data_key, key_owner_id = _data_key_and_owner(key_id)
    if owner_id is not None and key_owner_id != owner_id:
        raise crypto.VaultError(f"sealed value belongs to another person's data key ({context})")
    return crypto.open_sealed(token, data_key=data_key, context=context)


def data_key_destroy(*, owner_id: int) -> bool:
    """Crypto-shred: every sealed value of this owner becomes unreadable, everywhere."""
    deleted, _ = PatientDataKey.objects.filter(owner_id=owner_id).delete()
    forget_cached_keys()
    return deleted > 0


def keys_rotate(*, batch_size: int = 500) -> int:
    """Re-wrap every data key under the primary key-encryption key; returns how many moved.

    Values stay as they are: they name their data key, which keeps its id. Each batch is its
    own short transaction, so a rotation that stops halfway can simply be run again.
    """
    ring = keyring()
    moved = 0
    while True:
        with transaction.atomic():
            rows = list(
                PatientDataKey.objects.exclude(kek_id=ring.primary_id).order_by("pk")[:batch_size]
            )
            if not rows:
                return moved
            now = timezone.now()
            for row in rows:
                data_key = _unwrap(row)
                row.wrapped_key = crypto.wrap_data_key(
                    data_key, kek=ring.primary, kek_id=ring.primary_id, owner_id=row.owner_id
                )
                row.kek_id = ring.primary_id
                row.rewrapped_at = now
            PatientDataKey.objects.bulk_update(rows, ["wrapped_key", "kek_id", "rewrapped_at"])
            moved += len(rows)
