"""Failed sign-ins slow down, per account and per address, in the shared cache.

Every password check (sign-in, re-authentication) first *claims* an attempt: under a lock, the
account's and the address's counters are read and, unless the caller must wait, both go up by
one and the attempt's time is kept. A correct password clears the account's counter and gives
the address its attempt back. So the count is exact however many web processes race, and it
outlives a restart (the cache is the database, or Redis: ``CACHE_URL``).

The first ``CLAYWORK_LOGIN_FREE_FAILURES`` attempts are free; after that each attempt must wait
a delay that doubles (``CLAYWORK_LOGIN_DELAY_SECONDS``, 2, 4, 8 ... s, at most
``CLAYWORK_LOGIN_MAX_DELAY_SECONDS``) since the previous one. Guessing stays slow, and the real
owner is never locked out for longer than the current delay; on a browser where they signed in
before (a signed device cookie), the account's delay does not apply to them at all, only the
address's (much larger) budget. No CAPTCHA. After ``TELL_OWNER_AFTER`` failures the owner gets
one e-mail per window. Counters are forgotten ``WINDOW_SECONDS`` after the last attempt.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponseBase

from claywork.accounts.models import User

WINDOW_SECONDS = 3600
ADDRESS_FREE_FACTOR = 4  # an address (a clinic's shared NAT) gets four accounts' worth
TELL_OWNER_AFTER = 10
DEVICE_COOKIE = "claywork_device"
DEVICE_DAYS = 90
_DEVICE_SALT = "claywork.accounts.throttle.device"
# pg_advisory_xact_lock(int, int) namespace: "CLAY" as a 32-bit integer.
_LOCK_SPACE = 0x434C4159
_LOCK_SECONDS = 30


@dataclass(frozen=True)
class Attempts:
    count: int
    last_at: float


def delay_after(count: int, free: int) -> float:
    """Seconds an attempt must wait after the previous one, when ``count`` are on record."""
    if count < free:
        return 0.0
    first = settings.CLAYWORK_LOGIN_DELAY_SECONDS
    return float(min(first * 2 ** min(count - free, 30), settings.CLAYWORK_LOGIN_MAX_DELAY_SECONDS))


def _account_key(email: str) -> str:
    return "throttle:account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _address_key(address: str) -> str:
    return "throttle:address:" + hashlib.sha256(address.encode()).hexdigest()


@contextmanager
def _locked(keys: list[str]) -> Iterator[None]:
    """Serialise read-modify-write of ``keys`` across processes. On the database cache the
    database does it: SQLite's IMMEDIATE transaction holds the write lock from BEGIN, PostgreSQL
    takes an advisory lock per key. Elsewhere (Redis) a lock key taken with ``add``, which is
    atomic (SET NX), with a random token so only its holder releases it; it expires after
    ``_LOCK_SECONDS`` should its holder die."""
    # ``cache`` is a proxy: the backend itself is ``caches["default"]``.
    if not isinstance(caches["default"], DatabaseCache):
        lock, token = "throttle:lock:" + ":".join(sorted(keys)), secrets.token_hex(8)
        while not cache.add(lock, token, _LOCK_SECONDS):
            time.sleep(0.005)  # held for milliseconds; a dead holder's key expires by itself
        try:
            yield
        finally:
            if cache.get(lock) == token:  # not a lock that expired and was taken since
                cache.delete(lock)
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for key in sorted(keys):
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, %s)",
                        [_LOCK_SPACE, zlib.crc32(key.encode()) - 2**31],
                    )
        yield


def _read(key: str) -> Attempts:
    value = cache.get(key)
    if not isinstance(value, list | tuple) or len(value) != 2:
        return Attempts(0, 0.0)
    return Attempts(int(value[0]), float(value[1]))


def _write(key: str, attempts: Attempts) -> None:
    cache.set(key, [attempts.count, attempts.last_at], WINDOW_SECONDS)


def _wait(attempts: Attempts, free: int, now: float) -> float:
    return max(0.0, attempts.last_at + delay_after(attempts.count, free) - now)


def attempt_claim(*, email: str, address: str, trusted_device: bool) -> int:
    """Claim one password check for ``email`` from ``address``: 0 when it may go ahead (and
    it is counted), else the whole seconds to wait (and nothing is counted)."""
    free = settings.CLAYWORK_LOGIN_FREE_FAILURES
    account, place = _account_key(email), _address_key(address)
    with _locked([account, place]):
        now = time.time()
        by_account, by_address = _read(account), _read(place)
        wait = _wait(by_address, free * ADDRESS_FREE_FACTOR, now)
        if not trusted_device:
            wait = max(wait, _wait(by_account, free, now))
        if wait > 0:
            return math.ceil(wait)
        _write(account, Attempts(by_account.count + 1, now))
        _write(place, Attempts(by_address.count + 1, now))
    return 0


def attempt_succeeded(*, email: str, address: str) -> None:
    """The password was right: the account starts afresh, the address gets its attempt back."""
    account, place = _account_key(email), _address_key(address)
    with _locked([account, place]):
        cache.delete(account)
        by_address = _read(place)
        if by_address.count > 0:
            _write(place, Attempts(by_address.count - 1, by_address.last_at))


def failures_on_record(email: str) -> int:
    return _read(_account_key(email)).count


def owner_to_be_told(email: str) -> bool:
    """True once per window, when the account has reached ``TELL_OWNER_AFTER`` failures."""
    if failures_on_record(email) < TELL_OWNER_AFTER:
        return False
    return bool(cache.add(_account_key(email) + ":told", 1, WINDOW_SECONDS))


def account_forget(email: str) -> None:
    """Drop the account's counters (an account being erased): the cache then holds nothing
    keyed by its address, whose unkeyed hash a reader could test guesses against."""
    account = _account_key(email)
    cache.delete_many([account, account + ":told"])


# --- Devices the owner signed in from -------------------------------------------------------


def device_trusted(request: HttpRequest, email: str) -> bool:
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if not raw:
        return False
    try:
        signed_for = signing.loads(raw, salt=_DEVICE_SALT, max_age=DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return False
    return bool(signed_for == _account_key(email))


def device_remember(response: HttpResponseBase, email: str) -> None:
    """After a full sign-in (second factor included): this browser is the owner's."""
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(_account_key(email), salt=_DEVICE_SALT),
        max_age=DEVICE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- Passwords asked again of a signed-in person ---------------------------------------------


def password_confirm(*, user: User, password: str) -> str | None:
    """For pages that ask a signed-in person for their password again (changing the sign-in
    address, deleting the account): the same account limit as the sign-in page, so a borrowed
    session cannot guess the password there instead. None when right, else what to say."""
    email = user.email
    wait = attempt_claim(email=email, address=f"signed-in:{user.pk}", trusted_device=False)
    if wait:
        return f"Too many attempts. Please wait {wait} seconds and try again."
    if not user.check_password(password):
        return "That is not your password."
    attempt_succeeded(email=email, address=f"signed-in:{user.pk}")
    return None
