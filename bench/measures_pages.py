"""How fast the measures pages answer: 2,000 patients with a year of check-ins and weekly scales.

    .venv/bin/python bench/measures_pages.py [--database sqlite|postgres|both]
        [--patients 2000] [--caseload 200] [--days 365] [--requests 300] [--warmup 20]

Every patient has a daily check-in for ``--days`` days (a sealed note on some), a complete
PHQ-9 and GAD-7 every week (answers sealed with the vault, totals and bands scored by the real
instruments), a course of sessions and a few alerts. One clinician has ``--caseload`` of them
on their care team. Each database is seeded once into its own bench database (SQLite
``./var/bench/claywork-measures-bench.sqlite3``, PostgreSQL ``claywork_measures_bench`` on
127.0.0.1:5432), reused while its marker says it holds the same data, and the pages are then
requested in-process with Django's test client: the clinician's caseload, a caseload patient's
progress page as the clinician, and the patient's own progress page.

The database helpers and the figures come from bench/journal_pages.py. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.journal_pages import (  # noqa: E402
    VAR_DIR,
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

SQLITE_PATH = VAR_DIR / "claywork-measures-bench.sqlite3"
PG_NAME = "claywork_measures_bench"
DATABASE = {"sqlite_path": SQLITE_PATH, "pg_name": PG_NAME}
MARKER_SLUG = "claywork-measures-bench"
CLINICIAN_EMAIL = "bench-clinician@bench.example"
SEED_VERSION = 1
SEED = 20_251_121
ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"]
NOTES = [
    "Slept badly, woke at four.",
    "A good walk by the river.",
    "Felt flat all afternoon.",
    "Talked with my sister, which helped.",
    "Heavy morning, lighter evening.",
    "Tired but calmer than last week.",
    "Could not settle; the old worries were loud.",
    "Drew for twenty minutes before work.",
]


def marker_label(patients: int, caseload: int, days: int) -> str:
    return (
        f"measures bench v{SEED_VERSION}: {patients} patients x {days} days, "
        f"caseload {caseload}, seed {SEED}"
    )


def is_seeded(patients: int, caseload: int, days: int) -> bool:
    from claywork.clinics.models import Clinic
    from claywork.measures.models import CheckIn

    marked = Clinic.objects.filter(slug=MARKER_SLUG, name=marker_label(patients, caseload, days))
    return marked.exists() and CheckIn.objects.count() == patients * days


# --- Seeding --------------------------------------------------------------------------------


def seed(database: str, patients: int, caseload: int, days: int) -> None:
    seed_once(
        database,
        label=marker_label(patients, caseload, days),
        seeded=lambda: is_seeded(patients, caseload, days),
        seed_rows=lambda: seed_measures(patients, caseload, days),
        **DATABASE,
    )


def seed_measures(patients: int, caseload: int, days: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from claywork.accounts.models import ClinicianKind, Role, User
    from claywork.care.models import CareRole, CareTeamMembership
    from claywork.clinics.models import Clinic

    rng = random.Random(SEED)
    now = timezone.now()
    clinic = Clinic.objects.create(name="seeding", slug=MARKER_SLUG, timezone="America/New_York")
    people = User.objects.bulk_create(
        User(
            email=f"bench-patient-{number}@bench.example",
            full_name=f"Bench Patient {number:04}",
            role=Role.PATIENT,
            clinic=clinic,
            timezone=rng.choice(ZONES),
            password=make_password(None),
        )
        for number in range(patients)
    )
    clinician = User.objects.create(
        email=CLINICIAN_EMAIL,
        full_name="Bench Clinician",
        role=Role.CLINICIAN,
        clinician_kind=ClinicianKind.GUIDE,
        clinic=clinic,
        timezone="America/New_York",
        password=make_password(None),
    )
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(patient=patient, clinician=clinician, care_role=CareRole.GUIDE)
        for patient in rng.sample(people, caseload)
    )
    for patient in people:
        with transaction.atomic():
            seed_patient(patient, days=days, rng=rng, now=now)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load anyway; done now so plans are stable.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    Clinic.objects.filter(pk=clinic.pk).update(name=marker_label(patients, caseload, days))


class Course:
    """A plausible year: symptoms fall over a course of six sessions, then creep back up at a
    patient's own pace until a booster session (if any) brings them down again."""

    def __init__(self, rng: random.Random, first_day: date, days: int) -> None:
        self.rng = rng
        start = first_day + timedelta(days=rng.randint(21, max(22, days // 2)))
        self.session_days = [start + timedelta(days=offset) for offset in (0, 3, 7, 10, 14, 17)]
        booster = start + timedelta(days=rng.randint(60, 160))
        if booster < first_day + timedelta(days=days):
            self.session_days.append(booster)
        self.relief = rng.uniform(0.3, 0.85)  # how much of the symptoms a course lifts
        self.fade_per_day = rng.uniform(0.0, 0.012)  # how fast the relief wears off

    def relief_on(self, day: date) -> float:
        """0 (no relief) to ``relief``: ramps up over the sessions, then fades."""
        done = [session for session in self.session_days if session <= day]
        if not done:
            return 0.0
        ramp = min(1.0, len(done) / 4)
        fade = self.fade_per_day * (day - done[-1]).days
        return max(0.0, self.relief * ramp - fade)


def clamp(value: int, low: int, high: int) -> int:
    return min(high, max(low, value))


def weekly_answers(instrument: Any, target: int, rng: random.Random) -> dict[str, int]:
    """Answers adding up to about ``target``; a safety item (PHQ-9 item 9) is rarely above 0."""
    highest = max(option.value for option in instrument.answers)
    answers = {item.link_id: 0 for item in instrument.items}
    open_items = [item.link_id for item in instrument.items if not item.safety_flag]
    for _ in range(clamp(target, 0, highest * len(open_items))):
        link_id = rng.choice([key for key in open_items if answers[key] < highest])
        answers[link_id] += 1
    for item in instrument.items:
        if item.safety_flag and rng.random() < 0.01:
            answers[item.link_id] = 1
    return answers


def seed_patient(patient: Any, *, days: int, rng: random.Random, now: datetime) -> None:
    from claywork.measures import instruments
    from claywork.measures.models import CheckIn, ResponseStatus, ScaleResponse
    from claywork.vault import crypto
    from claywork.vault.services import data_key_for_owner

    # The same sealing seal_text does (the patient's data key, AES-256-GCM, the field's
    # context), with the key looked up once per patient instead of once per value.
    key_id, data_key = data_key_for_owner(owner_id=patient.pk)
    note_context = CheckIn.note.context  # type: ignore[attr-defined]
    answers_context = ScaleResponse.answers_json.context  # type: ignore[attr-defined]

    def sealed(text: str, context: str) -> str:
        return crypto.seal(text, data_key=data_key, data_key_id=key_id, context=context)

    zone = patient.zone
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=days - 1)
    plan = Course(rng, first_day, days)

    def at_local(day: date, hours: float) -> datetime:
        return datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=hours)

    seed_sessions(patient, plan, today=today, at_local=at_local, rng=rng)
    scales = [
        (instruments.get_instrument("phq9"), rng.randint(10, 22)),
        (instruments.get_instrument("gad7"), rng.randint(7, 18)),
    ]
    check_ins: list[CheckIn] = []
    responses: list[ScaleResponse] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        burden = 1 - plan.relief_on(day)
        at = at_local(day, rng.uniform(7, 22))
        check_ins.append(
            CheckIn(
                patient=patient,
                day=day,
                mood=clamp(round(9 - 7 * burden + rng.gauss(0, 1)), 0, 10),
                anxiety=clamp(round(1 + 6 * burden + rng.gauss(0, 1)), 0, 10),
                energy=clamp(round(8 - 5 * burden + rng.gauss(0, 1)), 0, 10),
                sleep_hours=Decimal(clamp(round(rng.gauss(14, 2.4)), 6, 22)) / 2,
                note_sealed=sealed(rng.choice(NOTES), note_context) if rng.random() < 0.15 else "",
                created_at=at,
                updated_at=at,
            )
        )
        if offset % 7:
            continue
        for instrument, baseline in scales:
            answers = weekly_answers(instrument, round(baseline * burden + rng.gauss(0, 1.5)), rng)
            result = instruments.score(instrument, answers)
            completed = at + timedelta(minutes=rng.uniform(1, 30))
            responses.append(
                ScaleResponse(
                    patient=patient,
                    instrument=instrument.code,
                    instrument_version=instrument.version,
                    status=ResponseStatus.COMPLETE,
                    answers_sealed=sealed(json.dumps(answers, sort_keys=True), answers_context),
                    total=result.total,
                    submission_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    started_at=completed - timedelta(minutes=3),
                    completed_at=completed,
                )
            )
            responses[-1].scored_set(band=result.band, flags=result.flags)
    with explicit_timestamps(CheckIn, "created_at", "updated_at"):
        CheckIn.objects.bulk_create(check_ins, batch_size=500)
    with explicit_timestamps(ScaleResponse, "started_at"):
        ScaleResponse.objects.bulk_create(responses, batch_size=500)
    seed_alerts(patient, responses, rng=rng, now=now)


def seed_sessions(
    patient: Any,
    plan: Course,
    *,
    today: date,
    at_local: Callable[[date, float], datetime],
    rng: random.Random,
) -> None:
    from claywork.care.models import Modality, Session, SessionStatus, TreatmentCourse

    course = TreatmentCourse(patient=patient, modality=Modality.IV, planned_sessions=6)
    course.title = "Six IV infusions"  # sealed with the patient's key
    course.save()
    sessions = [
        Session(
            course=course,
            patient=patient,
            scheduled_at=at_local(day, 10),
            status=SessionStatus.COMPLETED,
            started_at=at_local(day, 10),
            completed_at=at_local(day, 12),
        )
        for day in plan.session_days
        if day < today
    ]
    if rng.random() < 0.3:  # the next one is already booked
        next_day = today + timedelta(days=rng.randint(1, 21))
        sessions.append(
            Session(course=course, patient=patient, scheduled_at=at_local(next_day, 10))
        )
    Session.objects.bulk_create(sessions)


def seed_alerts(patient: Any, responses: list[Any], *, rng: random.Random, now: datetime) -> None:
    """An alert for each self-harm answer, a fading alert for some; half acknowledged."""
    from claywork.safety.models import Alert, AlertKind, Severity

    alerts = [
        Alert(
            patient=patient,
            kind=AlertKind.SELF_HARM_ANSWER,
            severity=Severity.HIGH,
            dedupe_key=f"bench-self-harm:{response.submission_id}",
            created_at=response.completed_at,
        )
        for response in responses
        if "self_harm" in response.flags
    ]
    if rng.random() < 0.25:
        alerts.append(
            Alert(
                patient=patient,
                kind=AlertKind.FADING_EFFECT,
                severity=Severity.MEDIUM,
                dedupe_key=f"bench-fading:{patient.pk}",
                created_at=now - timedelta(days=rng.randint(0, 60)),
            )
        )
    for alert in alerts:
        # Titles are sealed with the patient's key (decision 0016): set after the patient.
        fading = alert.kind == AlertKind.FADING_EFFECT
        alert.title = (
            "Effect may be fading" if fading else "PHQ-9: self-harm item answered above zero"
        )
        if rng.random() < 0.5:
            alert.acknowledged_at = now
    with explicit_timestamps(Alert, "created_at"):
        Alert.objects.bulk_create(alerts)


# --- Measuring ------------------------------------------------------------------------------


def measure(
    database: str, requests: int, warmup: int, patients: int, caseload: int, days: int
) -> dict[str, Any]:
    configure_django(database, **DATABASE)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claywork.accounts.models import User
    from claywork.core import policy

    if not is_seeded(patients, caseload, days):
        sys.exit(f"[{database}] the bench database is not seeded; run without --phase")
    rng = random.Random(SEED + 1)
    client = Client()
    cookie = settings.SESSION_COOKIE_NAME
    clinician = User.objects.get(email=CLINICIAN_EMAIL)
    sign_ins: dict[int, str] = {}
    caseload_ids = list(policy.patients_in_care_of(clinician).values_list("pk", flat=True))
    for person in User.objects.filter(pk__in=[clinician.pk, *caseload_ids]):
        client.cookies.clear()
        client.force_login(person)
        sign_ins[person.pk] = client.cookies[cookie].value

    visit = timed_visitor(client, cookie, sign_ins)

    # (page, who asks, URL for a caseload patient)
    pages: list[tuple[str, Callable[[int], int], Callable[[int], str]]] = [
        (
            f"/?sort=name (caseload of {caseload}, by name)",
            lambda _: clinician.pk,
            lambda _: "/?sort=name&show=all",
        ),
        (
            f"/?sort=-status (caseload of {caseload})",
            lambda _: clinician.pk,
            lambda _: "/?sort=-status&show=all",
        ),
        (
            f"/?sort=attention (caseload of {caseload}, needs attention first)",
            lambda _: clinician.pk,
            lambda _: "/?sort=attention&show=all",
        ),
        (
            f"/?show=attention (caseload of {caseload}, only who needs attention)",
            lambda _: clinician.pk,
            lambda _: "/?sort=attention&show=attention",
        ),
        (
            "/patients/<id>/progress/ (clinician)",
            lambda _: clinician.pk,
            lambda patient_id: f"/patients/{patient_id}/progress/",
        ),
        (
            "/patients/<id>/progress/ (the patient)",
            lambda patient_id: patient_id,
            lambda patient_id: f"/patients/{patient_id}/progress/",
        ),
    ]
    # Every data key unwrapped and every template compiled once, as in a worker that has been
    # serving for a while.
    for patient_id in caseload_ids:
        visit(clinician.pk, f"/patients/{patient_id}/progress/")
    load_before = os.getloadavg()[0]
    results: list[PageFigures] = []
    for page, who, url_for in pages:
        plan = [rng.choice(caseload_ids) for _ in range(warmup + requests)]
        visits = [(who(patient_id), url_for(patient_id)) for patient_id in plan]
        for person_id, url in visits[:warmup]:
            visit(person_id, url)
        timings = [visit(person_id, url) for person_id, url in visits[warmup:]]
        query_counts = []
        for person_id, url in visits[:20]:  # counted apart: capturing slows the cursor
            with CaptureQueriesContext(connection) as captured:
                visit(person_id, url)
            query_counts.append(len(captured.captured_queries))
        results.append(figures(page, timings, query_counts))
    return {
        "database": database,
        "server_version": server_version(database),
        "pages": [asdict(result) for result in results],
        "peak_rss_mb": round(peak_rss_mb()),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


# --- Command line ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--caseload", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page")
    parser.add_argument("--phase", choices=["seed", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.caseload > args.patients:
        parser.error("--caseload cannot be larger than --patients")

    if args.phase == "seed":
        seed(args.database, args.patients, args.caseload, args.days)
        return
    if args.phase == "measure":
        result = measure(
            args.database, args.requests, args.warmup, args.patients, args.caseload, args.days
        )
        args.results.write_text(json.dumps(result, indent=2))
        return

    shared = [f"--{name}={getattr(args, name)}" for name in ("patients", "caseload", "days")]
    results = seed_and_measure_in_children(
        __file__, args, shared, results_prefix="results-measures"
    )
    print(
        f"\n{args.patients} patients x {args.days} days of check-ins and weekly PHQ-9 + GAD-7; "
        f"caseload {args.caseload}; {args.requests} timed requests per page"
    )
    for result in results:
        print_table(result)


if __name__ == "__main__":
    main()
