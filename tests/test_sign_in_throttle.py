"""Failed sign-ins slow down per account and per address, in the shared cache, without locking
the owner out for long; the count holds across processes and a restart."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings

from claywork.accounts import throttle
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
REFUSED = "Too many sign-in attempts"
WRONG = "not correct"
DB_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "claywork_cache",
    }
}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def _sign_in(client: Client, email: str, password: str) -> str:
    response = client.post("/accounts/login/", {"login": email, "password": password})
    if response.status_code == 302:
        return "signed in"
    text = response.content.decode()
    if REFUSED in text:
        return "refused"
    assert WRONG in text, text[:500]
    return "wrong"


@pytest.mark.django_db
def test_five_free_tries_then_a_wait_that_doubles() -> None:
    user = factories.PatientFactory()
    client = Client()
    with time_machine.travel("2026-12-01 10:00:00+00:00", tick=False) as clock:
        results = [_sign_in(client, user.email, "wrong password") for _ in range(7)]
        assert results == ["wrong"] * 5 + ["refused"] * 2
        clock.shift(2)  # the first delay has passed: one more try, then 4 s
        assert _sign_in(client, user.email, "wrong password") == "wrong"
        assert _sign_in(client, user.email, "wrong password") == "refused"
        clock.shift(4)
        assert _sign_in(client, user.email, factories.PASSWORD) == "signed in"


@pytest.mark.django_db
def test_the_owner_waits_at_most_the_longest_delay() -> None:
    user = factories.PatientFactory()
    client = Client()
    with (
        override_settings(CLAYWORK_LOGIN_MAX_DELAY_SECONDS=60),
        time_machine.travel("2026-12-01 10:00:00+00:00", tick=False) as clock,
    ):
        for _ in range(30):
            _sign_in(client, user.email, "wrong password")
            clock.shift(61)
        assert _sign_in(client, user.email, factories.PASSWORD) == "signed in"


@pytest.mark.django_db
def test_a_browser_the_owner_signed_in_from_is_not_slowed_by_the_attack() -> None:
    user = factories.PatientFactory()
    owner = Client()
    assert _sign_in(owner, user.email, factories.PASSWORD) == "signed in"
    owner.post("/accounts/logout/")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(8):
        _sign_in(attacker, user.email, "guess")

    assert _sign_in(attacker, user.email, factories.PASSWORD) == "refused"
    assert _sign_in(owner, user.email, factories.PASSWORD) == "signed in"


@pytest.mark.django_db
def test_a_device_cookie_of_another_account_does_not_help() -> None:
    mine, theirs = factories.PatientFactory(), factories.PatientFactory()
    attacker = Client()
    assert _sign_in(attacker, mine.email, factories.PASSWORD) == "signed in"
    attacker.post("/accounts/logout/")
    results = [_sign_in(attacker, theirs.email, "guess") for _ in range(6)]

    assert results[-1] == "refused"


@pytest.mark.django_db
def test_one_address_trying_many_accounts_is_slowed_too() -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    results = [_sign_in(client, f"nobody{n}@example.org", "guess") for n in range(21)]

    assert results == ["wrong"] * 20 + ["refused"]
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.8"), "nobody0@example.org", "x") == "wrong"


@pytest.mark.django_db
@override_settings(CLAYWORK_LOGIN_MAX_DELAY_SECONDS=60)
def test_the_owner_is_told_once_after_ten_failures() -> None:
    user = factories.PatientFactory()
    with time_machine.travel("2026-12-01 10:00:00+00:00", tick=False) as clock:
        for _ in range(14):
            assert _sign_in(Client(REMOTE_ADDR="192.0.2.1"), user.email, "guess") == "wrong"
            clock.shift(61)

    told = [message for message in mail.outbox if message.to == [user.email]]
    assert len(told) == 1
    assert "wrong password 10 times" in told[0].body


@pytest.mark.django_db
def test_unknown_addresses_are_slowed_the_same_and_nobody_is_mailed() -> None:
    results = [_sign_in(Client(), "ghost@example.org", "guess") for _ in range(12)]

    assert results[5:] == ["refused"] * 7
    assert mail.outbox == []


@pytest.mark.django_db
def test_reauthentication_shares_the_account_limit() -> None:
    user = factories.PatientFactory()
    client = Client()
    client.force_login(user)
    for _ in range(5):
        client.post("/accounts/reauthenticate/", {"password": "guess"})

    response = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD})

    assert REFUSED in response.content.decode()


def test_delays_double_up_to_the_longest() -> None:
    with override_settings(CLAYWORK_LOGIN_DELAY_SECONDS=2, CLAYWORK_LOGIN_MAX_DELAY_SECONDS=900):
        assert [throttle.delay_after(n, 5) for n in (0, 4, 5, 6, 7, 14, 500)] == [
            0,
            0,
            2,
            4,
            8,
            900,
            900,
        ]


# --- Across processes and a restart ----------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.test.utils import setup_test_environment
    setup_test_environment()
    from django.test import Client
    email, tries, address = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    outcomes = []
    for _ in range(tries):
        response = Client(REMOTE_ADDR=address).post(
            "/accounts/login/", {"login": email, "password": "guess"}
        )
        text = response.content.decode()
        # allauth's own per-address limit may answer first (429): the password was not
        # checked either.
        if "Too many sign-in attempts" in text or response.status_code == 429:
            outcomes.append("refused")
        elif "not correct" in text:
            outcomes.append("checked")
        else:
            outcomes.append(f"unexpected {response.status_code}")
    print(json.dumps(outcomes))
    """
)


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def _workers(email: str, address: str, cache_url: str, count: int, tries: int) -> list[str]:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "claywork.settings_test",
        "DATABASE_URL": _database_url(),
        "CACHE_URL": cache_url,
        # A first delay far longer than the test: every attempt after the free ones is refused.
        "CLAYWORK_LOGIN_DELAY_SECONDS": "3600",
    }
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER, email, str(tries), address],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outcomes: list[str] = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
        outcomes += json.loads(out.strip().splitlines()[-1])
    return outcomes


def _four_workers_then_a_restart(cache_url: str) -> None:
    # A fresh account and address each run: Redis keeps its counters between test runs.
    email = f"{uuid.uuid4().hex}@example.org"
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(255) + 1}"
    before_restart = _workers(email, address, cache_url, count=4, tries=3)
    after_restart = _workers(email, address, cache_url, count=2, tries=2)

    checked = (before_restart + after_restart).count("checked")
    assert before_restart.count("checked") == 5  # 12 tries by 4 processes: 5 free, 7 refused
    assert checked == 5  # the restart forgot nothing
    assert set(before_restart + after_restart) == {"checked", "refused"}


@pytest.mark.django_db(transaction=True)
def test_four_workers_and_a_restart_share_one_count_in_the_database_cache() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM claywork_cache")
    _four_workers_then_a_restart("db://claywork_cache")


def _redis_answers() -> bool:
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379 (optional service)")
def test_four_workers_and_a_restart_share_one_count_in_redis() -> None:
    _four_workers_then_a_restart("redis://127.0.0.1:6379/15")


@pytest.mark.django_db
@override_settings(CACHES=DB_CACHE)
def test_two_cache_clients_see_one_count() -> None:
    from django.core.cache.backends.db import DatabaseCache

    first, second = DatabaseCache("claywork_cache", {}), DatabaseCache("claywork_cache", {})
    first.set("shared", 3)

    assert second.get("shared") == 3


@pytest.mark.django_db
@override_settings(CACHES=DB_CACHE)
def test_on_the_database_cache_the_database_serialises_the_claim() -> None:
    from django.core.cache import caches

    caches["default"].clear()
    assert (
        throttle.attempt_claim(email="a@example.org", address="192.0.2.5", trusted_device=False)
        == 0
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM claywork_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert len(keys) == 2  # the account's and the address's counters
    assert not [key for key in keys if "throttle:lock" in key]  # no lock key was needed
