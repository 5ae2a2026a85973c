"""How fast the worker's sweep dispatches a day's due reminders for 10,000 patients.

    .venv/bin/python bench/reminders.py [--database sqlite|postgres|both] [--patients 10000]
        [--sqlite-workers 1] [--postgres-workers 2]

The worst case of a day: every patient's daily check-in falls due at the same instant (a
clinic in one zone, everyone choosing 20:00), or a worker comes back after being stopped. The
bench writes one due ``check_in`` reminder per patient, then starts the worker processes at
once; each runs ``reminders.delivery.reminders_send_due`` (the sweep's reminder step: claim
with a conditional UPDATE and a lease, send guard, in-app notification, e-mail, mark sent)
until nothing is left. E-mail goes to Django's in-memory backend, so the figures are the
database and Claywork's own work, not an SMTP server's. Reported: reminders per second (wall
clock, first start to last exit), lateness (``sent_at - due_at``) p50/p95/max, and that every
reminder was sent exactly once. Databases are the bench's own (SQLite under ./var/bench/,
PostgreSQL ``claywork_bench_reminders``), rebuilt on every run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.journal_pages import (  # noqa: E402
    VAR_DIR,
    configure_django,
    ensure_database,
    recreate_database,
)

SQLITE_PATH = VAR_DIR / "reminders.sqlite3"
PG_NAME = "claywork_bench_reminders"
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles", "UTC"]


def _setup(database: str) -> None:
    configure_django(database, sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def seed(database: str, patients: int) -> None:
    ensure_database(database, pg_name=PG_NAME)
    _setup(database)
    recreate_database(database, sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from claywork.accounts.models import Role, User
    from claywork.clinics.models import Clinic
    from claywork.reminders.models import Kind, Reminder

    clinic = Clinic.objects.create(name="Bench Clinic", slug="bench-reminders", timezone="UTC")
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=f"bench-{n}@example.test",
                full_name=f"Bench Patient {n}",
                role=Role.PATIENT,
                clinic=clinic,
                timezone=ZONES[n % len(ZONES)],
                password=password,
            )
            for n in range(patients)
        ],
        batch_size=1000,
    )
    # Due a moment after the senders start, so lateness counts from a due time, not a backlog
    # older than the run.
    due = timezone.now() + timedelta(seconds=3)
    Reminder.objects.bulk_create(
        [
            Reminder(
                patient_id=pk,
                kind=Kind.CHECK_IN,
                due_at=due,
                next_attempt_at=due,
                useful_until=due + timedelta(hours=4),
            )
            for pk in User.objects.filter(clinic=clinic).values_list("pk", flat=True)
        ],
        batch_size=1000,
    )


def send(database: str) -> None:
    """One worker process: wait for the due time, then sweep until nothing is left."""
    _setup(database)
    from django.utils import timezone

    from claywork.reminders.delivery import reminders_send_due
    from claywork.reminders.models import Reminder

    due = Reminder.objects.order_by("due_at").values_list("due_at", flat=True).first()
    assert due is not None
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()))
    sent = 0
    while True:
        batch = reminders_send_due()
        sent += batch
        if not batch and not Reminder.objects.filter(state__in=["pending", "sending"]).exists():
            break
        if not batch:
            time.sleep(0.05)  # another worker holds the rest
    print(sent)


def report(database: str, counts: list[int]) -> dict[str, float]:
    """Read the outcome back (in a process of its own: Django is set up once per process)."""
    _setup(database)
    from django.db.models import Count

    from claywork.reminders.models import Notification, Reminder

    rows = list(Reminder.objects.values_list("due_at", "sent_at", "state", "attempts"))
    lateness = sorted((sent - due).total_seconds() for due, sent, _, _ in rows if sent)
    duplicates = (
        Notification.objects.values("reminder").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    assert all(state == "sent" and attempts == 1 for _, _, state, attempts in rows), "not once"
    assert sum(counts) == len(rows) and duplicates == 0, (counts, len(rows))
    assert Notification.objects.count() == len(rows)
    # The senders slept until the due time (about 3 s after seeding); count from it.
    first_due = min(due for due, _, _, _ in rows)
    last_sent = max(sent for _, sent, _, _ in rows if sent)
    return {
        "reminders": float(len(rows)),
        "per_second": len(rows) / (last_sent - first_due).total_seconds(),
        "p50": statistics.median(lateness),
        "p95": lateness[int(0.95 * (len(lateness) - 1))],
        "max": lateness[-1],
    }


def measure(database: str, patients: int, workers: int) -> dict[str, float]:
    python = sys.executable
    script = str(Path(__file__).resolve())
    subprocess.run([python, script, "--seed", database, "--patients", str(patients)], check=True)  # noqa: S603
    processes = [
        subprocess.Popen([python, script, "--send", database], stdout=subprocess.PIPE)  # noqa: S603
        for _ in range(workers)
    ]
    counts = [int(process.communicate()[0].decode().split()[-1]) for process in processes]
    result = subprocess.run(  # noqa: S603
        [python, script, "--report", database, "--counts", ",".join(map(str, counts))],
        check=True,
        capture_output=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.decode().splitlines()[-1])
    assert figures["reminders"] == patients
    return figures | {"per_worker": min(counts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--sqlite-workers", type=int, default=1)
    parser.add_argument("--postgres-workers", type=int, default=2)
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    parser.add_argument("--send", help=argparse.SUPPRESS)
    parser.add_argument("--report", help=argparse.SUPPRESS)
    parser.add_argument("--counts", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed, args.patients)
        return
    if args.send:
        send(args.send)
        return
    if args.report:
        print(json.dumps(report(args.report, [int(n) for n in args.counts.split(",")])))
        return
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    print(f"# {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(
        "| database | workers | reminders | reminders/s | lateness p50 s | p95 s | max s "
        "| fewest sent by one worker |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for database in databases:
        workers = args.sqlite_workers if database == "sqlite" else args.postgres_workers
        result = measure(database, args.patients, workers)
        print(
            f"| {database} | {workers} | {int(result['reminders'])} | "
            f"{result['per_second']:.0f} | {result['p50']:.1f} | {result['p95']:.1f} | "
            f"{result['max']:.1f} | {int(result['per_worker'])} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
