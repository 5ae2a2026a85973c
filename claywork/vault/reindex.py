"""Recomputing every blind index after ``CLAYWORK_INDEX_KEY`` changes (decision 0016).

A blind index is an HMAC of a sealed value, so a new key needs each value opened (with its
patient's data key) and its index written again. The run is:

* **batched**: rows in primary-key order, ``batch_size`` per transaction;
* **idempotent and resumable**: a row whose index already matches the new key is left alone,
  so running again after an interruption (or twice) finishes the work and changes nothing more;
* **careful**: a row is only rewritten when its index matches the *old* key (a conditional
  ``UPDATE``), so a wrong old key changes nothing and is reported, never laundered into a
  valid index;
* **audited**: ``on_batch`` hears of each patient whose indexes were recomputed, in the same
  transaction (the command writes one audit event each, resource ``vault.blind_index``).

The indexed columns are named here by model label, so the vault imports no domain app;
``tests/test_index_key_rotation.py`` fails when a ``blind_index(`` call elsewhere is not listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction

from claywork.vault.blind_index import blind_index
from claywork.vault.crypto import VaultError


@dataclass(frozen=True)
class IndexedColumn:
    model: str  # "journal.Tag"
    value: str  # the SealedText attribute that is indexed
    index: str  # the column holding the index
    purpose: str
    fold_case: bool


INDEXED: tuple[IndexedColumn, ...] = (
    IndexedColumn("circle.CircleMember", "email", "email_index", "circle.member.email", True),
    IndexedColumn("journal.Tag", "name", "name_index", "journal.tag.name", False),
)


@dataclass
class ReindexReport:
    # purpose -> count
    rewritten: Counter[str] = field(default_factory=Counter)
    already_new: Counter[str] = field(default_factory=Counter)
    # an index matching neither key (a wrong old key?), or a value that cannot be opened
    unknown_key: Counter[str] = field(default_factory=Counter)
    unreadable: Counter[str] = field(default_factory=Counter)
    patients: set[int] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        return not self.unknown_key and not self.unreadable


def _batch(
    column: IndexedColumn, rows: list, *, old_key: bytes, new_key: bytes, report: ReindexReport
) -> set[int]:
    model = apps.get_model(column.model)
    touched: set[int] = set()
    for row in rows:
        try:
            value = getattr(row, column.value)
        except VaultError:
            report.unreadable[column.purpose] += 1
            continue
        stored = getattr(row, column.index)
        new = blind_index(value, purpose=column.purpose, fold_case=column.fold_case, key=new_key)
        if stored == new:
            report.already_new[column.purpose] += 1
            continue
        old = blind_index(value, purpose=column.purpose, fold_case=column.fold_case, key=old_key)
        if stored != old:
            report.unknown_key[column.purpose] += 1
            continue
        # Conditional: a row changed since it was read (or by a second run) is left to it.
        moved = model._base_manager.filter(pk=row.pk, **{column.index: old}).update(
            **{column.index: new}
        )
        if moved:
            report.rewritten[column.purpose] += 1
            touched.add(row.patient_id)
    return touched


def indexes_recompute(
    *,
    old_key: bytes,
    new_key: bytes,
    on_batch: Callable[[set[int]], None],
    batch_size: int = 500,
) -> ReindexReport:
    """Move every blind index from ``old_key`` to ``new_key`` (see the module's docstring).
    ``on_batch`` gets the ids of the patients first touched by a batch, inside its transaction
    (the command records them in the audit trail, so a rewritten row is never unrecorded)."""
    report = ReindexReport()
    for column in INDEXED:
        model = apps.get_model(column.model)
        last_pk = 0
        while True:
            rows = list(model._base_manager.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
            if not rows:
                break
            with transaction.atomic():
                touched = _batch(column, rows, old_key=old_key, new_key=new_key, report=report)
                if touched - report.patients:
                    on_batch(touched - report.patients)
                report.patients |= touched
            last_pk = rows[-1].pk
    return report
