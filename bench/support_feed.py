"""How fast the pages of shared things answer: the support person's feed, the care team's page
of what a patient shares with it, and the patient's sharing page, with 100,000 audit rows.

    .venv/bin/python bench/support_feed.py [--database sqlite|postgres|both]
        [--patients 100] [--entries 300] [--events 100000] [--requests 300] [--warmup 20]

Seeding: ``--patients`` patients in one clinic, all on one clinician's care team, each with a
year of daily check-ins and weekly scales and a course of sessions (the seeding of
bench/measures_pages.py), ``--entries`` sealed journal entries (bench/journal_pages.py's text),
five goals checked off on about half the days of the last month, and two accepted circle
members. Each support person is in two patients' circles (so their feed must pick one). Each
patient shares 60 entries and two goals with their first member, 30 entries with their second,
40 entries and a goal with the care team; the first member also has all three standing
categories (session dates, weekly mood, goals and wins), the care team two. Then ``--events``
hash-chained audit rows (bench/audit_pages.py's seeding) by the clinician, the support people
and the system. Each database is seeded once into its own bench database (SQLite
``./var/bench/claywork-support-bench.sqlite3``, PostgreSQL ``claywork_support_bench`` on
127.0.0.1:5432) and reused while its marker says it holds the same.

Measuring, in-process with Django's test client: each timed request is a random support person
opening one of their two patients' feeds (the 50 newest shared items, the standing categories,
check-in requests and the note form; each view also appends an audit row), the clinician opening
a random patient's shared-with-the-care-team page, and a random patient opening their sharing
page. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
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
    figures,
    peak_rss_mb,
    print_table,
    seed_and_measure_in_children,
    seed_once,
    server_version,
    timed_visitor,
)

SQLITE_PATH = VAR_DIR / "claywork-support-bench.sqlite3"
PG_NAME = "claywork_support_bench"
DATABASE = {"sqlite_path": SQLITE_PATH, "pg_name": PG_NAME}
MARKER_SLUG = "claywork-support-bench"
CLINICIAN_EMAIL = "bench-support-clinician@bench.example"
SEED_VERSION = 1
SEED = 20_261_122
DAYS = 365
# Entries shared with: the first member, the second member, the care team.
SHARED_ENTRIES = (60, 30, 40)


def marker_label(patients: int, entries: int, events: int) -> str:
    return (
        f"support bench v{SEED_VERSION}: {patients} patients x {entries} entries, "
        f"{events} audit events, seed {SEED}"
    )


def is_seeded(patients: int, entries: int, events: int) -> bool:
    from claywork.clinics.models import Clinic

    label = marker_label(patients, entries, events)
    return Clinic.objects.filter(slug=MARKER_SLUG, name=label).exists()


# --- Seeding --------------------------------------------------------------------------------


def seed(database: str, patients: int, entries: int, events: int) -> None:
    seed_once(
        database,
        label=marker_label(patients, entries, events),
        seeded=lambda: is_seeded(patients, entries, events),
        seed_rows=lambda: seed_support(patients, entries, events),
        **DATABASE,
    )


def seed_support(patients: int, entries: int, events: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.audit_pages import seed_events
    from bench.measures_pages import seed_patient
    from claywork.accounts.models import ClinicianKind, Role, User
    from claywork.care.models import CareRole, CareTeamMembership
    from claywork.clinics.models import Clinic

    rng = random.Random(SEED)
    now = timezone.now()
    clinic = Clinic.objects.create(name="seeding", slug=MARKER_SLUG, timezone="America/New_York")
    unusable = make_password(None)
    people = User.objects.bulk_create(
        User(
            email=f"bench-patient-{number}@bench.example",
            full_name=f"Bench Patient {number:04}",
            role=Role.PATIENT,
            clinic=clinic,
            timezone="America/New_York",
            password=unusable,
        )
        for number in range(patients)
    )
    supporters = User.objects.bulk_create(
        User(
            email=f"bench-supporter-{number}@bench.example",
            full_name=f"Bench Supporter {number:04}",
            role=Role.SUPPORT,
            timezone="America/New_York",
            password=unusable,
        )
        for number in range(patients)
    )
    clinician = User.objects.create(
        email=CLINICIAN_EMAIL,
        full_name="Bench Clinician",
        role=Role.CLINICIAN,
        clinician_kind=ClinicianKind.INTEGRATION_THERAPIST,
        clinic=clinic,
        timezone="America/New_York",
        password=unusable,
    )
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(patient=patient, clinician=clinician, care_role=CareRole.GUIDE)
        for patient in people
    )
    writer = JournalWriter(rng)
    for number, patient in enumerate(people):
        # Supporter n is the first member of patient n and the second of patient n + 1.
        members = (supporters[number], supporters[number - 1])
        with transaction.atomic():
            seed_patient(patient, days=DAYS, rng=rng, now=now)
            seed_sharing(patient, members, entries=entries, writer=writer, now=now)
    seed_events(people, [clinician, *supporters[:20], None], events=events, measured=0, rng=rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    Clinic.objects.filter(pk=clinic.pk).update(name=marker_label(patients, entries, events))


def seed_sharing(
    patient: Any, members: tuple[Any, Any], *, entries: int, writer: JournalWriter, now: Any
) -> None:
    from bench.journal_pages import explicit_timestamps
    from claywork.circle.models import CircleMember, MemberStatus
    from claywork.journal.models import Entry
    from claywork.practice.models import Goal, GoalCheck
    from claywork.sharing.models import Category, Share
    from claywork.vault import crypto
    from claywork.vault.services import data_key_for_owner

    rng = writer.rng
    key_id, data_key = data_key_for_owner(owner_id=patient.pk)

    def sealed(text: str, context: str) -> str:
        return crypto.seal(text, data_key=data_key, data_key_id=key_id, context=context)

    created = sorted(now - timedelta(days=rng.uniform(0, DAYS)) for _ in range(entries))
    with explicit_timestamps(Entry, "created_at", "updated_at"):
        journal = Entry.objects.bulk_create(
            (
                Entry(
                    patient=patient,
                    kind=writer.kind(),
                    title_sealed=sealed(writer.title(), Entry.title.context),  # type: ignore[attr-defined]
                    body_sealed=sealed(writer.body(), Entry.body.context),  # type: ignore[attr-defined]
                    submission_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    created_at=at,
                    updated_at=at,
                )
                for at in created
            ),
            batch_size=500,
        )
    goals = []
    for number in range(5):
        goal = Goal(patient=patient, realm="body", submission_id=uuid.uuid4())
        goal.title = f"Small goal {number}: {writer.sentence()[:60]}"
        goals.append(goal)
    goals = Goal.objects.bulk_create(goals)
    today = now.astimezone(patient.zone).date()
    GoalCheck.objects.bulk_create(
        GoalCheck(goal=goal, day=today - timedelta(days=day))
        for goal in goals
        for day in range(30)
        if rng.random() < 0.5
    )
    circle = []
    for member in members:
        row = CircleMember(patient=patient, person=member, status=MemberStatus.ACCEPTED)
        row.address_set(member.email)  # sealed, with its blind index (decision 0016)
        row.full_name = member.full_name
        circle.append(row)
    CircleMember.objects.bulk_create(circle)
    audiences: list[dict[str, Any]] = [
        {"person": members[0]},
        {"person": members[1]},
        {"care_team": True},
    ]
    shares = []
    for audience, count in zip(audiences, SHARED_ENTRIES, strict=True):
        shares += [
            Share(patient=patient, entry=entry, **audience)
            for entry in rng.sample(journal, min(count, len(journal)))
        ]
    shares += [Share(patient=patient, goal=goal, **audiences[0]) for goal in goals[:2]]
    shares.append(Share(patient=patient, goal=goals[2], care_team=True))
    shares += [Share(patient=patient, category=category, **audiences[0]) for category in Category]
    shares += [
        Share(patient=patient, category=category, care_team=True)
        for category in (Category.WEEKLY_MOOD, Category.SESSION_DATES)
    ]
    for share in shares:  # what Share.save() derives; bulk_create does not call it
        share.item_key, share.audience_key = share.derive_item_key(), share.derive_audience_key()
    Share.objects.bulk_create(shares, batch_size=500)


# --- Measuring ------------------------------------------------------------------------------


def measure(
    database: str, requests: int, warmup: int, patients: int, entries: int, events: int
) -> dict[str, Any]:
    configure_django(database, **DATABASE)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claywork.accounts.models import User
    from claywork.audit.models import AuditEvent
    from claywork.circle.models import CircleMember

    if not is_seeded(patients, entries, events):
        sys.exit(f"[{database}] the bench database is not seeded; run without --phase")
    rng = random.Random(SEED + 1)
    client = Client()
    cookie = settings.SESSION_COOKIE_NAME
    sign_ins: dict[int, str] = {}

    def sign_in(person: Any) -> None:
        client.cookies.clear()
        client.force_login(person)
        sign_ins[person.pk] = client.cookies[cookie].value

    clinician = User.objects.get(email=CLINICIAN_EMAIL)
    sign_in(clinician)
    circles: dict[int, list[int]] = {}
    for person_id, patient_id in CircleMember.objects.values_list("person_id", "patient_id"):
        circles.setdefault(person_id, []).append(patient_id)
    for person in User.objects.filter(pk__in=circles):
        sign_in(person)
    patient_ids = list(
        User.objects.filter(clinic=clinician.clinic, role="patient").values_list("pk", flat=True)
    )
    for patient in User.objects.filter(pk__in=patient_ids):
        sign_in(patient)
    supporter_ids = list(circles)

    visit = timed_visitor(client, cookie, sign_ins)

    def feed() -> tuple[int, str]:
        person_id = rng.choice(supporter_ids)
        return person_id, f"/supporting/{rng.choice(circles[person_id])}/"

    def care_team() -> tuple[int, str]:
        return clinician.pk, f"/patients/{rng.choice(patient_ids)}/shared/"

    def sharing_page() -> tuple[int, str]:
        return rng.choice(patient_ids), "/sharing/"

    # One visit per reader first: templates compiled, connection open, data keys unwrapped
    # (as in a worker that has been serving for a while).
    for person_id in supporter_ids:
        visit(person_id, f"/supporting/{circles[person_id][0]}/")
    for patient_id in patient_ids:
        visit(clinician.pk, f"/patients/{patient_id}/shared/")
    audit_rows_before = AuditEvent.objects.count()
    load_before = os.getloadavg()[0]
    results: list[PageFigures] = []
    for page, pick in (
        ("/supporting/<patient>/ (support person's feed)", feed),
        ("/patients/<id>/shared/ (care team's page)", care_team),
        ("/sharing/ (the patient's sharing page)", sharing_page),
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
        results.append(figures(page, timings, counts))
    return {
        "database": database,
        "server_version": server_version(database),
        "audit_rows": audit_rows_before,
        "pages": [result.__dict__ for result in results],
        "peak_rss_mb": round(peak_rss_mb()),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


# --- Command line ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page")
    parser.add_argument("--phase", choices=["seed", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = (args.patients, args.entries, args.events)

    if args.phase == "seed":
        seed(args.database, *sizes)
        return
    if args.phase == "measure":
        result = measure(args.database, args.requests, args.warmup, *sizes)
        args.results.write_text(json.dumps(result, indent=2))
        return

    shared = [f"--{name}={getattr(args, name)}" for name in ("patients", "entries", "events")]
    results = seed_and_measure_in_children(__file__, args, shared, results_prefix="support")
    print(
        f"\n{args.patients} patients x {args.entries} entries, {args.events} audit rows; "
        f"{args.requests} timed requests per page"
    )
    for result in results:
        print(f"({result['audit_rows']} audit rows before the timed requests)")
        print_table(result)


if __name__ == "__main__":
    main()
