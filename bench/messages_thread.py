"""How fast a message thread of 500 messages answers, for the patient and for their clinician.

    .venv/bin/python bench/messages_thread.py [--database sqlite|postgres|both]
        [--patients 20] [--messages 500] [--requests 300] [--warmup 20]

Seeding: ``--patients`` patients in one clinic, all on one clinician's care team, each with one
thread of ``--messages`` sealed messages (one to five of bench/journal_pages.py's sentences,
the two sides taking turns, one every 20 minutes) and a second, short thread; both sides have
read everything. Each database is seeded once into its own bench database (SQLite
``./var/bench/claywork-messages-bench.sqlite3``, PostgreSQL ``claywork_messages_bench`` on
127.0.0.1:5432) and reused while its marker says it holds the same.

Measuring, in-process with Django's test client (bench/journal_pages.py's helpers): a random
patient opening their long thread (the newest 50 messages with read receipts, office hours,
the reply form), the clinician opening a random patient's long thread (each view also appends
an audit row), the clinician's inbox (every thread of their caseload, unread flags) and the
nav's unread badge. Then the two thread pages again over HTTP through ``claywork serve``
(gunicorn, 2 workers x 4 threads, the real middleware stack) on ``--port``, one request at a
time (``--port 0`` skips it), and, with ``--wrk-connections 1,5``, under `wrk` at each of those
connection counts for ``--wrk-duration`` seconds, one long thread each, beside /healthz at the
same count (the ratio; bench/http_load.py's wrk runner). See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.journal_pages import (  # noqa: E402
    VAR_DIR,
    JournalWriter,
    PageFigures,
    configure_django,
    explicit_timestamps,
    figures,
    peak_rss_mb,
    print_table,
    seed_and_measure_in_children,
    seed_once,
    server_version,
    timed_visitor,
)

SQLITE_PATH = VAR_DIR / "claywork-messages-bench.sqlite3"
# Another name (e.g. one per person sharing a PostgreSQL server) via CLAYWORK_BENCH_PG_NAME.
PG_NAME = os.environ.get("CLAYWORK_BENCH_PG_NAME", "claywork_messages_bench")
DATABASE = {"sqlite_path": SQLITE_PATH, "pg_name": PG_NAME}
MARKER_SLUG = "claywork-messages-bench"
CLINICIAN_EMAIL = "bench-messages-clinician@bench.example"
SEED_VERSION = 2
SEED = 20_261_203


def marker_label(patients: int, messages: int) -> str:
    return f"messages bench v{SEED_VERSION}: {patients} patients x {messages} messages, seed {SEED}"


def is_seeded(patients: int, messages: int) -> bool:
    from claywork.clinics.models import Clinic

    return Clinic.objects.filter(slug=MARKER_SLUG, name=marker_label(patients, messages)).exists()


# --- Seeding --------------------------------------------------------------------------------


def seed(database: str, patients: int, messages: int) -> None:
    seed_once(
        database,
        label=marker_label(patients, messages),
        seeded=lambda: is_seeded(patients, messages),
        seed_rows=lambda: seed_threads(patients, messages),
        **DATABASE,
    )


def seed_threads(patients: int, messages: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from claywork.accounts.models import Role, User
    from claywork.care.models import CareRole, CareTeamMembership
    from claywork.clinics.models import Clinic
    from claywork.messaging import services
    from claywork.messaging.models import ClinicMessaging, Message, ReadMark, Thread

    rng = random.Random(SEED)
    writer = JournalWriter(rng)
    password = make_password(None)
    with transaction.atomic():
        clinic = Clinic.objects.create(
            name="(seeding)", slug=MARKER_SLUG, timezone="America/New_York"
        )
        ClinicMessaging.objects.create(clinic=clinic, office_hours="Monday to Friday, 9:00-17:00")
        clinician = User.objects.create(
            email=CLINICIAN_EMAIL,
            full_name="Bench Clinician",
            role=Role.CLINICIAN,
            clinic=clinic,
            password=password,
        )
    now = timezone.now()
    for number in range(patients):
        patient = User.objects.create(
            email=f"bench-messages-{number}@bench.example",
            full_name=f"Bench Patient {number}",
            role=Role.PATIENT,
            clinic=clinic,
            password=password,
        )
        CareTeamMembership.objects.create(
            patient=patient, clinician=clinician, care_role=CareRole.GUIDE
        )
        for length in (messages, 3):
            thread, _ = services.thread_start(
                patient=patient,
                author=patient,
                subject=f"Thread of {length}",
                body=writer.body(),
                submission_id=uuid.uuid4(),
            )
            started = now - timedelta(minutes=20 * length)
            rows = []
            for turn in range(1, length):
                from_patient = turn % 2 == 0
                row = Message(
                    thread=thread,
                    patient=patient,
                    author=patient if from_patient else clinician,
                    from_patient=from_patient,
                    submission_id=uuid.uuid4(),
                    created_at=started + timedelta(minutes=20 * turn),
                    updated_at=started + timedelta(minutes=20 * turn),
                )
                row.body = " ".join(writer.sentence() for _ in range(rng.randint(1, 5)))
                rows.append(row)
            with explicit_timestamps(Message, "created_at", "updated_at"):
                Message.objects.bulk_create(rows, batch_size=500)
            newest = thread.messages.order_by("-pk").values_list("pk", flat=True)[0]
            Thread.objects.filter(pk=thread.pk).update(
                last_message_at=thread.messages.order_by("-pk")[0].created_at,
                last_from_patient=thread.messages.filter(from_patient=True).aggregate(
                    newest=Max("pk")
                )["newest"],
                last_from_team=thread.messages.filter(from_patient=False).aggregate(
                    newest=Max("pk")
                )["newest"]
                or 0,
            )
            for reader in (patient, clinician):
                ReadMark.objects.update_or_create(
                    thread=thread, reader=reader, defaults={"read_up_to": newest, "read_at": now}
                )
    Clinic.objects.filter(pk=clinic.pk).update(name=marker_label(patients, messages))


# --- Measuring ------------------------------------------------------------------------------


def _serve(port: int) -> subprocess.Popen[bytes]:
    """``claywork serve`` (gunicorn, 2 workers x 4 threads) on the bench database."""
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "claywork.cli", "serve", f"--port={port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("claywork serve did not start within 60 s")


def through_server(
    plan: list[tuple[int, str]], sign_ins: dict[int, str], cookie: str, warmup: int, port: int
) -> list[tuple[float, float]]:
    """Wall-clock of each request over HTTP to the real server, one at a time (CPU time is the
    server's, not measured here: reported as 0)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings = []
    for number, (person_id, url) in enumerate(plan):
        started = time.perf_counter()
        connection.request("GET", url, headers={"Cookie": f"{cookie}={sign_ins[person_id]}"})
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status} through the server")
        if number >= warmup:
            timings.append((elapsed, 0.0))
    connection.close()
    return timings


def under_wrk(
    pages: list[tuple[str, str, str]], levels: list[int], duration: float, port: int
) -> list[PageFigures]:
    """Each (name, url, cookie) under wrk at each connection count, with /healthz first."""
    from bench.http_load import run_wrk

    base = f"http://127.0.0.1:{port}"
    rows = []
    for level in levels:
        health = run_wrk(f"{base}/healthz", level, duration, None)
        for name, url, cookie in [("/healthz", "/healthz", ""), *pages]:
            run = health if url == "/healthz" else run_wrk(base + url, level, duration, cookie)
            ratio = run["rps"] / health["rps"] if health["rps"] else 0.0
            rows.append(
                PageFigures(
                    page=f"wrk c={level}: {name} ({run['rps']:.1f} req/s, {ratio:.2f} of /healthz)",
                    requests=run["requests"],
                    p50_ms=round(run["p50"], 1),
                    p95_ms=round(run["p95"], 1),
                    max_ms=round(run["p99"], 1),  # p99 (wrk's histogram), in the max column
                    cpu_p95_ms=0.0,
                    queries=str(run["errors"] + run["non2xx"]) + " errors",
                )
            )
    return rows


def measure(
    database: str,
    requests: int,
    warmup: int,
    patients: int,
    messages: int,
    *,
    port: int = 0,
    wrk_levels: list[int] | None = None,
    wrk_duration: float = 3.0,
) -> dict[str, Any]:
    configure_django(database, **DATABASE)
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claywork.accounts.models import User
    from claywork.messaging.models import Thread

    if not is_seeded(patients, messages):
        sys.exit(f"[{database}] the bench database is not seeded; run without --phase")
    rng = random.Random(SEED + 1)
    client = Client()
    cookie = settings.SESSION_COOKIE_NAME
    sign_ins: dict[int, str] = {}
    clinician = User.objects.get(email=CLINICIAN_EMAIL)
    readers = [clinician, *User.objects.filter(clinic=clinician.clinic, role="patient")]
    for person in readers:
        client.cookies.clear()
        client.force_login(person)
        sign_ins[person.pk] = client.cookies[cookie].value
    long_thread = dict(
        Thread.objects.filter(patient__clinic=clinician.clinic)
        .annotate(length=Count("messages"))
        .filter(length=messages)
        .values_list("patient_id", "pk")
    )
    patient_ids = list(long_thread)

    visit = timed_visitor(client, cookie, sign_ins)

    def patient_thread() -> tuple[int, str]:
        patient_id = rng.choice(patient_ids)
        return patient_id, f"/messages/{long_thread[patient_id]}/"

    def clinician_thread() -> tuple[int, str]:
        return clinician.pk, f"/messages/{long_thread[rng.choice(patient_ids)]}/"

    # One visit per reader first: templates compiled, connection open, data keys unwrapped
    # (as in a worker that has been serving for a while).
    for patient_id, thread_id in long_thread.items():
        visit(patient_id, f"/messages/{thread_id}/")
        visit(clinician.pk, f"/messages/{thread_id}/")
    load_before = os.getloadavg()[0]
    results: list[PageFigures] = []
    counted: dict[Any, list[int]] = {}
    for page, pick in (
        (f"/messages/<id>/ ({messages} messages, the patient)", patient_thread),
        (f"/messages/<id>/ ({messages} messages, the clinician)", clinician_thread),
        (
            f"/messages/ (clinician's inbox, {2 * patients} threads)",
            lambda: (clinician.pk, "/messages/"),
        ),
        ("/messages/unread/ (nav badge, clinician)", lambda: (clinician.pk, "/messages/unread/")),
    ):
        plan = [pick() for _ in range(warmup + requests)]
        for person_id, url in plan[:warmup]:
            visit(person_id, url)
        timings = [visit(person_id, url) for person_id, url in plan[warmup:]]
        counts = []
        for person_id, url in plan[:20]:  # counted apart: capturing slows the cursor
            with CaptureQueriesContext(connection) as captured:
                visit(person_id, url)
            counts.append(len(captured.captured_queries))
        counted[pick] = counts
        results.append(figures(page, timings, counts))
    if port:
        server = _serve(port)
        try:
            for page, pick in (
                (f"gunicorn: /messages/<id>/ ({messages} messages, the patient)", patient_thread),
                (
                    f"gunicorn: /messages/<id>/ ({messages} messages, the clinician)",
                    clinician_thread,
                ),
            ):
                plan = [pick() for _ in range(warmup + requests)]
                timed = through_server(plan, sign_ins, cookie, warmup, port)
                # The same views as above: their query counts (not measured over HTTP).
                results.append(figures(page, timed, counted[pick]))
            if wrk_levels:
                patient_id = patient_ids[0]
                thread_url = f"/messages/{long_thread[patient_id]}/"
                pages = [
                    (f"{messages} messages, the patient", thread_url, patient_id),
                    (f"{messages} messages, the clinician", thread_url, clinician.pk),
                ]
                results.extend(
                    under_wrk(
                        [(name, url, f"{cookie}={sign_ins[who]}") for name, url, who in pages],
                        wrk_levels,
                        wrk_duration,
                        port,
                    )
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {
        "database": database,
        "server_version": server_version(database),
        "pages": [result.__dict__ for result in results],
        "peak_rss_mb": round(peak_rss_mb()),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


# --- Command line ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page")
    parser.add_argument(
        "--port", type=int, default=8765, help="also measure through `claywork serve` (0: no)"
    )
    parser.add_argument(
        "--wrk-connections", default="", help="also under wrk at these connection counts: 1,5"
    )
    parser.add_argument("--wrk-duration", type=float, default=3.0)
    parser.add_argument("--phase", choices=["seed", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "seed":
        seed(args.database, args.patients, args.messages)
        return
    if args.phase == "measure":
        result = measure(
            args.database,
            args.requests,
            args.warmup,
            args.patients,
            args.messages,
            port=args.port,
            wrk_levels=[int(level) for level in args.wrk_connections.split(",") if level],
            wrk_duration=args.wrk_duration,
        )
        args.results.write_text(json.dumps(result, indent=2))
        return

    shared = [f"--{name}={getattr(args, name)}" for name in ("patients", "messages", "port")]
    shared += [f"--wrk-connections={args.wrk_connections}", f"--wrk-duration={args.wrk_duration}"]
    results = seed_and_measure_in_children(
        __file__, args, shared, results_prefix="messages-results"
    )
    print(f"\n{args.patients} patients, one thread of {args.messages} messages each")
    for result in results:
        print_table(result)


if __name__ == "__main__":
    main()
