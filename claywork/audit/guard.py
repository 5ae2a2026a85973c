"""The database's half of "append-only": triggers that refuse UPDATE, DELETE and TRUNCATE on
the audit table, on SQLite and PostgreSQL, and on PostgreSQL no UPDATE/DELETE/TRUNCATE
privilege for PUBLIC.

The triggers stop every connection, the table owner's too, until someone with the owner's
rights drops them; the privileges stop a separate application role for good (decision 0004).
The migration installs the guard. Note that on SQLite, a later migration that rebuilds this
table (most ``AlterField`` operations do) drops its triggers: such a migration must call
``install`` again.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"
SUBJECT_TABLE = "audit_auditsubject"
SUBJECT_SET_TABLE = "audit_auditsubjectset"
MESSAGE = "audit events are append-only"
# Each guarded table and its triggers' name stem (the subject tables come with audit/0004).
_TABLES = (
    (TABLE, "audit_event"),
    (SUBJECT_SET_TABLE, "audit_subject_set"),
    (SUBJECT_TABLE, "audit_subject"),
)


def _sqlite_install(table: str, stem: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {stem}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {stem}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ]


def _postgres_install(table: str, stem: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {stem}_no_change ON {table}",
        f"CREATE TRIGGER {stem}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        f"DROP TRIGGER IF EXISTS {stem}_no_truncate ON {table}",
        f"CREATE TRIGGER {stem}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC",
    ]


def _tables(connection_tables: set[str] | None) -> list[tuple[str, str]]:
    """The guarded tables that exist (the subject table comes with migration audit/0004; an
    older schema's migrations install the guard before it exists)."""
    if connection_tables is None:
        return list(_TABLES)
    return [(table, stem) for table, stem in _TABLES if table in connection_tables]


_SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {stem}_no_{what}"
    for _, stem in _TABLES
    for what in ("update", "delete")
]
_POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; "
    "END $$"
)
_POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS {stem}_no_{what} ON {table}"
    for table, stem in _TABLES
    for what in ("change", "truncate")
]


def install_sql(vendor: str, tables: set[str] | None = None) -> list[str]:
    """The statements that guard ``tables`` (every guarded table that exists; all by default)."""
    guarded = _tables(tables)
    if vendor == "sqlite":
        return [sql for table, stem in guarded for sql in _sqlite_install(table, stem)]
    if vendor == "postgresql":
        return [_POSTGRES_FUNCTION] + [
            sql for table, stem in guarded for sql in _postgres_install(table, stem)
        ]
    return []


def remove_sql(vendor: str, tables: set[str] | None = None) -> list[str]:
    guarded = {table for table, _ in _tables(tables)}
    if vendor == "sqlite":
        return _SQLITE_REMOVE
    if vendor == "postgresql":
        return [sql for sql in _POSTGRES_REMOVE if sql.rsplit(" ", 1)[1] in guarded]
    return []


def install(connection: BaseDatabaseWrapper) -> None:
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for statement in install_sql(connection.vendor, tables):
            cursor.execute(statement)


def remove(connection: BaseDatabaseWrapper) -> None:
    """Lift the guard, for an operator's deliberate purge or a test of tampering."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for statement in remove_sql(connection.vendor, tables):
            cursor.execute(statement)
