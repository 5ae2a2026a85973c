"""A clinic upgrades: a database made by the last release's code migrates with nothing lost.

The last release's code is taken from git (``git archive``), run in a subprocess to migrate a
new database and seed the demo clinic (every kind of row the demo makes: people, a course,
sessions, journal entries, check-ins, scales, alerts, reminders, shares, the audit trail...),
and dumps every row with its sealed text opened. Then this release's code migrates the same
database and dumps it again. Every row must still be there with the same values, sealed text
must still open to the same words, and ``audit-verify`` must still accept the chain.

A change of shape that a migration makes on purpose (a column sealed, a field renamed) is
declared in ``RESHAPED`` with what the old value became; anything else that differs fails.
Runs on SQLite, and on PostgreSQL when the suite does (a database of its own, dropped after).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# The last release that landed on main (stop 35). Move it forward when a release lands.
LAST_RELEASE = "7361aff"
FIELD_KEYS = "up1:dXBncmFkZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE"

# (model label, field) -> the field it is read from now, or None when it is gone on purpose,
# or (that field, how the old value reads there). A sealed field keeps its name as a
# ``SealedText`` over a ``<name>_sealed`` column, and the dump reads it opened: its old clear
# value must come back word for word (decision 0016).
Reshape = str | None | tuple[str, Callable[[Any], Any]]
# Stop 23 (a32d3eb) already holds every reshaping before it (safety 0006, circle 0003, care
# 0004-0005, journal 0005, measures 0006 sealed their columns); none since.
RESHAPED: dict[tuple[str, str], Reshape] = {}


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git") or "git"
    return subprocess.run([git, "-C", str(ROOT), *args], capture_output=True, check=False)  # noqa: S603


@pytest.fixture(scope="module")
def last_release_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the last release's code cannot be read from history")
    if _git("cat-file", "-e", f"{LAST_RELEASE}^{{commit}}").returncode != 0:
        pytest.fail(
            f"commit {LAST_RELEASE} (the last release) is not in this clone; "
            "fetch the full history (git fetch --unshallow)"
        )
    target = tmp_path_factory.mktemp("last-release")
    archive = _git("archive", "--format=tar", LAST_RELEASE, "claywork")
    assert archive.returncode == 0, archive.stderr.decode()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        yield f"sqlite:///{tmp_path_factory.mktemp('upgrade-db') / 'claywork.sqlite3'}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"claywork_upgrade_{uuid.uuid4().hex[:10]}"
    conninfo = dict(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    with psycopg.connect(**conninfo) as admin:  # type: ignore[arg-type]
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    try:
        yield f"postgres://{auth}@{conninfo['host']}:{conninfo['port']}/{name}"
    finally:
        with psycopg.connect(**conninfo) as admin:  # type: ignore[arg-type]
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(code: Path | None, env: dict[str, str], *args: str) -> str:
    """Run Python with the given release's ``claywork`` package first on the path (``None``:
    this checkout's)."""
    full_env = {**os.environ, **env}
    full_env.pop("CLAYWORK_TESTING", None)
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    # This release is the checkout the test runs from (a worktree may share a venv whose
    # editable install points at another checkout).
    full_env["PYTHONPATH"] = str(code if code is not None else ROOT)
    done = subprocess.run(  # noqa: S603 - this interpreter, our own scripts
        [sys.executable, *args],
        env=full_env,
        # Not the checkout: `python -c` puts the working directory first on the path, and the
        # checkout's own `claywork` would shadow the release under test.
        cwd=env["CLAYWORK_VAR_DIR"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _claywork(code: Path | None, env: dict[str, str], *command: str) -> str:
    return _run(code, env, "-c", "from claywork.cli import main; main()", *command)


def _dump(code: Path | None, env: dict[str, str], out: Path) -> dict[str, Any]:
    _run(code, env, str(ROOT / "tests" / "upgrade_dump.py"), str(out))
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def upgraded(
    last_release_code: Path, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("upgrade")
    env = {
        "DATABASE_URL": database_url,
        "CLAYWORK_VAR_DIR": str(work / "var"),
        "CLAYWORK_FIELD_KEYS": FIELD_KEYS,
        "CLAYWORK_DEMO": "1",
        "EMAIL_URL": "console://",
    }
    Path(env["CLAYWORK_VAR_DIR"]).mkdir(parents=True)
    _claywork(last_release_code, env, "migrate", "--noinput")
    _claywork(last_release_code, env, "seed-demo")
    _run(last_release_code, env, str(ROOT / "tests" / "upgrade_extra_rows.py"))
    before = _dump(last_release_code, env, work / "before.json")
    _claywork(None, env, "migrate", "--noinput")
    after = _dump(None, env, work / "after.json")
    audit_after = _run(None, env, "-c", AUDIT_AFTER_UPGRADE)
    verify = _claywork(None, env, "audit-verify")
    return {"before": before, "after": after, "verify": verify, "audit": audit_after}


# Run under this release on the upgraded database: the append-only guard stands on both audit
# tables (on SQLite, making a column nullable rebuilt the events' table and dropped its
# triggers; a trigger fires per row, so a list page is written first), and a list page's event
# chains onto the old rows (verified after).
AUDIT_AFTER_UPGRADE = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claywork.settings")
import django
django.setup()
from django.db import DatabaseError, connection, transaction
from claywork.accounts.models import User
from claywork.audit.services import audit_record_many

class Undo(Exception):
    pass

clinician = User.objects.filter(role="clinician").order_by("pk").first()
patients = list(User.objects.filter(role="patient", clinic=clinician.clinic).order_by("pk")[:3])
written = audit_record_many(
    actor=clinician, patients=patients, action="read", resource="measures.caseload"
)
print("listed", "all" if written == len(patients) > 0 else written)
for table in ("audit_auditevent", "audit_auditsubject"):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")
            raise Undo
    except Undo:
        print(table, "deletable")
    except DatabaseError as error:
        print(table, "refused" if "append-only" in str(error) else error)
"""


def test_each_dump_ran_the_release_it_was_meant_to(
    upgraded: dict[str, Any], last_release_code: Path
) -> None:
    assert upgraded["before"]["code"].startswith(str(last_release_code))
    assert upgraded["after"]["code"] == str(ROOT / "claywork")


def test_the_old_database_holds_only_the_last_releases_migrations(
    upgraded: dict[str, Any], last_release_code: Path
) -> None:
    shipped = {
        f"{path.parent.parent.name}.{path.stem}"
        for path in (last_release_code / "claywork").glob("*/migrations/0*.py")
    }
    ours = {name for name in upgraded["before"]["applied"] if name.split(".")[0] in _apps(shipped)}
    assert ours == shipped
    assert set(upgraded["before"]["applied"]) < set(upgraded["after"]["applied"]) or (
        upgraded["before"]["applied"] == upgraded["after"]["applied"]
    )


def _apps(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_the_last_release_made_a_database_worth_upgrading(upgraded: dict[str, Any]) -> None:
    tables = upgraded["before"]["tables"]
    filled = {label for label, rows in tables.items() if rows}
    # The demo clinic writes every kind of thing a patient and their team make.
    for label in (
        "accounts.User",
        "journal.Entry",
        "journal.Draft",
        "measures.CheckIn",
        "safety.Alert",
        "safety.AlertDelivery",
        "reminders.Notification",
        "clinics.Invitation",
        "themes.ThemeEdit",
    ):
        assert label in filled, f"the old release's demo made no {label}"
    assert len(filled) >= 40


def test_every_row_survives_the_upgrade_unchanged(upgraded: dict[str, Any]) -> None:
    before, after = upgraded["before"]["tables"], upgraded["after"]["tables"]
    problems: list[str] = []
    for label, rows in before.items():
        if label not in after:
            problems.append(f"{label}: the table is gone ({len(rows)} rows)")
            continue
        for pk, row in rows.items():
            new_row = after[label].get(pk)
            if new_row is None:
                problems.append(f"{label} #{pk}: the row is gone")
                continue
            for field, value in row.items():
                target = RESHAPED.get((label, field), field)
                if target is None:
                    continue
                if isinstance(target, tuple):
                    target, reads_as = target
                    value = reads_as(value)
                if target not in new_row:
                    problems.append(f"{label} #{pk}: {field} is gone")
                elif new_row[target] != value:
                    problems.append(f"{label} #{pk}: {field} {value!r} -> {new_row[target]!r}")
    assert not problems, "\n".join(problems[:50])


def test_sealed_text_still_opens_after_the_upgrade(upgraded: dict[str, Any]) -> None:
    entries = upgraded["after"]["tables"]["journal.Entry"]
    assert entries and all(row["body"] for row in entries.values())


def test_the_audit_chain_still_verifies_after_the_upgrade(upgraded: dict[str, Any]) -> None:
    assert upgraded["verify"].startswith("OK")


def test_the_audit_tables_stay_append_only_and_take_list_pages_after_the_upgrade(
    upgraded: dict[str, Any],
) -> None:
    assert upgraded["audit"].split("\n")[:3] == [
        "listed all",
        "audit_auditevent refused",
        "audit_auditsubject refused",
    ]
