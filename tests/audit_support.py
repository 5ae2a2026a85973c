"""Test support for the append-only audit trail.

Transactional tests (``transaction=True``, the browser tests' live server) end with Django's
flush, which empties every table with DELETE (SQLite) or TRUNCATE (PostgreSQL): exactly what
the audit table's guard refuses. ``flush_lifts_audit_guard`` makes the flush drop the guard
first and put it back after, in the same transaction; nothing else gets past it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connections

from claywork.audit import guard


@contextmanager
def flush_lifts_audit_guard() -> Iterator[None]:
    operations = type(connections["default"].ops)
    original = operations.sql_flush

    def sql_flush(self: Any, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements = original(self, style, tables, **kwargs)
        if guard.TABLE not in tables:
            return statements
        vendor = self.connection.vendor
        return [*guard.remove_sql(vendor), *statements, *guard.install_sql(vendor)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "sql_flush", sql_flush)
        yield
