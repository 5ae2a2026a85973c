"""Create a row once per form submission: a double submit finds the row the first one made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


def create_once(
    model: type[M],
    *,
    lookup: dict[str, Any],
    build: Callable[[], M],
    with_row: Callable[[M], None] | None = None,
) -> tuple[M, bool]:
    """Return (row, created). ``lookup`` must match a unique constraint (e.g. patient +
    submission id); ``build`` makes the unsaved row, outside any transaction (slow work such
    as screening text belongs there). ``with_row``, if given, writes what belongs with the new
    row (its tags, say) in the row's own transaction: all of it is saved, or none. Two racing
    requests make one row."""
    existing = model._default_manager.filter(**lookup).first()
    if existing is not None:
        return existing, False
    row = build()
    try:
        with transaction.atomic():
            row.save()
            if with_row is not None:
                with_row(row)
    except IntegrityError:
        return model._default_manager.get(**lookup), False
    return row, True
