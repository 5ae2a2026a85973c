"""Deployment configuration is strict, SQLite is durable and responses are hardened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from claywork.core.env import (
    ConfigurationError,
    env_bool,
    env_int,
    env_list,
    env_str,
)
from tests.conftest import Personas, client_for

# --- Strict environment helpers ---------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on", "On"])
def test_env_bool_reads_true_words(raw: str) -> None:
    assert env_bool("FLAG", False, {"FLAG": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", " off"])
def test_env_bool_reads_false_words(raw: str) -> None:
    assert env_bool("FLAG", True, {"FLAG": raw}) is False


@pytest.mark.parametrize("raw", ["ture", "yes please", "2", "enabled", "-1", "nope"])
def test_env_bool_raises_on_anything_else(raw: str) -> None:
    with pytest.raises(ConfigurationError, match=f"FLAG must be one of .* not {raw!r}"):
        env_bool("FLAG", False, {"FLAG": raw})


def test_env_bool_falls_back_to_the_default_when_unset_or_empty() -> None:
    assert env_bool("FLAG", True, {}) is True
    assert env_bool("FLAG", False, {"FLAG": ""}) is False


def test_env_int_reads_whole_numbers_and_defaults() -> None:
    assert env_int("N", 7, environ={"N": "42"}) == 42
    assert env_int("N", 7, environ={}) == 7
    assert env_int("N", 7, environ={"N": ""}) == 7


@pytest.mark.parametrize("raw", ["ten", "4.5", "1e3", "12h"])
def test_env_int_raises_on_a_non_number(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="N must be a whole number"):
        env_int("N", 7, environ={"N": raw})


def test_env_int_enforces_its_minimum() -> None:
    with pytest.raises(ConfigurationError, match="at least 1000, not 999"):
        env_int("N", 100_000, minimum=1000, environ={"N": "999"})
    with pytest.raises(ConfigurationError, match="at least 0"):
        env_int("N", 1, environ={"N": "-5"})
    assert env_int("N", 1, minimum=1000, environ={"N": "1000"}) == 1000


def test_env_str_uses_the_default_only_when_unset_or_empty() -> None:
    assert env_str("S", "fallback", {}) == "fallback"
    assert env_str("S", "fallback", {"S": ""}) == "fallback"
    assert env_str("S", "fallback", {"S": " value "}) == " value "


def test_env_list_splits_on_commas_and_drops_blanks() -> None:
    assert env_list("L", ["a"], {"L": " x , y,,z , "}) == ["x", "y", "z"]
    assert env_list("L", ["a"], {"L": "   "}) == ["a"]
    assert env_list("L", ["a"], {}) == ["a"]


def test_env_list_returns_a_copy_of_the_default() -> None:
    default = ["a"]
    env_list("L", default, {}).append("b")
    assert default == ["a"]


def test_configuration_error_is_a_value_error() -> None:
    assert issubclass(ConfigurationError, ValueError)


def _fresh_environment(tmp_path: Path) -> dict[str, str]:
    """This process's environment without any Claywork or Django setting, as on a fresh install."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLAYWORK_", "DJANGO_"))
        and key not in ("SECRET_KEY", "DATABASE_URL")
    }
    env["CLAYWORK_VAR_DIR"] = str(tmp_path)
    return env


def _import_settings(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """Import the real settings module in a fresh interpreter with the given environment."""
    env = _fresh_environment(tmp_path)
    env.update({"CLAYWORK_TESTING": "1", **environ})
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "import claywork.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CLAYWORK_DEBUG": "ture"}, "CLAYWORK_DEBUG must be one of"),
        ({"CLAYWORK_SECURE": "maybe"}, "CLAYWORK_SECURE must be one of"),
        ({"CLAYWORK_MAX_ENTRY_CHARS": "lots"}, "CLAYWORK_MAX_ENTRY_CHARS must be a whole number"),
        ({"CLAYWORK_MAX_ENTRY_CHARS": "10"}, "CLAYWORK_MAX_ENTRY_CHARS must be at least 1000"),
        ({"CLAYWORK_FOLLOW_UP_DAYS": "3,x,14"}, "CLAYWORK_FOLLOW_UP_DAYS must list whole days"),
        ({"CLAYWORK_WINDOW_CLOSES_HOURS": "6"}, "CLAYWORK_WINDOW_CLOSES_HOURS must be after"),
        (
            {"CLAYWORK_TESTING": "0", "SECRET_KEY": "a-real-secret-for-this-test"},
            "CLAYWORK_FIELD_KEYS must be set",
        ),
        ({"CLAYWORK_TESTING": "0"}, "SECRET_KEY is not set"),
        (
            {
                "CLAYWORK_TESTING": "0",
                "SECRET_KEY": "a-real-secret-for-this-test",
                "CLAYWORK_FIELD_KEYS": "k1:Y2xheXdvcmstdGVzdC1vbmx5LWtlay0zMi1ieXRlcyE",
            },
            "CLAYWORK_INDEX_KEY must be set",
        ),
        (
            {
                "CLAYWORK_TESTING": "0",
                "SECRET_KEY": "a-real-secret-for-this-test",
                "CLAYWORK_FIELD_KEYS": "k1:Y2xheXdvcmstdGVzdC1vbmx5LWtlay0zMi1ieXRlcyE",
                "CLAYWORK_INDEX_KEY": "Y2xheXdvcmstdGVzdC1vbmx5LWtlay0zMi1ieXRlcyE",
            },
            "CLAYWORK_AUDIT_KEY and CLAYWORK_AUDIT_SIGNING_KEY must be set",
        ),
        ({"CACHE_URL": "memcached://x"}, "CACHE_URL must start with"),
    ],
)
def test_a_wrong_setting_stops_start_up_with_a_clear_message(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    result = _import_settings(tmp_path, **environ)
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
    assert message in result.stderr


def test_the_default_environment_imports_cleanly(tmp_path: Path) -> None:
    result = _import_settings(tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_test_settings_run_with_safe_values() -> None:
    assert settings.CLAYWORK_MAX_ENTRY_CHARS == 100_000
    assert settings.CLAYWORK_WINDOW_OPENS_HOURS < settings.CLAYWORK_WINDOW_CLOSES_HOURS
    assert settings.CLAYWORK_FOLLOW_UP_DAYS == [3, 7, 14]
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SESSION_COOKIE_HTTPONLY is True


# --- SQLite durability ------------------------------------------------------------------------


def _pragma(name: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        row = cursor.fetchone()
    assert row is not None
    return row[0]


@pytest.fixture
def sqlite(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip(f"SQLite pragmas do not apply: the database is {connection.vendor}")


def test_sqlite_uses_write_ahead_logging(sqlite: None) -> None:
    assert str(_pragma("journal_mode")).lower() == "wal"


def test_sqlite_syncs_fully_on_commit(sqlite: None) -> None:
    assert _pragma("synchronous") == 2  # FULL


def test_sqlite_enforces_foreign_keys(sqlite: None) -> None:
    assert _pragma("foreign_keys") == 1


def test_sqlite_waits_for_a_busy_writer(sqlite: None) -> None:
    assert int(str(_pragma("busy_timeout"))) >= 5000


def test_sqlite_takes_the_write_lock_at_begin(sqlite: None) -> None:
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


# --- HTTP hardening ---------------------------------------------------------------------------


def _directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize("url", ["/", "/help/", "/accounts/login/"])
def test_the_content_security_policy_forbids_inline_script(db: None, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    directives = _directives(header)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header


def test_pages_carry_no_inline_script(personas: Personas) -> None:
    for url in ["/", "/journal/", "/journal/new/", f"/sessions/{personas.completed.pk}/"]:
        page = client_for(personas.patient).get(url).content.decode()
        assert "<script>" not in page, url
        assert " on" + "click=" not in page, url


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("patient", "/"),
        ("patient", "/journal/"),
        ("patient", "/journal/{entry}/"),
        ("care_clinician", "/"),
        ("care_clinician", "/patients/{patient}/"),
        ("clinic_admin", "/clinic/people/"),
    ],
)
def test_pages_for_signed_in_users_are_never_stored(
    personas: Personas, persona: str, url: str
) -> None:
    client = client_for(personas.role(persona))
    response = client.get(url.format(entry=personas.entry.pk, patient=personas.patient.pk))
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control
    assert "public" not in cache_control


def test_a_signed_in_redirect_is_not_stored_either(personas: Personas) -> None:
    response = client_for(personas.clinic_admin).get("/")
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


def test_other_security_headers_are_sent(db: None) -> None:
    response = Client().get("/help/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def _run_cli(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``claywork ARGS`` in a fresh interpreter with no secret set, as on a fresh install."""
    env = _fresh_environment(tmp_path)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "claywork.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_screening_and_scoring_tools_run_before_any_secret_is_set(tmp_path: Path) -> None:
    screened = _run_cli(tmp_path, "screen", stdin="i want to go to sleep and never wake up\n")
    assert screened.returncode == 0, screened.stderr
    assert json.loads(screened.stdout)["flag"] is True

    scored = _run_cli(tmp_path, "score", "phq9", "0", "1", "2", "3", "0", "1", "2", "3", "0")
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["total"] == 12


def test_a_server_command_without_a_secret_stops_with_one_line_not_a_traceback(
    tmp_path: Path,
) -> None:
    result = _run_cli(tmp_path, "migrate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("claywork: SECRET_KEY is not set")


def test_a_database_command_with_a_file_flag_elsewhere_is_not_offline() -> None:
    from claywork.cli import _is_offline

    assert _is_offline(["claywork", "effect", "--file", "cohort.json"])
    assert _is_offline(["claywork", "screen", "--evaluate", "mine.tsv"])
    assert not _is_offline(["claywork", "effect"])
    assert not _is_offline(["claywork", "themes", "--patient", "p@example.org"])
    assert not _is_offline(["claywork", "serve", "--file", "x"])
