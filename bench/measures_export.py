"""How fast a patient's year of scores exports: FHIR R4 Bundle and CSV.

    .venv/bin/python bench/measures_export.py [--database sqlite|postgres|both]
        [--patients 2000] [--exports 50] [--warmup 5]

Each patient has a year of daily check-ins and a PHQ-9 and a GAD-7 every week (52 of each),
as in the measures issue. The database is this bench's own (SQLite under ./var/bench/,
PostgreSQL ``claywork_bench_export``), seeded once and reused while its marker matches.

Each export is of a randomly chosen patient whose data key has not been unwrapped yet (a
download is a rare event, so its key is seldom cached): ``export.fhir_bundle`` plus the JSON
encoding, then both downloads through Django's test client, signed in as the patient. Each
database is measured in a child process of its own (Django is configured once per process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.journal_pages import (  # noqa: E402
    BENCH_FIELD_KEYS,
    PG_ADMIN_DATABASE,
    PG_SERVER,
    VAR_DIR,
    server_version,
)

SQLITE_PATH = VAR_DIR / "measures-export.sqlite3"
PG_NAME = "claywork_bench_export"
MARKER_SLUG = "claywork-bench-export"
SEED_VERSION = 1
SEED = 20_251_121
DAYS = 365
WEEKS = 52


def database_url(database: str) -> str:
    return f"sqlite:///{SQLITE_PATH}" if database == "sqlite" else f"{PG_SERVER}/{PG_NAME}"


def configure_django(database: str) -> None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/{PG_ADMIN_DATABASE}", autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME])
            if found.fetchone() is None:
                admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "claywork.settings",
            "DATABASE_URL": database_url(database),
            "CLAYWORK_DEMO": "1",
            "CLAYWORK_VAR_DIR": str(VAR_DIR),
            "CLAYWORK_FIELD_KEYS": BENCH_FIELD_KEYS,
            "ALLOWED_HOSTS": "testserver",
            "CLAYWORK_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def marker_label(patients: int) -> str:
    return f"bench v{SEED_VERSION}: {patients} patients x {DAYS} days, seed {SEED}"


# --- Seeding --------------------------------------------------------------------------------


def seed(database: str, patients: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from claywork.accounts.models import Role, User
    from claywork.clinics.models import Clinic

    call_command("migrate", verbosity=0)
    if Clinic.objects.filter(slug=MARKER_SLUG, name=marker_label(patients)).exists():
        print(f"reusing the seeded bench database ({marker_label(patients)})")
        return
    if User.objects.exists():
        sys.exit(f"{database_url(database)} holds other data: delete or drop it, then rerun")
    started = time.perf_counter()
    rng = random.Random(SEED)
    clinic = Clinic.objects.create(name="seeding", slug=MARKER_SLUG, timezone="America/New_York")
    people = User.objects.bulk_create(
        User(
            email=f"bench-export-{number}@bench.example",
            full_name=f"Bench Patient {number}",
            role=Role.PATIENT,
            clinic=clinic,
            timezone=rng.choice(["America/New_York", "America/Chicago", "Europe/London"]),
            password="!",  # an unusable password: the bench signs in with force_login
        )
        for number in range(patients)
    )
    today = timezone.now().date()
    for patient in people:
        with transaction.atomic():
            seed_patient(patient, rng, today)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    Clinic.objects.filter(pk=clinic.pk).update(name=marker_label(patients))
    print(f"seeded {patients} patients in {time.perf_counter() - started:.0f} s")


def seed_patient(patient: Any, rng: random.Random, today: Any) -> None:
    from decimal import Decimal

    from claywork.measures import instruments
    from claywork.measures.models import CheckIn, ResponseStatus, ScaleResponse
    from claywork.vault import crypto
    from claywork.vault.services import data_key_for_owner

    key_id, data_key = data_key_for_owner(owner_id=patient.pk)
    note_context = CheckIn.note.context  # type: ignore[attr-defined]
    answers_context = ScaleResponse.answers_json.context  # type: ignore[attr-defined]
    first_day = today - timedelta(days=DAYS - 1)
    CheckIn.objects.bulk_create(
        (
            CheckIn(
                patient=patient,
                day=first_day + timedelta(days=offset),
                mood=rng.randint(2, 9),
                anxiety=rng.randint(1, 8),
                energy=rng.randint(2, 9),
                sleep_hours=Decimal(rng.randint(10, 18)) / 2,
                note_sealed=(
                    crypto.seal(
                        "Slept badly, walked at lunch.",
                        data_key=data_key,
                        data_key_id=key_id,
                        context=note_context,
                    )
                    if rng.random() < 0.1
                    else ""
                ),
            )
            for offset in range(DAYS)
        ),
        batch_size=500,
    )
    rows = []
    for code in ("phq9", "gad7"):
        instrument = instruments.get_instrument(code)
        severity = rng.uniform(0.8, 2.2)
        for week in range(WEEKS):
            severity = min(3.0, max(0.0, severity + rng.uniform(-0.3, 0.25)))
            answers = {
                item.link_id: min(3, max(0, round(rng.gauss(severity, 0.7))))
                for item in instrument.items
            }
            result = instruments.score(instrument, answers)
            moment = datetime.combine(first_day + timedelta(weeks=week), clock(14), patient.zone)
            rows.append(
                ScaleResponse(
                    patient=patient,
                    instrument=code,
                    instrument_version=instrument.version,
                    status=ResponseStatus.COMPLETE,
                    answers_sealed=crypto.seal(
                        json.dumps(answers, sort_keys=True),
                        data_key=data_key,
                        data_key_id=key_id,
                        context=answers_context,
                    ),
                    total=result.total,
                    submission_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    completed_at=moment,
                )
            )
            rows[-1].scored_set(band=result.band, flags=result.flags)
    ScaleResponse.objects.bulk_create(rows, batch_size=500)


# --- Measuring ------------------------------------------------------------------------------


def measure(patients: int, exports: int, warmup: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claywork.accounts.models import User
    from claywork.measures import export
    from claywork.vault.services import forget_cached_keys

    rng = random.Random(SEED + 1)
    people = {p.pk: p for p in User.objects.filter(clinic__slug=MARKER_SLUG)}
    plan = rng.sample(sorted(people), min(len(people), warmup + exports))
    client = Client()
    cookie = settings.SESSION_COOKIE_NAME
    sign_ins: dict[int, str] = {}
    for patient_id in plan:
        client.cookies.clear()
        client.force_login(people[patient_id])
        sign_ins[patient_id] = client.cookies[cookie].value

    def bundle_json(patient_id: int) -> int:
        return len(json.dumps(export.fhir_bundle(people[patient_id]), ensure_ascii=False))

    def download(suffix: str) -> Callable[[int], int]:
        def get(patient_id: int) -> int:
            client.cookies[cookie] = sign_ins[patient_id]
            response = client.get(f"/patients/{patient_id}/scores.{suffix}")
            if response.status_code != 200:
                raise RuntimeError(f"scores.{suffix} answered {response.status_code}")
            return len(response.content)

        return get

    work: dict[str, Callable[[int], int]] = {
        "export.fhir_bundle() + json.dumps": bundle_json,
        "GET /patients/<id>/scores.fhir.json": download("fhir.json"),
        "GET /patients/<id>/scores.csv": download("csv"),
    }
    rows = []
    for name, run in work.items():
        timings, sizes = [], []
        for number, patient_id in enumerate(plan):
            forget_cached_keys()  # the patient's data key is unwrapped as part of the export
            started = time.perf_counter()
            size = run(patient_id)
            if number >= warmup:
                timings.append((time.perf_counter() - started) * 1000)
                sizes.append(size)
        query_counts = []
        for patient_id in plan[:5]:
            forget_cached_keys()
            with CaptureQueriesContext(connection) as captured:
                run(patient_id)
            query_counts.append(len(captured))
        timings.sort()
        rows.append(
            {
                "what": name,
                "exports": len(timings),
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(statistics.quantiles(timings, n=100, method="inclusive")[94], 1),
                "max_ms": round(timings[-1], 1),
                "queries": sorted(set(query_counts)),
                "kib": round(statistics.median(sizes) / 1024),
            }
        )
    sample = export.fhir_bundle(people[plan[0]])
    return {
        "server_version": server_version(connection.vendor.replace("postgresql", "postgres")),
        "entries": len(sample["entry"]),
        "rows": rows,
        "load_average": round(os.getloadavg()[0], 2),
    }


def print_table(result: dict[str, Any], patients: int) -> None:
    print(
        f"\n{result['server_version']}, {patients} patients; one patient's bundle has "
        f"{result['entries']} resources; 1-minute load average {result['load_average']}"
    )
    print("| export | exports | p50 ms | p95 ms | max ms | queries | size KiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in result["rows"]:
        queries = "-".join(str(count) for count in row["queries"])
        print(
            f"| `{row['what']}` | {row['exports']} | {row['p50_ms']} | {row['p95_ms']} "
            f"| {row['max_ms']} | {queries} | {row['kib']} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--exports", type=int, default=50, help="timed exports of each kind")
    parser.add_argument("--warmup", type=int, default=5, help="untimed exports of each kind")
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.results is not None:  # the child process for one database
        configure_django(args.database)
        seed(args.database, args.patients)
        result = measure(args.patients, args.exports, args.warmup)
        args.results.write_text(json.dumps(result, indent=2))
        return
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for database in databases:
        results = VAR_DIR / f"measures-export-{database}.json"
        results.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                __file__,
                f"--database={database}",
                f"--patients={args.patients}",
                f"--exports={args.exports}",
                f"--warmup={args.warmup}",
                f"--results={results}",
            ],
            check=True,
        )
        print_table(json.loads(results.read_text()), args.patients)


if __name__ == "__main__":
    main()
