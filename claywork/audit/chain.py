"""The hash chain of the audit trail, without Django: what a row's hash covers.

Each row's ``row_hash`` is SHA-256 over the previous row's hash and the row's own fields, so
editing a row breaks its own hash, and removing or re-hashing one breaks the link from the row
after it. The first row follows ``GENESIS_HASH``.
"""

from __future__ import annotations

import hashlib
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


def row_digest(prev_hash: str, row: ChainFields) -> str:
    """The SHA-256 (hex) of ``prev_hash`` and the row, in a fixed text form."""
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
    return hashlib.sha256(_SEPARATOR.join(parts).encode()).hexdigest()
