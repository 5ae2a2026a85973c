"""The audit trail's speed: the access-log pages over 100,000 events, what recording costs a
clinician's page view, and ``audit-verify`` over the whole chain.

    .venv/bin/python bench/audit_pages.py [--database sqlite|postgres|both]
        [--patients 2000] [--events 100000] [--measured-events 5000] [--caseload 50]
        [--requests 300] [--warmup 20]

Seeding: ``--patients`` patients in one clinic; ``--caseload`` of them have a year of daily
check-ins and weekly PHQ-9 and GAD-7 (the seeding of bench/measures_pages.py) and are on one
clinician's care team. ``--events`` hash-chained audit events over the last year are spread
over all patients, ``--measured-events`` of them about the measured patient, by four
clinicians, a support person and the system (exports). Each database is seeded once into its
own bench database (SQLite ``./var/bench/claywork-audit-bench.sqlite3``, PostgreSQL
``claywork_audit_bench`` on 127.0.0.1:5432) and reused while its marker says it holds the same.

Measuring, in-process with Django's test client:

* "Who has seen my data" as the measured patient (the newest page and an older page by keyset)
  and the clinic admin's log (unfiltered, and filtered to one patient).
* The audit overhead: the clinician's caseload and a caseload patient's progress page with
  recording on and off (off: ``_append`` and ``_append_many`` of ``claywork.audit.services``
  replaced by no-ops, in this process only), in alternating blocks of 20 requests so drift
  in the machine's load hits both.
* ``chain_verify()`` (what ``claywork audit-verify`` runs) over every row, with the peak RSS it
  added.

The database helpers and the figures come from bench/journal_pages.py. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.journal_pages import (  # noqa: E402
    VAR_DIR,
    PageFigures,
    configure_django,
    figures,
    peak_rss_mb,
    print_table,
    seed_and_measure_in_children,
    seed_once,
    server_version,
    timed_visitor,
)

SQLITE_PATH = VAR_DIR / "claywork-audit-bench.sqlite3"
PG_NAME = "claywork_audit_bench"
DATABASE = {"sqlite_path": SQLITE_PATH, "pg_name": PG_NAME}
MARKER_SLUG = "claywork-audit-bench"
CLINICIAN_EMAIL = "bench-audit-clinician@bench.example"
ADMIN_EMAIL = "bench-audit-admin@bench.example"
SEED_VERSION = 3
SEED = 20_261_121
DAYS = 365
BLOCK = 20
RESOURCES = [
    "measures.progress",
    "measures.caseload",
    "care.session",
    "care.record",
    "crisis.safety_plan",
    "safety.alert",
    "journal.entry",
]


def marker_label(patients: int, events: int, measured: int, caseload: int) -> str:
    return (
        f"audit bench v{SEED_VERSION}: {patients} patients, {events} events "
        f"({measured} about one), caseload {caseload}, seed {SEED}"
    )


def is_seeded(patients: int, events: int, measured: int, caseload: int) -> bool:
    from claywork.clinics.models import Clinic

    label = marker_label(patients, events, measured, caseload)
    return Clinic.objects.filter(slug=MARKER_SLUG, name=label).exists()


# --- Seeding --------------------------------------------------------------------------------


def seed(database: str, patients: int, events: int, measured: int, caseload: int) -> None:
    seed_once(
        database,
        label=marker_label(patients, events, measured, caseload),
        seeded=lambda: is_seeded(patients, events, measured, caseload),
        seed_rows=lambda: seed_audit(patients, events, measured, caseload),
        **DATABASE,
    )


def seed_audit(patients: int, events: int, measured: int, caseload: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.measures_pages import seed_patient
    from claywork.accounts.models import ClinicianKind, Role, User
    from claywork.care.models import CareRole, CareTeamMembership
    from claywork.clinics.models import Clinic

    rng = random.Random(SEED)
    now = timezone.now()
    clinic = Clinic.objects.create(name="seeding", slug=MARKER_SLUG, timezone="America/New_York")

    def person(email: str, name: str, role: str, **extra: Any) -> User:
        return User.objects.create(
            email=email,
            full_name=name,
            role=role,
            clinic=clinic,
            timezone="America/New_York",
            password=make_password(None),
            **extra,
        )

    people = User.objects.bulk_create(
        User(
            email=f"bench-patient-{number}@bench.example",
            full_name=f"Bench Patient {number:04}",
            role=Role.PATIENT,
            clinic=clinic,
            timezone="America/New_York",
            password=make_password(None),
        )
        for number in range(patients)
    )
    clinician = person(CLINICIAN_EMAIL, "Bench Clinician", Role.CLINICIAN, clinician_kind="guide")
    others = [
        person(
            f"bench-clinician-{n}@bench.example",
            f"Clinician {n}",
            Role.CLINICIAN,
            clinician_kind=ClinicianKind.INTEGRATION_THERAPIST,
        )
        for n in range(3)
    ]
    person(ADMIN_EMAIL, "Bench Admin", Role.CLINIC_ADMIN)
    support = User.objects.create(
        email="bench-support@bench.example",
        full_name="Bench Support",
        role=Role.SUPPORT,
        timezone="America/New_York",
        password=make_password(None),
    )
    on_caseload = people[:caseload]
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(patient=patient, clinician=clinician, care_role=CareRole.GUIDE)
        for patient in on_caseload
    )
    for patient in on_caseload:
        with transaction.atomic():
            seed_patient(patient, days=DAYS, rng=rng, now=now)
    seed_events(
        people, [clinician, *others, support, None], events=events, measured=measured, rng=rng
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    label = marker_label(patients, events, measured, caseload)
    Clinic.objects.filter(pk=clinic.pk).update(name=label)


def seed_events(
    people: list[Any], actors: list[Any], *, events: int, measured: int, rng: random.Random
) -> None:
    """Hash-chained rows, as ``audit_record`` writes them, in bulk; oldest first."""
    from django.db import transaction
    from django.utils import timezone

    from claywork.audit.chain import GENESIS_HASH, row_digest
    from claywork.audit.models import AuditEvent

    now = timezone.now()
    measured_patient = people[0]
    about_measured = set(rng.sample(range(events), measured))
    times = sorted(now - timedelta(seconds=rng.uniform(0, DAYS * 86400)) for _ in range(events))
    prev_hash, batch = GENESIS_HASH, []
    for number, at in enumerate(times):
        actor = rng.choice(actors)
        patient = measured_patient if number in about_measured else rng.choice(people[1:])
        event = AuditEvent(
            occurred_at=at,
            actor=actor,
            actor_role=actor.role if actor is not None else "system",
            patient_id=patient.pk,
            clinic_id=patient.clinic_id,
            action="export" if actor is None else rng.choice(["read", "read", "read", "write"]),
            resource="measures.scores" if actor is None else rng.choice(RESOURCES),
            object_id=str(rng.randint(1, 50_000)),
            ip_address=f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            route="measures:progress",
            prev_hash=prev_hash,
        )
        event.row_hash = prev_hash = row_digest(prev_hash, event.chain_fields())
        batch.append(event)
        if len(batch) == 5000:
            with transaction.atomic():
                AuditEvent.objects.bulk_create(batch, batch_size=1000)
            batch = []
    with transaction.atomic():
        AuditEvent.objects.bulk_create(batch, batch_size=1000)


# --- Measuring ------------------------------------------------------------------------------


def measure(
    database: str,
    requests: int,
    warmup: int,
    patients: int,
    events: int,
    measured: int,
    caseload: int,
) -> dict[str, Any]:
    configure_django(database, **DATABASE)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claywork.accounts.models import User
    from claywork.audit import services as audit_services
    from claywork.audit.models import AuditEvent
    from claywork.audit.verify import chain_verify
    from claywork.core import policy

    if not is_seeded(patients, events, measured, caseload):
        sys.exit(f"[{database}] the bench database is not seeded; run without --phase")
    rng = random.Random(SEED + 1)
    client = Client()
    cookie = settings.SESSION_COOKIE_NAME
    clinician = User.objects.get(email=CLINICIAN_EMAIL)
    admin = User.objects.get(email=ADMIN_EMAIL)
    measured_patient = User.objects.get(email="bench-patient-0@bench.example")
    caseload_ids = list(policy.patients_in_care_of(clinician).values_list("pk", flat=True))
    sign_ins: dict[int, str] = {}
    for person in (clinician, admin, measured_patient):
        client.cookies.clear()
        client.force_login(person)
        sign_ins[person.pk] = client.cookies[cookie].value
    measured_ids = list(
        AuditEvent.objects.filter(patient=measured_patient).values_list("pk", flat=True)
    )
    patient_ids = list(
        User.objects.filter(clinic=admin.clinic, role="patient").values_list("pk", flat=True)
    )

    visit = timed_visitor(client, cookie, sign_ins)

    def run(page: str, person_id: int, url_for: Callable[[], str]) -> PageFigures:
        urls = [url_for() for _ in range(warmup + requests)]
        for url in urls[:warmup]:
            visit(person_id, url)
        timings = [visit(person_id, url) for url in urls[warmup:]]
        counts = []
        for url in urls[:20]:  # counted apart: capturing slows the cursor
            with CaptureQueriesContext(connection) as captured:
                visit(person_id, url)
            counts.append(len(captured.captured_queries))
        return figures(page, timings, counts)

    events_at_start = AuditEvent.objects.count()
    for patient_id in caseload_ids:  # data keys unwrapped, templates compiled
        visit(clinician.pk, f"/patients/{patient_id}/progress/")
    load_before = os.getloadavg()[0]
    log_pages = [
        run(
            f"/privacy/access-log/ (patient with {len(measured_ids)} events)",
            measured_patient.pk,
            lambda: "/privacy/access-log/",
        ),
        run(
            "/privacy/access-log/?before=<random> (an older page)",
            measured_patient.pk,
            lambda: f"/privacy/access-log/?before={rng.choice(measured_ids)}",
        ),
        run("/clinic/access-log/ (clinic admin, all)", admin.pk, lambda: "/clinic/access-log/"),
        run(
            "/clinic/access-log/?patient=<random> (clinic admin)",
            admin.pk,
            lambda: f"/clinic/access-log/?patient={rng.choice(patient_ids)}",
        ),
    ]
    overhead = [
        overhead_of(
            f"/ (caseload of {len(caseload_ids)})",
            lambda: visit(clinician.pk, "/"),
            audit_services,
            requests,
            warmup,
        ),
        overhead_of(
            "/patients/<id>/progress/ (clinician)",
            lambda: visit(clinician.pk, f"/patients/{rng.choice(caseload_ids)}/progress/"),
            audit_services,
            requests,
            warmup,
        ),
    ]
    load_after = os.getloadavg()[0]
    rss_before = peak_rss_mb()
    started, started_cpu = time.perf_counter(), time.process_time()
    report = chain_verify()
    verify_seconds = time.perf_counter() - started
    verify_cpu = time.process_time() - started_cpu
    return {
        "database": database,
        "server_version": server_version(database),
        "pages": [asdict(result) for result in log_pages],
        "overhead": overhead,
        "verify": {
            "rows": report.checked,
            "ok": report.ok,
            "seconds": round(verify_seconds, 2),
            "cpu_seconds": round(verify_cpu, 2),
            "rss_added_mb": round(peak_rss_mb() - rss_before),
        },
        "events_at_start": events_at_start,
        "events_in_table": AuditEvent.objects.count(),
        "peak_rss_mb": round(peak_rss_mb()),
        "load_average": [round(load_before, 2), round(load_after, 2)],
    }


def overhead_of(
    page: str,
    request: Callable[[], tuple[float, float]],
    audit_services: Any,
    requests: int,
    warmup: int,
) -> dict[str, Any]:
    """The same page with recording on and off, in alternating blocks."""
    writers = ("_append", "_append_many")
    real = {name: getattr(audit_services, name) for name in writers}
    timings: dict[bool, list[float]] = {True: [], False: []}

    def block(recording: bool, count: int, keep: bool) -> None:
        for name in writers:
            setattr(audit_services, name, real[name] if recording else (lambda rows: None))
        try:
            for _ in range(count):
                wall, _cpu = request()
                if keep:
                    timings[recording].append(wall * 1000)
        finally:
            for name in writers:
                setattr(audit_services, name, real[name])

    block(True, warmup, keep=False)
    block(False, warmup, keep=False)
    for number in range(0, requests, BLOCK):
        for recording in (True, False) if (number // BLOCK) % 2 else (False, True):
            block(recording, min(BLOCK, requests - number), keep=True)

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(statistics.quantiles(ordered, n=100, method="inclusive")[94], 1),
        }

    on, off = summary(timings[True]), summary(timings[False])
    return {
        "page": page,
        "requests": requests,
        "on": on,
        "off": off,
        "added_p50_percent": round(100 * (on["p50_ms"] - off["p50_ms"]) / off["p50_ms"], 1),
        "added_p95_percent": round(100 * (on["p95_ms"] - off["p95_ms"]) / off["p95_ms"], 1),
    }


def print_results(result: dict[str, Any]) -> None:
    print_table(result)
    print(
        "\n| page (audit on / off) | requests | p50 ms on | p50 ms off | p95 ms on | p95 ms off "
        "| added p50 | added p95 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in result["overhead"]:
        print(
            f"| `{row['page']}` | {row['requests']} each | {row['on']['p50_ms']} "
            f"| {row['off']['p50_ms']} | {row['on']['p95_ms']} | {row['off']['p95_ms']} "
            f"| {row['added_p50_percent']}% | {row['added_p95_percent']}% |"
        )
    verify = result["verify"]
    print(
        f"\naudit-verify: {verify['rows']} rows, {'OK' if verify['ok'] else 'BROKEN'}, "
        f"{verify['seconds']} s ({verify['cpu_seconds']} s CPU), peak RSS "
        f"+{verify['rss_added_mb']} MB; {result['events_at_start']} events in the table at the "
        f"start, {result['events_in_table']} at the end"
    )


# --- Command line ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--measured-events", type=int, default=5000)
    parser.add_argument("--caseload", type=int, default=50)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page")
    parser.add_argument("--phase", choices=["seed", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.caseload > args.patients or args.measured_events > args.events:
        parser.error("--caseload and --measured-events must fit in --patients and --events")
    sizes = (args.patients, args.events, args.measured_events, args.caseload)

    if args.phase == "seed":
        seed(args.database, *sizes)
        return
    if args.phase == "measure":
        result = measure(args.database, args.requests, args.warmup, *sizes)
        args.results.write_text(json.dumps(result, indent=2))
        return

    shared = [
        f"--{name.replace('_', '-')}={getattr(args, name)}"
        for name in ("patients", "events", "measured_events", "caseload")
    ]
    results = seed_and_measure_in_children(__file__, args, shared, results_prefix="results-audit")
    print(
        f"\n{args.events} audit events over {args.patients} patients ({args.measured_events} "
        f"about the measured patient); {args.requests} timed requests per page"
    )
    for result in results:
        print_results(result)


if __name__ == "__main__":
    main()
