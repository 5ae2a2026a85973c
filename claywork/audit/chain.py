"""The hash chain of the audit trail, without Django: what a row's hash covers.

Each row's ``row_hash`` is an HMAC-SHA256, under a key the database does not hold
(``CLAYWORK_AUDIT_KEY``), of the previous row's hash and the row's own fields: editing a row
breaks its own hash, removing one breaks the link from the row after it, and someone with only
the database cannot compute a replacement chain. The first row follows ``GENESIS_HASH``.

Rows written before the key existed (migration ``audit/0003``) keep their plain SHA-256
(``key=None``); a signed cut-over checkpoint pins the last of them (``checkpoint.py``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64
# ASCII unit separator: cannot occur in any field (codes, ids, addresses, route names).
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class ChainFields:
    """Everything a row's hash covers, in the form the database gives back."""

    occurred_at: datetime
    actor_id: int | None
    actor_role: str
    patient_id: int
    clinic_id: int | None
    action: str
    resource: str
    object_id: str
    ip_address: str | None
    route: str


def row_digest(prev_hash: str, row: ChainFields, key: bytes | None) -> str:
    """The HMAC-SHA256 (hex) under ``key`` of ``prev_hash`` and the row, in a fixed text form;
    the plain SHA-256 for the rows before the cut-over (``key=None``)."""
    parts = (
        prev_hash,
        row.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "" if row.actor_id is None else str(row.actor_id),
        row.actor_role,
        str(row.patient_id),
        "" if row.clinic_id is None else str(row.clinic_id),
        row.action,
        row.resource,
        row.object_id,
        row.ip_address or "",
        row.route,
    )
    text = _SEPARATOR.join(parts).encode()
    if key is None:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def checkpoint_message(*, kind: str, row_id: int, row_hash: str, made_at: datetime) -> bytes:
    """What a checkpoint's Ed25519 signature covers: the newest row's id and hash, and when."""
    return _SEPARATOR.join(
        (
            "claywork-audit-checkpoint-v1",
            kind,
            str(row_id),
            row_hash,
            made_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
    ).encode()
