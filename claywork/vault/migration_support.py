"""Sealing a column that used to be clear, in a data migration, and opening it back.

Used by the migrations that sealed revealing metadata (decision 0016). They call the vault's
own services (the current ``PatientDataKey``): the key table has kept its shape since it was
made, and a value must be sealed exactly as the running code seals it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from claywork.vault.services import open_text, seal_text

BATCH = 500


def seal_rows(
    model: Any,
    *,
    owner: str,
    columns: dict[str, tuple[str, str]],
    extra: Callable[[Any], dict[str, Any]] | None = None,
    erased: frozenset[int] = frozenset(),
) -> None:
    """For each row, seal each clear column into its sealed one (``columns``: clear column ->
    (sealed column, context)); ``extra`` returns other columns computed from the row (a blind
    index). An empty clear value stays empty, as ``SealedText`` stores it. Rows of an
    ``erased`` owner (an account already erased) are left empty, as erasure now leaves them:
    sealing them would give the erased account a data key again."""
    fields: list[str] = [sealed for sealed, _ in columns.values()]
    batch = []
    for row in model._base_manager.order_by("pk").iterator(chunk_size=BATCH):
        owner_id = getattr(row, owner)
        for clear, (sealed, context) in columns.items():
            value = "" if owner_id in erased else getattr(row, clear) or ""
            token = seal_text(owner_id=owner_id, plaintext=value, context=context) if value else ""
            setattr(row, sealed, token)
        for name, value in (extra(row) if extra else {}).items():
            setattr(row, name, value)
            if name not in fields:
                fields.append(name)
        batch.append(row)
        if len(batch) >= BATCH:
            model._base_manager.bulk_update(batch, fields)
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, fields)


def open_rows(model: Any, *, owner: str, columns: dict[str, tuple[str, str]]) -> None:
    """The reverse of ``seal_rows``: each sealed column opened back into its clear column. A
    value whose key was destroyed (an erased account) comes back empty."""
    from claywork.vault.crypto import VaultError

    batch = []
    for row in model._base_manager.order_by("pk").iterator(chunk_size=BATCH):
        for clear, (sealed, context) in columns.items():
            token = getattr(row, sealed)
            try:
                value = open_text(token=token, context=context, owner_id=getattr(row, owner))
            except VaultError:
                value = ""
            setattr(row, clear, value if token else "")
        batch.append(row)
        if len(batch) >= BATCH:
            model._base_manager.bulk_update(batch, list(columns))
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, list(columns))
