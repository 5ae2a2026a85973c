"""Rendered pages kept in this process's memory, keyed by the data versions of what they show.

A page is the same HTML until something it shows changes. ``@cached_page`` keeps a page's
rendered body in this process's memory under (page, viewer, the versions of what the viewer's
pages show, the viewer's local day, language, time zone); the next view of the same page by
the same person sends it again without running the view. Decision 0017.

Whose versions a page is keyed by (``_scope``):
- a patient's: the shared version and their own;
- a clinician's or clinic admin's: those and their clinic's, which every write touching one of
  the clinic's people bumps (a check-in, an alert, a care-team change, a new patient);
- a support person's: those and each supported patient's (one query per view).

What keeps it fresh:
- every saved or deleted row of the database bumps a version: the version of each user the row
  points at (``patient``, ``author``, ... and, for rows that point at no user, one hop through
  their foreign keys) and of their clinics, or the shared version every key holds when the row
  belongs to no patient (a clinic's settings, the prompt library, a clinician's name);
- a write that sends no signal (``QuerySet.update``, ``bulk_create``, raw SQL) to any table
  but the few listed in ``_UNWATCHED`` bumps the shared version: the database connection's
  execute wrapper sees every INSERT, UPDATE and DELETE;
- a bump happens at once and again when the transaction commits, so a page rendered between
  the two is never stored under the version that follows the commit;
- the versions live in the shared cache (the database by default, Redis via ``CACHE_URL``), so
  a write in another web process or the worker is seen on the next request; a version missing
  from the cache (culled, flushed) is replaced by a new random one, never an old one;
- the local day is in the key (words such as "today", "3 days ago") and a stored page lives at
  most ``CLAYWORK_PAGE_CACHE_SECONDS`` (what changes with the clock alone: a session starting,
  a window opening, a scale falling due, the staff banner's worker status).

What a view records besides its page (the audit trail's events of a staff read) is captured
while it renders (``on_every_view``) and done again on each view sent from memory.

What is never stored: the CSRF token and each form's submission key (replaced by markers,
put back fresh per answer), pages answered with flash messages or a query string other than
``page`` and ``tag``, anything but a 200, any request but a signed-in GET, a patient's view of
another patient's page. The clinic's access log shows the audit trail, which no version
follows (every staff read writes it): its key also holds the clinic's newest event id
(``key=``). The pages hold decrypted health text, so they stay in
this process's memory only (never the shared cache, which is the database by default).
"""

from __future__ import annotations

import re
import secrets
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, wraps
from types import CodeType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache as shared_cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connections, models, transaction
from django.db.models.deletion import Collector
from django.db.models.fields.related_descriptors import create_forward_many_to_many_manager
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import (  # type: ignore[attr-defined]  # no public unmasking
    _unmask_cipher_token,
    get_token,
)
from django.utils import timezone, translation

SHARED_VERSION = "page-version:all"
_PAGES = LocMemCache("claywork-pages", {"TIMEOUT": 60, "OPTIONS": {"MAX_ENTRIES": 2000}})
# Rows that no cached page shows and that are written often (sign-in bookkeeping, the audit
# trail written on every read by someone else, task rows, the heartbeat).
_UNWATCHED = frozenset(
    {
        "sessions.Session",
        "accounts.SignInSession",
        "audit.AuditEvent",
        "audit.AuditSubject",
        "audit.AuditSubjectSet",
        "audit.AuditCheckpoint",
        "core.WorkerHeartbeat",
        "django_tasks_database.DBTaskResult",
        "contenttypes.ContentType",
        "auth.Permission",
    }
)
_OWNER_FIELDS = ("patient", "owner")
_CSRF_MARKER = "\x00claywork-csrf\x00"
_SUBMISSION_INPUT = re.compile(r'<input[^>]*name="submission_id"[^>]*>')
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TOKEN = re.compile(r"[A-Za-z0-9]{64}")
# SQLite's bulk_create(ignore_conflicts=True) is "INSERT OR IGNORE INTO".
_WRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+[`"]?(\w+)',
    re.IGNORECASE,
)


def _version_key(user_id: int) -> str:
    return f"page-version:{user_id}"


def _clinic_key(clinic_id: int) -> str:
    return f"page-version:clinic:{clinic_id}"


# --- Versions -------------------------------------------------------------------------------


def _versions_of(keys: list[str]) -> tuple[str, ...] | None:
    """The versions under these keys, minting a fresh random one for a missing key."""
    found = shared_cache.get_many(keys)
    if len(found) < len(keys):
        for key in keys:
            if key not in found:
                shared_cache.add(key, secrets.token_hex(8), timeout=None)
        found = shared_cache.get_many(keys)
        if len(found) < len(keys):
            return None
    return tuple(str(found[key]) for key in keys)


def _versions(user_id: int) -> tuple[str, ...] | None:
    """The shared version and the user's (a patient's own pages)."""
    return _versions_of(user_scope(user_id))


def user_scope(user_id: int) -> list[str]:
    """The version keys any write to this user's account row bumps (``users_of``)."""
    return [SHARED_VERSION, _version_key(user_id)]


def keys_to_read_with_account(user: Any) -> list[str]:
    """The version keys read with the account's in one query at the start of each request:
    the account's own, and the clinic's for staff (their pages are keyed by it too). Not a
    support person's patients, which take a query to find."""
    keys = user_scope(user.pk)
    if (user.is_clinician or user.is_clinic_admin) and user.clinic_id is not None:
        keys.append(_clinic_key(user.clinic_id))
    return keys


_REQUEST_VERSIONS = "_claywork_page_versions"


def versions_for_request(request: HttpRequest, keys: list[str]) -> tuple[str, ...] | None:
    """The versions under these keys, read once per request: the signed-in user's account
    (``core/signed_in.py``) and the page the request is sent share one cache query. Read
    before anything is rendered, so nothing is stored under a version newer than its data."""
    known: dict[str, str] = getattr(request, _REQUEST_VERSIONS, {})
    missing = [key for key in keys if key not in known]
    if missing:
        found = _versions_of(missing)
        if found is None:
            return None
        known = {**known, **dict(zip(missing, found, strict=True))}
        setattr(request, _REQUEST_VERSIONS, known)
    return tuple(known[key] for key in keys)


_cache_table_seen = False


def _cache_ready() -> bool:
    """Whether the shared cache's table is there. Look before writing or reading: on
    PostgreSQL a failed statement would abort the surrounding transaction (a migration run
    before the cache table exists), not just this call."""
    global _cache_table_seen
    if not _cache_table_seen:
        if not _cache_table_exists():
            return False
        _cache_table_seen = True
    return True


def _bump_now(keys: Iterable[str]) -> None:
    if not _cache_ready():
        return
    try:
        shared_cache.set_many({key: secrets.token_hex(8) for key in keys}, timeout=None)
    except DatabaseError:
        # No cache table yet (a data migration before it exists): nothing can be cached either.
        if _cache_table_exists():
            raise


def _cache_table_exists() -> bool:
    location = getattr(shared_cache, "_table", None)
    return location is None or location in connections["default"].introspection.table_names()


def bump(
    user_ids: Iterable[int] | None,
    *,
    clinic_ids: Iterable[int | None] = (),
    using: str = "default",
) -> None:
    """Make every stored page of these users (``None``: of everyone) stale, and every staff
    page of these clinics, now and again when the current transaction commits."""
    if user_ids is None:
        keys = {SHARED_VERSION}
    else:
        keys = {_version_key(pk) for pk in user_ids}
        keys |= {_clinic_key(pk) for pk in clinic_ids if pk is not None}
    if not keys:
        return
    # At once, every time: a page rendered later in this same transaction (it sees the new
    # rows) must not be stored under a version taken before them.
    _bump_now(keys)
    connection = connections[using]
    if not connection.in_atomic_block:
        return
    pending = _pending_on(connection)
    if pending is None:
        pending = set()
        callback = _commit_callback(pending)
        transaction.on_commit(callback, using=using)
        connection._claywork_page_bump = (callback, pending)  # type: ignore[attr-defined]
    pending |= keys


def _pending_on(connection: Any) -> set[str] | None:
    """The keys already bumped in this transaction, while its commit callback is still
    registered (a rollback discards the callback, and with it this set)."""
    state = getattr(connection, "_claywork_page_bump", None)
    if state is None or not connection.in_atomic_block:
        return None
    callback, pending = state
    if any(item[1] is callback for item in connection.run_on_commit):
        return pending  # type: ignore[no-any-return]
    return None


def _commit_callback(pending: set[str]) -> Callable[[], None]:
    def bump_committed() -> None:
        _bump_now(set(pending))

    return bump_committed


# --- Which users a row belongs to -----------------------------------------------------------


@cache
def _user_relations(model: type[models.Model]) -> tuple[Any, ...]:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    return tuple(
        field
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is user_model
    )


def _user_fields(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in _user_relations(model))


@cache
def _hops(model: type[models.Model]) -> tuple[tuple[str, type[models.Model]], ...]:
    """Foreign keys to models that point at users (one hop to the owner)."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    hops: list[tuple[str, type[models.Model]]] = []
    for field in model._meta.concrete_fields:
        target = field.related_model
        if (
            field.many_to_one
            and isinstance(target, type)
            and target is not user_model
            and _user_fields(target)
        ):
            hops.append((field.attname, target))
    return tuple(hops)


def _is_patient_owned(model: type[models.Model]) -> bool:
    return any(field.name in _OWNER_FIELDS for field in model._meta.concrete_fields)


def users_of(instance: models.Model) -> set[int] | None:
    """The users whose pages may show this row; ``None`` for everyone's."""
    model = type(instance)
    if model is apps.get_model(settings.AUTH_USER_MODEL):
        return {instance.pk} if getattr(instance, "is_patient", False) else None
    if any(field.name == "clinic" for field in model._meta.concrete_fields):
        return None  # a clinic's settings, resources, on-call list: every patient of it
    found = {value for name in _user_fields(model) if (value := getattr(instance, name))}
    if not _is_patient_owned(model):
        for attname, target in _hops(model):
            target_pk = getattr(instance, attname)
            if target_pk is None:
                continue
            for row in target._default_manager.filter(pk=target_pk).values_list(
                *_user_fields(target)
            ):
                found.update(value for value in row if value)
    return found or None


def clinics_of(instance: models.Model, user_ids: set[int], using: str) -> set[int | None]:
    """The clinics whose staff pages may show these users: a user row's own clinic (read from
    the row, which may be gone: an erasure), the clinic of each user the row holds loaded (a
    service's ``patient=``), else the users' clinics (one query)."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    if isinstance(instance, user_model):
        return {getattr(instance, "clinic_id", None)}
    clinics: set[int | None] = set()
    missing = set(user_ids)
    for field in _user_relations(type(instance)):
        if field.is_cached(instance):
            user = field.get_cached_value(instance)
            if user is not None:
                clinics.add(user.clinic_id)
                missing.discard(user.pk)
    if not missing or not _cache_ready():
        return clinics  # (not ready: a migration before the cache table exists)
    return clinics | set(
        user_model._default_manager.using(using)
        .filter(pk__in=missing)
        .values_list("clinic_id", flat=True)
        .distinct()
    )


def _bump_row(instance: models.Model, using: str) -> None:
    user_ids = users_of(instance)
    if user_ids is None:
        bump(None, using=using)
    else:
        bump(user_ids, clinic_ids=clinics_of(instance, user_ids, using), using=using)


def _watched(model: type[models.Model]) -> bool:
    return model._meta.label not in _UNWATCHED and not model._meta.proxy


def _on_save(sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any) -> None:
    if not _watched(sender) or kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= {"last_login"}:
        return
    _bump_row(instance, using)


def _on_delete(
    sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any
) -> None:
    if _watched(sender):
        _bump_row(instance, using)


def _on_m2m(sender: Any, instance: models.Model, action: str, using: str, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if kwargs.get("reverse"):
        bump(None, using=using)
    else:
        _bump_row(instance, using)


@cache
def _watched_tables() -> frozenset[str]:
    return frozenset(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if _watched(model)
    )


def _m2m_writes() -> tuple[CodeType, ...]:
    """The many-to-many manager's writes, whose ``m2m_changed`` signal names the row (the
    manager class is made per relation, its methods' code is shared)."""
    found: list[CodeType] = []

    def walk(code: CodeType) -> None:
        for const in code.co_consts:
            if isinstance(const, CodeType):
                if const.co_name in {"_add_items", "_remove_items", "clear"}:
                    found.append(const)
                walk(const)

    walk(create_forward_many_to_many_manager.__code__)
    return tuple(found)


_MODEL_WRITES = frozenset(
    (models.Model.save_base.__code__, Collector.delete.__code__, *_m2m_writes())
)


def _inside_model_write() -> bool:
    """A statement of ``Model.save``, ``Collector.delete`` or a many-to-many add, remove or
    clear, whose signals name its rows."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code in _MODEL_WRITES:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def watch_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """The execute wrapper on every connection: a write no signal reports makes every
    patient's stored pages stale."""
    result = execute(sql, params, many, context)
    match = _WRITE.match(sql)
    if match and match.group(1) in _watched_tables() and not _inside_model_write():
        bump(None, using=context["connection"].alias)
    return result


def install_on(connection: Any, **kwargs: Any) -> None:
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def connect() -> None:
    """Called once from ``CoreConfig.ready``."""
    from django.db.backends.signals import connection_created
    from django.db.models import signals

    signals.post_save.connect(_on_save, dispatch_uid="claywork-page-cache-save")
    signals.post_delete.connect(_on_delete, dispatch_uid="claywork-page-cache-delete")
    signals.m2m_changed.connect(_on_m2m, dispatch_uid="claywork-page-cache-m2m")
    connection_created.connect(install_on, dispatch_uid="claywork-page-cache-writes")
    for connection in connections.all(initialized_only=True):
        install_on(connection)


# --- The pages ------------------------------------------------------------------------------


def clear() -> None:
    """Forget every page this process holds (tests)."""
    _PAGES.clear()


_QUERY = frozenset({"page", "tag"})


def _cacheable(request: HttpRequest, query: frozenset[str] = _QUERY) -> bool:
    user = getattr(request, "user", None)
    return (
        settings.CLAYWORK_PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and user is not None
        and user.is_authenticated
        and set(request.GET) <= query
        and not request.headers.get("HX-Request")
        and len(get_messages(request)) == 0
    )


def _scope(user: Any) -> list[str] | None:
    """The version keys a page seen by this user is stored under: the shared version, the
    user's own and what else their pages show. A patient's pages show their own data; a
    clinician's or clinic admin's show their clinic's patients (the clinic's version, bumped
    with each of its people's); a support person's show the patients whose circle they are
    in (each one's version, looked up on every view: one query)."""
    keys = [SHARED_VERSION, _version_key(user.pk)]
    if user.is_patient:
        return keys
    if user.is_clinician or user.is_clinic_admin:
        return [*keys, _clinic_key(user.clinic_id)] if user.clinic_id is not None else None
    if user.role == "support":
        from claywork.core.policy import patients_supported_by

        supported = patients_supported_by(user).order_by("pk").values_list("pk", flat=True)
        return [*keys, *(_version_key(pk) for pk in supported)]
    return None


def _page_key(request: HttpRequest, versions: tuple[str, ...], extra: str = "") -> str:
    user = request.user
    day = timezone.localdate(timezone.now()).isoformat()
    return ":".join(
        [
            "page",
            str(user.pk),
            *versions,
            extra,
            day,
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            request.get_full_path(),
        ]
    )


# --- What a view does besides its page (an audit event), done again on every stored view -------

Replay = tuple[Callable[..., None], tuple[Any, ...]]
_replays: ContextVar[list[Replay] | None] = ContextVar("claywork_page_replays", default=None)


def on_every_view(action: Callable[..., None], *args: Any) -> None:
    """Called by a view's side effect that must happen on every view of its page, also when
    the page is sent from memory (the audit trail's record of a read): stored with the page,
    and ``action(request, *args)`` is called on each view sent from memory. ``action`` is a
    module-level function and ``args`` plain values (a stored page is pickled)."""
    captured = _replays.get()
    if captured is not None:
        captured.append((action, args))


def _render(
    view: Callable[..., HttpResponse], request: HttpRequest, args: Any, kwargs: Any
) -> tuple[HttpResponse, list[Replay]]:
    captured: list[Replay] = []
    token = _replays.set(captured)
    try:
        return view(request, *args, **kwargs), captured
    finally:
        _replays.reset(token)


def _without_token(request: HttpRequest, html: str) -> str | None:
    """The page with every masked CSRF token of this request replaced by a marker; ``None``
    when a token of another secret is on it (then it is not stored)."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return html if "csrfmiddlewaretoken" not in html else None

    def masked(match: re.Match[str]) -> str:
        if _unmask_cipher_token(match.group(0)) == secret:
            return _CSRF_MARKER
        return match.group(0)

    html = _TOKEN.sub(masked, html)
    # Each form's idempotency key: two tabs served the same page must not send the same one
    # (the second form's words would be taken for a repeat of the first and dropped).
    submissions: dict[str, None] = {}
    for tag in _SUBMISSION_INPUT.finditer(html):
        submissions.update(dict.fromkeys(_UUID.findall(tag.group(0))))
    for index, value in enumerate(submissions):
        html = html.replace(value, f"\x00claywork-submission-{index}\x00")
    return html


# A page is stored as the bytes sent, cut at its markers: the pieces between them, and for each
# marker the CSRF token (-1) or the form's submission key (its index). A 300 KB caseload sent
# from memory is then joined, not decoded, scanned twice and encoded again (stop 28).
_CSRF_PIECE = -1
_MARKER_BYTES = re.compile(b"\x00claywork-(?:csrf|submission-(\\d+))\x00")
Pieces = tuple[tuple[bytes, ...], tuple[int, ...]]


def _pieces(html: str, charset: str) -> Pieces:
    """The page's bytes cut at its markers (``_without_token``'s)."""
    body = html.encode(charset)
    chunks, markers, start = [], [], 0
    for match in _MARKER_BYTES.finditer(body):
        chunks.append(body[start : match.start()])
        markers.append(_CSRF_PIECE if match.group(1) is None else int(match.group(1)))
        start = match.end()
    chunks.append(body[start:])
    return tuple(chunks), tuple(markers)


def _with_request_values(request: HttpRequest, pieces: Pieces) -> bytes:
    """A stored page with this request's CSRF token and fresh idempotency keys."""
    chunks, markers = pieces
    if not markers:
        return chunks[0]
    token = b""
    fresh: dict[int, bytes] = {}
    joined = [chunks[0]]
    for marker, chunk in zip(markers, chunks[1:], strict=True):
        if marker == _CSRF_PIECE:
            # One token for the whole page, as one call of get_token per answer.
            token = token or get_token(request).encode("ascii")
            joined.append(token)
        else:
            joined.append(fresh.setdefault(marker, str(uuid.uuid4()).encode("ascii")))
        joined.append(chunk)
    return b"".join(joined)


_RENDER_WAIT_SECONDS = 10
_renders_lock = threading.Lock()
_renders: dict[str, threading.Lock] = {}


@contextmanager
def _one_render(key: str) -> Iterator[None]:
    """One render of a page at a time in this process: the threads that ask for it meanwhile
    wait, then are sent what it stored (after a write in a clinic or an expiry, every thread
    would otherwise render the same caseload at once). A render slower than
    ``_RENDER_WAIT_SECONDS`` no longer holds the others back."""
    with _renders_lock:
        lock = _renders.setdefault(key, threading.Lock())
    acquired = lock.acquire(timeout=_RENDER_WAIT_SECONDS)
    try:
        yield
    finally:
        if acquired:
            lock.release()
        with _renders_lock:
            if _renders.get(key) is lock and not lock.locked():
                del _renders[key]


def _render_and_store(
    view: Callable[..., HttpResponse], request: HttpRequest, args: Any, kwargs: Any, key: str
) -> HttpResponse:
    response, replays = _render(view, request, args, kwargs)
    if (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Location")
    ):
        charset = response.charset
        html = _without_token(request, response.content.decode(charset))
        if html is not None:
            _PAGES.set(
                key,
                (response["Content-Type"], _pieces(html, charset), replays),
                timeout=settings.CLAYWORK_PAGE_CACHE_SECONDS,
            )
    return response


def cached_page(
    view: Callable[..., HttpResponse] | None = None,
    *,
    own: str | None = None,
    query: Iterable[str] = (),
    key: Callable[[HttpRequest], str | None] | None = None,
) -> Any:
    """Serve a page from this process's memory while nothing it shows has changed, to the
    user it was made for. ``own`` names a URL argument that must be a patient's own id (a
    patient's view of another patient's page is never stored; staff may see any their access
    check lets through, which ran when the page was stored and whose rows bump the versions).
    What the view recorded besides the page (``on_every_view``) is done again on each view.
    ``query``: more query-string names the page may be stored with (each query string its own
    page). ``key``: what else the page shows that no version follows (an unwatched table),
    read before the view runs and added to the key; ``None`` from it: not stored."""
    allowed = _QUERY | frozenset(query)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if (
                user.pk is None
                or not _cacheable(request, allowed)
                or (own and user.is_patient and kwargs.get(own) != user.pk)
                or (scope := _scope(user)) is None
                or (versions := versions_for_request(request, scope)) is None
                or (extra := key(request) if key is not None else "") is None
            ):
                return view(request, *args, **kwargs)
            page_key = _page_key(request, versions, extra)
            stored = _PAGES.get(page_key)
            if stored is None:
                with _one_render(page_key):
                    # Rendered by another thread while this one waited?
                    stored = _PAGES.get(page_key)
                    if stored is None:
                        return _render_and_store(view, request, args, kwargs, page_key)
            content_type, pieces, replays = stored
            for action, action_args in replays:
                action(request, *action_args)
            return HttpResponse(_with_request_values(request, pieces), content_type=content_type)

        return cached_view

    return decorate(view) if view is not None else decorate
