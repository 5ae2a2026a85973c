"""What judging "is the effect holding?" costs on the write path and on the pages.

    .venv/bin/python bench/fading_cost.py [--database sqlite|postgres] [--patients 40]
        [--days 90] [--rounds 3] [--seed 7] [--history-days 90 365 730] [--history-repeats 5]
        [--histories-only]

Seeds ``--patients`` patients into a fresh bench database (SQLite
``./var/bench/claywork-fading-bench.sqlite3``, PostgreSQL ``claywork_fading_bench``), each with
the first ``--days`` days of a synthetic patient from bench/effect_cohort.py (check-ins, weekly
PHQ-9s, a course of completed sessions, some relapsing), shifted so the last day is today. The
fading episodes are refreshed once (as the app would have kept them), then, for every patient,
``--rounds`` times each:

* ``evaluate``: ``effect.evaluate`` on inputs already read (the rules alone, no database);
* ``fading_refresh``: the service the saves set off (read the inputs, judge, keep episodes);
* ``check_in_save``: today's check-in saved again through the service, in autocommit as a
  request runs it, so whatever ``transaction.on_commit`` runs is counted: what the patient
  waits for on "save";
* ``scale submit``: a PHQ-9 started and submitted through the services (the same);
* ``progress page``: ``overview.progress_for``, what the progress page computes per request.

Prints the median, p95 and max milliseconds, the CPU milliseconds of this process and the
queries of each. Then, without a
database, ``effect.evaluate`` on longer histories (``--history-days``, default 90, 365 and 730
days: a course of four sessions, then either no session or a booster every 30 days; 85% of
days checked in, a weekly PHQ-9): how the rules' cost grows with a patient's history. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.journal_pages import (  # noqa: E402
    VAR_DIR,
    configure_django,
    ensure_database,
    p95,
    recreate_database,
)

SQLITE_PATH = VAR_DIR / "claywork-fading-bench.sqlite3"
PG_NAME = "claywork_fading_bench"


def _phq9_answers(total: int) -> dict[str, int]:
    answers = {str(n): 0 for n in range(1, 10)}
    for n in range(1, 9):
        answers[str(n)] = min(3, total)
        total -= answers[str(n)]
    return answers


def seed(patients: int, days: int, seed_number: int) -> list[int]:
    """The patients' ids; each patient's last day of data is their today."""
    from django.utils import timezone

    from bench.effect_cohort import patient as sim_patient
    from claywork.measures.models import CheckIn, ResponseStatus, ScaleResponse
    from tests import factories

    clinician = factories.ClinicianFactory()
    ids = []
    for index in range(patients):
        sim = sim_patient(seed_number, index)
        first = sim.check_ins[0][0]
        last = first + timedelta(days=days - 1)
        person = factories.PatientFactory(clinic=clinician.clinic)
        factories.add_to_care_team(person, clinician)
        today = timezone.now().astimezone(person.zone).date()
        shift = today - last

        def noon(day: date, shift: timedelta = shift) -> datetime:
            # 17:00 UTC is noon in New York, the factories' zone.
            return datetime.combine(day + shift, datetime.min.time(), UTC).replace(hour=17)

        course = factories.make_course(person)
        for day in sim.sessions:
            if day <= last:
                factories.make_session(course, status="completed", completed_at=noon(day))
        CheckIn.objects.bulk_create(
            CheckIn(patient=person, day=day + shift, mood=mood)
            for day, mood in sim.check_ins
            if day <= last
        )
        for day, total in sim.phq9:
            if day <= last:
                response = ScaleResponse(
                    patient=person,
                    instrument="phq9",
                    instrument_version="1",
                    status=ResponseStatus.COMPLETE,
                    total=total,
                    completed_at=noon(day),
                    submission_id=uuid.uuid4(),
                )
                response.answers_json = "{}"
                response.save()
        ids.append(person.pk)
    return ids


def _timed(action: Callable[[], Any]) -> tuple[float, float, int]:
    """Wall ms (what the patient waits for), this process's CPU ms (less moved by a busy
    machine; SQLite's work is in it, PostgreSQL's is not) and the queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        action()
        elapsed = (time.perf_counter() - started) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
    return elapsed, cpu_ms, len(queries)


def measure(
    patient_ids: list[int], rounds: int
) -> dict[str, tuple[list[float], list[float], list[int]]]:
    from decimal import Decimal

    from claywork.accounts.models import User
    from claywork.measures import effect, overview, selectors, services
    from claywork.measures.models import CheckIn

    results: dict[str, tuple[list[float], list[float], list[int]]] = {}

    def record(name: str, action: Callable[[], Any]) -> None:
        elapsed, cpu_ms, queries = _timed(action)
        times, cpu_times, counts = results.setdefault(name, ([], [], []))
        times.append(elapsed)
        cpu_times.append(cpu_ms)
        counts.append(queries)

    patients = list(User.objects.filter(pk__in=patient_ids).order_by("pk"))
    for patient in patients:  # the episodes as the app would have kept them
        services.fading_refresh(patient=patient)
    for _ in range(rounds):
        for patient in patients:
            inputs = selectors.effect_inputs(patient_id=patient.pk)
            params = effect.EffectParams.from_settings()
            record("evaluate (rules only)", lambda i=inputs, p=params: effect.evaluate(i, p))
            record("fading_refresh", lambda p=patient: services.fading_refresh(patient=p))
            today = selectors.patient_today(patient)
            stored = CheckIn.objects.filter(patient=patient, day=today).first()
            mood = stored.mood if stored else 5
            values = services.CheckInValues(mood, 3, 5, Decimal("7"))
            record(
                "check_in_save (as the patient waits)",
                lambda p=patient, d=today, v=values: services.check_in_save(
                    patient=p, day=d, values=v
                ),
            )

            def submit(p: User = patient) -> None:
                response = services.response_start(
                    patient=p, instrument_code="gad7", submission_id=uuid.uuid4()
                )
                services.response_submit(
                    response=response, answers={str(n): 1 for n in range(1, 8)}
                )

            record("GAD-7 submit (as the patient waits)", submit)
            record("progress page data", lambda p=patient: overview.progress_for(p))
    return results


def long_history(days: int, seed_number: int, booster_every: int | None) -> Any:
    """A patient with ``days`` days of data: mood about 3 before the course and 7 after it."""
    import random

    from claywork.measures.effect import EffectInputs

    rng = random.Random(f"{seed_number}:{days}:{booster_every}")
    first = date(2025, 1, 6)
    offsets = [14, 17, 20, 23]
    if booster_every:
        offsets += list(range(23 + booster_every, days, booster_every))
    mood = [
        (
            first + timedelta(days=n),
            max(0, min(10, round((3 if n < 14 else 7) + rng.gauss(0, 1.2)))),
        )
        for n in range(days)
        if rng.random() < 0.85
    ]
    phq9 = [
        (first + timedelta(days=n), max(0, min(27, round((16 if n < 14 else 6) + rng.gauss(0, 2)))))
        for n in range(7, days, 7)
    ]
    return EffectInputs(
        phq9=phq9,
        mood=mood,
        sessions=[first + timedelta(days=n) for n in offsets],
        today=first + timedelta(days=days - 1),
    )


def measure_long_histories(history_days: list[int], repeats: int = 5) -> None:
    from claywork.measures import durability, effect, fading

    params = effect.EffectParams()
    print("\neffect.evaluate on longer histories (no database; CPU ms)\n")
    print("| days | boosters | fading p50 ms | durability p50 ms | evaluate p50 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for days in history_days:
        for booster_every in (None, 30):
            parts: dict[str, list[float]] = {"fading": [], "durability": [], "evaluate": []}
            for seed_number in range(repeats):
                inputs = long_history(days, seed_number, booster_every)
                for name, run in (
                    ("fading", lambda i=inputs: fading.episodes(i, params)),
                    ("durability", lambda i=inputs: durability.benefits(i, params)),
                    ("evaluate", lambda i=inputs: effect.evaluate(i, params)),
                ):
                    # CPU time: no database here, and a busy machine (bench/README.md) moves
                    # wall time far more than the rules' own work.
                    started = time.process_time()
                    run()
                    parts[name].append((time.process_time() - started) * 1000)
            boosters = f"every {booster_every} days" if booster_every else "none"
            medians = " | ".join(f"{statistics.median(parts[n]):.1f}" for n in parts)
            print(f"| {days} | {boosters} | {medians} | {max(parts['evaluate']):.1f} |")


def print_table(results: dict[str, tuple[list[float], list[float], list[int]]], label: str) -> None:
    print(f"\n{label}\n")
    print("| step | n | p50 ms | p95 ms | max ms | CPU p50 ms | CPU p95 ms | queries |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (times, cpu_times, counts) in results.items():
        low, high = min(counts), max(counts)
        queries = str(low) if low == high else f"{low}-{high}"
        print(
            f"| {name} | {len(times)} | {statistics.median(times):.1f} | {p95(times)} "
            f"| {max(times):.1f} | {statistics.median(cpu_times):.1f} | {p95(cpu_times)} "
            f"| {queries} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--history-days", type=int, nargs="*", default=[90, 365, 730])
    parser.add_argument("--history-repeats", type=int, default=5)
    parser.add_argument(
        "--histories-only", action="store_true", help="only the longer histories, no database"
    )
    args = parser.parse_args()
    if args.histories_only:
        configure_django(args.database, sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
        measure_long_histories(args.history_days, args.history_repeats)
        return
    ensure_database(args.database, pg_name=PG_NAME)
    configure_django(args.database, sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
    from django.core.management import call_command

    recreate_database(args.database, sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    patient_ids = seed(args.patients, args.days, args.seed)
    print(
        f"[{args.database}] seeded {args.patients} patients x {args.days} days "
        f"in {time.perf_counter() - started:.0f} s"
    )
    results = measure(patient_ids, args.rounds)
    print_table(
        results,
        f"{args.database}: {args.patients} patients x {args.days} days, seed {args.seed}, "
        f"{args.rounds} rounds",
    )
    measure_long_histories(args.history_days, args.history_repeats)


if __name__ == "__main__":
    main()
