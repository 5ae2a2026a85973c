"""Where a person is signed in: each browser's sign-in, its inactivity timeout, and ending one
or all of them ("sign out everywhere").

Every sign-in goes through Django's ``login()`` (allauth's sign-in page, accepting an
invitation), which sends ``user_logged_in``: ``apps.py`` connects it to ``sign_in_start``, the
one place a ``SignInSession`` row is made. ``SignInGuardMiddleware`` then, on each request:

* signs the browser out when it has been inactive for longer than the person's limit
  (``CLAYWORK_STAFF_IDLE_MINUTES`` for clinicians and clinic admins, who see many patients;
  ``CLAYWORK_PATIENT_IDLE_MINUTES`` for everyone else);
* notes the time it was last seen, at most once a minute (so a page costs no extra query).

Ending a sign-in deletes its session from the session store: the browser is anonymous on its
next request, whichever web process answers it. It also ends that browser's push reminders
(the session names its push subscription); "sign out everywhere else" ends every device's
but this browser's, including devices whose sign-in had already lapsed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from claywork.accounts.models import Role, SignInSession, User
from claywork.push.services import SESSION_KEY as PUSH_KEY
from claywork.push.services import push_revoke_all, push_revoke_by_digest

SID = "claywork_sign_in"
SEEN = "claywork_seen"
KEY = "claywork_key"
SEEN_EVERY = timedelta(seconds=60)
STAFF_ROLES = (Role.CLINICIAN, Role.CLINIC_ADMIN)
# Set on the request when the inactivity timeout signs it out (not the person): the browser's
# push reminders stay on (``push/apps.py``).
IDLE_SIGN_OUT = "claywork_idle_sign_out"


def idle_limit(user: User) -> timedelta:
    if user.role in STAFF_ROLES:
        return timedelta(minutes=settings.CLAYWORK_STAFF_IDLE_MINUTES)
    return timedelta(minutes=settings.CLAYWORK_PATIENT_IDLE_MINUTES)


def _address(request: HttpRequest) -> str | None:
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        validate_ipv46_address(raw)
    except ValidationError:
        return None
    return str(raw)


def _store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def sign_in_start(*, request: HttpRequest, user: User) -> SignInSession:
    """Record a new sign-in of ``user`` in this browser (called right after ``login()``)."""
    now = timezone.now()
    session = request.session
    if session.session_key is None:
        session.save()
    row = SignInSession.objects.create(
        user=user,
        sid=secrets.token_hex(16),
        session_key=session.session_key or "",
        created_at=now,
        last_seen_at=now,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
        ip_address=_address(request),
    )
    session[SID] = row.sid
    session[KEY] = session.session_key
    session[SEEN] = int(now.timestamp())
    return row


def sign_in_end_current(*, request: HttpRequest) -> None:
    """Signing out here (``user_logged_out``): the row is ended."""
    sid = request.session.get(SID) if hasattr(request, "session") else None
    if sid:
        SignInSession.objects.filter(sid=sid, ended_at__isnull=True).update(ended_at=timezone.now())


def _end(rows: QuerySet[SignInSession]) -> int:
    store = _store()
    ended = 0
    for row in rows.filter(ended_at__isnull=True):
        session = store(session_key=row.session_key)
        digest = session.load().get(PUSH_KEY)
        if digest:
            push_revoke_by_digest(patient_id=row.user_id, digest=digest, reason="signed out")
        session.delete()
        ended += SignInSession.objects.filter(pk=row.pk, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
    return ended


def sign_in_end(*, user: User, pk: int) -> int:
    """End one of ``user``'s own sign-ins (0 when it is not theirs or already ended)."""
    return _end(SignInSession.objects.filter(user=user, pk=pk))


def sign_ins_end_all(*, user: User) -> int:
    """Every browser of ``user`` signed out and its session gone from the store (an account
    being erased: nothing of theirs stays in ``django_session``)."""
    return _end(SignInSession.objects.filter(user=user))


def sign_ins_end_others(*, user: User, current_sid: str, current_push_digest: str = "") -> int:
    """Sign out everywhere else: every sign-in of ``user`` but this browser's, and the push
    reminders of every device but this browser's (``current_push_digest``)."""
    ended = _end(SignInSession.objects.filter(user=user).exclude(sid=current_sid))
    push_revoke_all(patient=user, keep_digest=current_push_digest)
    return ended


def live_sign_ins(user: User, *, now: datetime | None = None) -> list[SignInSession]:
    """The person's sign-ins that can still be used: not ended, seen within the session's
    lifetime, and whose session still exists."""
    now = now or timezone.now()
    oldest = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    rows = list(
        SignInSession.objects.filter(
            user=user, ended_at__isnull=True, last_seen_at__gte=oldest
        ).order_by("-last_seen_at")
    )
    store = _store()
    return [row for row in rows if store().exists(row.session_key)]


class SignInGuardMiddleware:
    """The inactivity timeout and the last-seen time of each sign-in (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated:
            ended = self._check(request, user)
            if ended is not None:
                return ended
        return self.get_response(request)

    def _check(self, request: HttpRequest, user: User) -> HttpResponse | None:
        session = request.session
        now = timezone.now()
        seen = session.get(SEEN)
        if not isinstance(seen, int):
            sign_in_start(request=request, user=user)  # signed in before this existed
            return None
        limit = idle_limit(user)
        if now.timestamp() - seen > limit.total_seconds():
            sign_in_end_current(request=request)
            setattr(request, IDLE_SIGN_OUT, True)
            logout(request)
            minutes = int(limit.total_seconds() // 60)
            messages.info(request, f"You were signed out after {minutes} minutes without activity.")
            return redirect_to_login(request.get_full_path())
        if now.timestamp() - seen >= SEEN_EVERY.total_seconds():
            session[SEEN] = int(now.timestamp())
            SignInSession.objects.filter(sid=session.get(SID)).update(last_seen_at=now)
        if session.get(KEY) != session.session_key and session.session_key:
            # The key was cycled (a password change): keep the row able to end this session.
            session[KEY] = session.session_key
            SignInSession.objects.filter(sid=session.get(SID)).update(
                session_key=session.session_key
            )
        return None
