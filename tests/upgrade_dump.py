"""Print every Claywork row as JSON, sealed text opened: run by both releases in the upgrade test.

Run as a script under either release's code (``python tests/upgrade_dump.py OUT.json``) with
the database and key settings in the environment. It uses only APIs both releases have
(Django's app registry, concrete fields, the vault's ``SealedText`` descriptor), so the two
dumps compare field by field. A sealed column is dumped as the text it opens to, not as its
token: a migration may re-seal a value, but must not change what it says.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

_ALLAUTH = {"account", "mfa"}  # the sign-in library's e-mail addresses and second factors


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _sealed_attributes(model: type) -> dict[str, str]:
    """Attribute name -> the column it seals, for every SealedText on the model."""
    found: dict[str, str] = {}
    for klass in model.__mro__:
        for name, attribute in vars(klass).items():
            if type(attribute).__name__ == "SealedText" and name not in found:
                found[name] = attribute.column
    return found


def dump() -> dict[str, dict[str, dict[str, Any]]]:
    from django.apps import apps

    tables: dict[str, dict[str, dict[str, Any]]] = {}
    for model in apps.get_models():
        label = model._meta.label
        if not (model.__module__.startswith("claywork.") or model._meta.app_label in _ALLAUTH):
            continue
        sealed = _sealed_attributes(model)
        sealed_columns = set(sealed.values())
        rows: dict[str, dict[str, Any]] = {}
        for instance in model._default_manager.order_by("pk").iterator(chunk_size=500):
            row: dict[str, Any] = {}
            for field in model._meta.concrete_fields:
                if field.attname in sealed_columns:
                    continue
                row[field.attname] = _plain(field.value_from_object(instance))
            for name in sealed:
                row[name] = getattr(instance, name)
            rows[str(instance.pk)] = row
        tables[label] = rows
    return tables


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claywork.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    import claywork

    applied = sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )
    tables = dump()
    out = {"code": os.path.dirname(claywork.__file__), "applied": applied, "tables": tables}
    with open(sys.argv[1], "w", encoding="utf-8") as handle:
        json.dump(out, handle, sort_keys=True)


if __name__ == "__main__":
    main()
