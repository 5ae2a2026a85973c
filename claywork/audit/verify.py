"""Walk the audit chain from its first row to its newest, in batches, and find the first
broken link. Memory stays flat: one batch of tuples at a time, keyset-paginated on the id."""

from __future__ import annotations

from dataclasses import dataclass

from claywork.audit.chain import GENESIS_HASH, ChainFields, row_digest
from claywork.audit.models import AuditEvent

BATCH_SIZE = 5000
_COLUMNS = (
    "pk",
    "occurred_at",
    "actor_id",
    "actor_role",
    "patient_id",
    "clinic_id",
    "action",
    "resource",
    "object_id",
    "ip_address",
    "route",
    "prev_hash",
    "row_hash",
)


@dataclass(frozen=True)
class ChainBreak:
    row_id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _check(row: tuple, expected_prev: str, previous_id: int | None) -> str | None:
    pk, *fields, prev_hash, row_hash = row
    if row_digest(prev_hash, ChainFields(*fields)) != row_hash:
        return "its contents no longer match its hash: the row was changed after it was written"
    if prev_hash != expected_prev:
        if previous_id is None:
            return (
                "it does not start the chain: rows before it were removed, or it was changed "
                "together with its hash"
            )
        return (
            f"it does not follow row {previous_id}: rows between them were removed, or a row "
            "was changed together with its hash"
        )
    return None


def chain_verify(*, batch_size: int = BATCH_SIZE) -> ChainReport:
    expected_prev, previous_id, checked = GENESIS_HASH, None, 0
    while True:
        rows = list(
            AuditEvent.objects.filter(pk__gt=previous_id or 0)
            .order_by("pk")
            .values_list(*_COLUMNS)[:batch_size]
        )
        for row in rows:
            problem = _check(row, expected_prev, previous_id)
            if problem is not None:
                return ChainReport(checked, expected_prev, ChainBreak(row[0], problem))
            expected_prev, previous_id, checked = row[-1], row[0], checked + 1
        if len(rows) < batch_size:
            return ChainReport(checked, expected_prev, None)
