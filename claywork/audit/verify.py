"""Walk the audit chain from its first row to its newest, in batches, and find the first
broken link; then hold the chain against every signed checkpoint. Memory stays flat: one batch
of tuples at a time, keyset-paginated on the id (and the checkpoints, a few a day).

Rows up to a signed cut-over checkpoint are checked with the plain SHA-256 they were written
with; every later row with the HMAC key (``chain.py``). Without a cut-over checkpoint every row
must be keyed: deleting that checkpoint to hide a rewrite of the old rows therefore fails too.

A list page's event is checked with the patients of the set it points at (each set read once):
a patient added to or removed from a set, or an event pointed at another set, breaks the hash.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from claywork.audit import keys
from claywork.audit.chain import GENESIS_HASH, ChainFields, row_digest
from claywork.audit.checkpoint import Checkpoint, checkpoints_all
from claywork.audit.models import AuditEvent, AuditSubject, CheckpointKind

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
    "subject_set_id",
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
    checkpoints: int = 0
    checkpoint_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.checkpoint_problems


_SETS_KEPT = 2000


class _Subjects:
    """The patients of each set a list page's event points at, read once per set."""

    def __init__(self) -> None:
        self._sets: dict[int, tuple[int, ...]] = {}

    def of(self, set_id: int | None) -> tuple[int, ...]:
        if set_id is None:
            return ()
        if set_id not in self._sets:
            if len(self._sets) >= _SETS_KEPT:
                self._sets.clear()  # memory stays bounded; a set asked for again is re-read
            self._sets[set_id] = tuple(
                AuditSubject.objects.filter(subject_set_id=set_id)
                .order_by("patient_id")
                .values_list("patient_id", flat=True)
            )
        return self._sets[set_id]


def _check(
    row: tuple,
    expected_prev: str,
    previous_id: int | None,
    key: bytes | None,
    subject_ids: tuple[int, ...] = (),
) -> str | None:
    pk, *fields, _, prev_hash, row_hash = row
    chained = ChainFields(*fields)
    if subject_ids:
        chained = dataclasses.replace(chained, subject_ids=subject_ids)
    if row_digest(prev_hash, chained, key) != row_hash:
        return (
            "its contents no longer match its hash: the row (or the patients a list page's row "
            "names) was changed after it was written, or its hash was computed without the "
            "audit key"
        )
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


def _cutover(checkpoints: list[Checkpoint]) -> int:
    return max(
        (point.row_id for point in checkpoints if point.kind == CheckpointKind.CUTOVER), default=0
    )


def _against_checkpoints(
    checkpoints: list[Checkpoint], seen: dict[int, str], last_id: int
) -> list[str]:
    problems = []
    for point in checkpoints:
        if point.row_id == 0:
            continue
        at = point.made_at.strftime("%Y-%m-%d %H:%M UTC")
        held = seen.get(point.row_id)
        if held is None:
            where = "after the newest row" if point.row_id > last_id else "inside the chain"
            problems.append(
                f"row {point.row_id}, the newest at the checkpoint of {at} ({point.source}), "
                f"is missing ({where}): rows were removed"
            )
        elif held != point.row_hash:
            problems.append(
                f"row {point.row_id} no longer has the hash the checkpoint of {at} "
                f"({point.source}) signed: the chain was rewritten"
            )
    return problems


def chain_verify(
    *, batch_size: int = BATCH_SIZE, checkpoint_file: Path | None = None
) -> ChainReport:
    checkpoints, problems = checkpoints_all(checkpoint_file)
    pinned = {point.row_id for point in checkpoints}
    legacy_until, key = _cutover(checkpoints), keys.mac_key()
    seen: dict[int, str] = {}
    expected_prev, previous_id, checked = GENESIS_HASH, None, 0
    subjects = _Subjects()
    while True:
        rows = list(
            AuditEvent.objects.filter(pk__gt=previous_id or 0)
            .order_by("pk")
            .values_list(*_COLUMNS)[:batch_size]
        )
        for row in rows:
            row_key = None if row[0] <= legacy_until else key
            problem = _check(row, expected_prev, previous_id, row_key, subjects.of(row[-3]))
            if problem is not None:
                return ChainReport(
                    checked, expected_prev, ChainBreak(row[0], problem), len(checkpoints), problems
                )
            if row[0] in pinned:
                seen[row[0]] = row[-1]
            expected_prev, previous_id, checked = row[-1], row[0], checked + 1
        if len(rows) < batch_size:
            problems += _against_checkpoints(checkpoints, seen, previous_id or 0)
            return ChainReport(checked, expected_prev, None, len(checkpoints), problems)
