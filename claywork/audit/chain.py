"""The hash chain of the audit trail, without Django: what a row's hash covers.

Each row's ``row_hash`` is an HMAC-SHA256, under a key the database does not hold
(``CLAYWORK_AUDIT_KEY``), of the previous row's hash and the row's own fields: editing a row
breaks its own hash, removing one breaks the link from the row after it, and someone with only
the database cannot compute a replacement chain. The first row follows ``GENESIS_HASH``.

Rows written before the key existed (migration ``audit/0003``) keep their plain SHA-256
(``key=None``); a signed cut-over checkpoint pins the last of them (``checkpoint.py``).

A list page's event (a caseload, an inbox) names no one patient: its patients are rows of the
subject table, and the event's hash covers a digest of their sorted ids (``subjects_digest``),
so adding, removing or changing a subject row breaks the event's hash. Events with no
subjects hash exactly as before (migration ``audit/0004``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

GENESIS_HASH = "0" * 64
# ASCII unit separator: cannot occur in any field (codes, ids, addresses, route names).
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class ChainFields:
    """Everything a row's hash covers, in the form the database gives back."""

    occurred_at: datetime
    actor_id: int | None
    actor_role: str
    # None for a list page's event, whose patients are ``subject_ids``.
    patient_id: int | None
    clinic_id: int | None
    action: str
    resource: str
    object_id: str
    ip_address: str | None
    route: str
    # The patients a list page showed (the subject table), sorted; empty for any other event.
    subject_ids: tuple[int, ...] = ()


@lru_cache(maxsize=256)
def subjects_digest(subject_ids: tuple[int, ...]) -> str:
    """SHA-256 (hex) of the sorted, distinct patient ids of a list page's event. Kept for the
    last few lists: each view of a caseload of 200 needs its digest twice (the set's name and
    the row's hash), while the chain lock is held."""
    return hashlib.sha256(",".join(map(str, sorted(set(subject_ids)))).encode()).hexdigest()


def row_digest(prev_hash: str, row: ChainFields, key: bytes | None) -> str:
    """The HMAC-SHA256 (hex) under ``key`` of ``prev_hash`` and the row, in a fixed text form;
    the plain SHA-256 for the rows before the cut-over (``key=None``)."""
    parts = [
        prev_hash,
        row.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "" if row.actor_id is None else str(row.actor_id),
        row.actor_role,
        "" if row.patient_id is None else str(row.patient_id),
        "" if row.clinic_id is None else str(row.clinic_id),
        row.action,
        row.resource,
        row.object_id,
        row.ip_address or "",
        row.route,
    ]
    if row.subject_ids:
        parts.append(f"subjects:{len(set(row.subject_ids))}:{subjects_digest(row.subject_ids)}")
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
