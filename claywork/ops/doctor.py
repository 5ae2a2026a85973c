"""``claywork doctor``: is this installation able to look after patients?

Each check returns the problems it found, one plain sentence each that says what to do; an
empty list is a pass. The command prints them and exits 1 if there is any. No check prints a
patient's name or any health text: an alert is named by its id, clinic and patient id.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from claywork.core.heartbeat import OK, worker_status
from claywork.core.mail import send_bound_seconds
from claywork.reminders.models import Reminder
from claywork.safety.routing import undeliverable_alerts
from claywork.vault import crypto
from claywork.vault.keyring import keyring
from claywork.vault.models import PatientDataKey

CLOCK_SKEW = timedelta(seconds=60)


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], list[str]]
    needs_database: bool = True


def database() -> list[str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        plan = MigrationExecutor(connection).migration_plan(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    except DatabaseError as error:
        return [f"The database cannot be reached ({type(error).__name__}): check DATABASE_URL."]
    if plan:
        return [f"{len(plan)} database migrations are not applied: run `claywork migrate`."]
    return []


def field_keys() -> list[str]:
    try:
        ring = keyring()
    except crypto.KeyRingError as error:
        return [f"CLAYWORK_FIELD_KEYS is unusable ({error}): no patient text can be opened."]
    problems = []
    used = set(PatientDataKey.objects.values_list("kek_id", flat=True).distinct())
    for missing in sorted(used - set(ring.keys)):
        problems.append(
            f"Patient data keys are wrapped by key {missing!r}, which is not in "
            "CLAYWORK_FIELD_KEYS: put it back (their text cannot be opened without it)."
        )
    for kek_id in sorted(used & set(ring.keys)):
        row = PatientDataKey.objects.filter(kek_id=kek_id).first()
        if row is None:
            continue
        try:
            crypto.unwrap_data_key(
                bytes(row.wrapped_key), kek=ring.get(kek_id), kek_id=kek_id, owner_id=row.owner_id
            )
        except crypto.VaultError:
            problems.append(
                f"Key {kek_id!r} in CLAYWORK_FIELD_KEYS does not open the data keys it wrapped: "
                "it is the wrong key for this database."
            )
    return problems


def email(send_to: str | None) -> Callable[[], list[str]]:
    def check() -> list[str]:
        backend = settings.EMAIL_BACKEND.rsplit(".", 1)[0]
        if backend.endswith(("console", "dummy", "locmem")) and not settings.TESTING:
            return [
                f"EMAIL_URL uses {backend.rsplit('.', 1)[-1]}: alert e-mails are not sent to "
                "anyone. Set EMAIL_URL to your mail server (smtp://...)."
            ]
        bound, lease = send_bound_seconds(), settings.CLAYWORK_ALERT_LEASE_SECONDS
        if lease <= bound:
            return [
                f"CLAYWORK_ALERT_LEASE_SECONDS ({lease}) must be "
                f"above the longest a message may take ({bound:g} s, three times EMAIL_URL's "
                "timeout), or a slow mail server could be sent the same message twice."
            ]
        try:
            if send_to:
                EmailMessage(
                    subject="Claywork: test message from `claywork doctor`",
                    body="Claywork can send e-mail from this server. Nothing else to do.\n",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[send_to],
                ).send()
            else:
                mail = get_connection(fail_silently=False)
                mail.open()
                mail.close()
        except Exception as error:  # any failure of the mail system is the finding
            return [f"E-mail cannot be sent ({type(error).__name__}: {error}): check EMAIL_URL."]
        return []

    return check


def worker() -> list[str]:
    status = worker_status()
    if status.state == OK:
        return []
    if status.age_seconds is None:
        return ["No worker has ever swept the alert outbox: start `claywork worker`."]
    return [
        f"No worker has swept the alert outbox for {status.age_seconds // 60} minutes "
        f"({status.state}): alert e-mails are waiting. Start or restart `claywork worker`."
    ]


def alerts() -> list[str]:
    return [
        f"Undeliverable alert {alert.pk} (clinic {alert.patient.clinic}, patient id "
        f"{alert.patient_id}) has reached nobody since {alert.undeliverable_since:%Y-%m-%d %H:%M}"
        " UTC: a clinic admin should assign a care team or name an on-call list."
        for alert in undeliverable_alerts()
    ]


def reminders() -> list[str]:
    """Reminders the outbox gave up on after every attempt failed (the patient sees it on
    their notifications page). The error's kind only: its text may hold an address."""
    since = timezone.now() - timedelta(days=7)
    failed = Reminder.objects.filter(state="failed", next_attempt_at__gte=since)
    count = failed.count()
    if not count:
        return []
    newest = failed.order_by("-next_attempt_at").values_list("last_error", flat=True).first()
    kind = (newest or "unknown error").split(":", 1)[0]
    return [
        f"{count} reminder(s) could not be e-mailed in the last 7 days after every attempt "
        f"failed (newest: {kind}); patients see it on their notifications page. Check EMAIL_URL "
        "and the mail server's log."
    ]


def static_files() -> list[str]:
    if settings.DEBUG or settings.TESTING:
        return []
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return [
            f"Static files are not collected in {settings.STATIC_ROOT}: run "
            "`claywork collectstatic --noinput` (`claywork serve` does it at start)."
        ]
    return []


def time_zone() -> list[str]:
    problems = []
    if not settings.USE_TZ or settings.TIME_ZONE != "UTC":
        problems.append("Claywork must store UTC: USE_TZ must be on and TIME_ZONE 'UTC'.")
    try:
        zoneinfo.ZoneInfo("America/New_York")
    except zoneinfo.ZoneInfoNotFoundError:
        problems.append("No time zone data: install the `tzdata` package.")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT CURRENT_TIMESTAMP")
            (database_now,) = cursor.fetchone()
    except DatabaseError:
        return problems
    if isinstance(database_now, str):  # SQLite answers text, in UTC
        database_now = datetime.fromisoformat(database_now).replace(tzinfo=UTC)
    if abs(database_now - timezone.now()) > CLOCK_SKEW:
        problems.append(
            "This server's clock and the database's differ by more than a minute: "
            "reminders and escalation would run at the wrong time. Check NTP on both."
        )
    return problems


def checks(send_to: str | None = None) -> list[Check]:
    return [
        Check("database", database),
        Check("field keys", field_keys),
        Check("e-mail", email(send_to)),
        Check("worker", worker),
        Check("alerts", alerts),
        Check("reminders", reminders),
        Check("static files", static_files, needs_database=False),
        Check("time zone", time_zone),
    ]


def diagnose(
    send_to: str | None = None, only: set[str] | None = None
) -> list[tuple[str, list[str]]]:
    """Every check's findings (or those named in ``only``), in order. Without a database, the
    checks that need one are skipped (the database check already says why)."""
    results: list[tuple[str, list[str]]] = []
    database_ok = True
    chosen = [check for check in checks(send_to) if only is None or check.name in only]
    unknown = (only or set()) - {check.name for check in checks(send_to)}
    if unknown:
        return [("doctor", [f"No such check: {', '.join(sorted(unknown))}."])]
    for check in chosen:
        if check.needs_database and not database_ok and check.name != "database":
            continue
        found = check.run()
        if check.name == "database" and found:
            database_ok = "migrations" in found[0]
        results.append((check.name, found))
    return results
