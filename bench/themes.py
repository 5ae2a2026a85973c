"""Themes: quality on the labelled corpus, one patient's 500 entries, and a clinic-wide
recomputation over 100,000 entries.

    .venv/bin/python bench/themes.py quality   # scores: classic, and embeddings if installed
    .venv/bin/python bench/themes.py seeds [--seeds tuning|held-out|1,2,3] [--detail]
    .venv/bin/python bench/themes.py cli [--entries 500] [--runs 10]   # the command, wall clock
    .venv/bin/python bench/themes.py one [--entries 500] [--engine classic|embeddings]
    .venv/bin/python bench/themes.py clinic [--database sqlite|postgres] [--patients 200]
        [--entries 500] [--workers 2]

``one`` times the pipeline alone (cold: first call in a fresh process, imports included; warm:
median of 5 more) and then ``themes_recompute`` against SQLite with the 500 entries sealed in
the database (open every entry, analyse, store, sealed), the path the background task takes.
``clinic`` seeds ``patients x entries`` sealed entries (bulk inserts, 8 completed sessions per
patient), then recomputes every patient's themes in ``workers`` processes, as that many
``claywork worker`` processes would; it reports wall-clock time and each worker's peak memory
(max RSS). Journals come from ``bench/theme_corpus.synthetic_patient``. Databases are the
bench's own (SQLite under ./var/bench/, PostgreSQL ``claywork_bench_themes``), rebuilt each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.journal_pages import (  # noqa: E402
    VAR_DIR,
    configure_django,
    ensure_database,
    explicit_timestamps,
    recreate_database,
)
from bench.theme_corpus import PATIENTS, labelled_patient, synthetic_patient  # noqa: E402

SQLITE_PATH = VAR_DIR / "themes.sqlite3"
PG_NAME = "claywork_bench_themes"
SESSIONS = 8


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _documents(lines: list[dict[str, Any]]) -> list[Any]:
    from claywork.themes.jsonl import documents_from_lines

    return documents_from_lines(json.dumps(line) for line in lines)


# --- Quality --------------------------------------------------------------------------------


def quality(engine: str) -> None:
    from bench.theme_corpus import labels
    from claywork.themes import pipeline
    from claywork.themes.evaluation import score

    known = labels()
    print(f"engine {engine}")
    print(
        "| patient | planted found | recurring themes (planted) | entry recall | entry precision "
        "| one-off events marked recurring | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for seed, name in enumerate(sorted(PATIENTS), start=1):
        lines = labelled_patient(name, seed)
        spec = known["patients"][name]
        started = time.perf_counter()
        result = pipeline.discover_themes(_documents(lines), engine=engine)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        truth = {t: {ln["id"] for ln in lines if t in ln["planted"]} for t in spec["themes"]}
        found = score(
            result.themes,
            planted={t: known["themes"][t] for t in spec["themes"]},
            distractors={d: known["distractors"][d] for d in spec["distractors"]},
            truth=truth,
        )
        print(
            f"| {name} | {found.found}/{found.planted} | {found.recurring} "
            f"({found.recurring_planted}) | {found.entry_recall:.2f} | "
            f"{found.entry_precision:.2f} | {found.distractor_recurring} | {elapsed:.2f} |"
        )


def seeds_quality(seeds: list[int], engine: str, detail: bool) -> None:
    """Planted corpora (``theme_corpus.planted_corpus``): per seed, 3 patients x 40 entries,
    8 planted themes between them, repeated filler lines and one-off events."""
    from bench.theme_corpus import planted_corpus
    from claywork.themes import pipeline
    from claywork.themes.evaluation import fragment_score

    print(f"engine {engine}")
    print(
        "| seed | planted recovered | fragments per planted theme (mean, max) | coverage by "
        "its best theme (mean, min) | planted marked recurring | spurious recurring themes "
        "| themes shown | seconds (3 patients) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    totals: list[Any] = []
    spurious_total = 0
    for seed in seeds:
        corpus = planted_corpus(seed)
        scores, spurious, shown, elapsed = [], 0, 0, 0.0
        for name, lines in corpus["patients"].items():
            started = time.perf_counter()
            result = pipeline.discover_themes(_documents(lines), engine=engine)  # type: ignore[arg-type]
            elapsed += time.perf_counter() - started
            own = sorted({t for line in lines for t in line["planted"]})
            truth = {t: {ln["id"] for ln in lines if t in ln["planted"]} for t in own}
            found = fragment_score(result.themes, truth)
            scores += found.planted
            spurious += found.spurious_recurring
            shown += found.themes
            if detail:
                for theme in result.themes:
                    mark = "R" if theme.recurring else " "
                    print(f"  {name} {mark} {len(theme.document_keys):3d} {theme.label}")
                for planted in found.planted:
                    print(
                        f"  {name} planted {planted.name}: {planted.fragments} fragments, "
                        f"coverage {planted.coverage:.2f} of {planted.entries}"
                    )
        totals += scores
        spurious_total += spurious
        fragments = [s.fragments for s in scores if s.fragments]
        coverage = [s.coverage for s in scores]
        print(
            f"| {seed} | {sum(s.fragments > 0 for s in scores)}/{len(scores)} | "
            f"{statistics.mean(fragments) if fragments else 0:.2f}, {max(fragments, default=0)} | "
            f"{statistics.mean(coverage):.2f}, {min(coverage):.2f} | "
            f"{sum(s.recurring for s in scores)}/{len(scores)} | {spurious} | {shown} | "
            f"{elapsed:.2f} |"
        )
    fragments = [s.fragments for s in totals if s.fragments]
    print(
        f"| all | {sum(s.fragments > 0 for s in totals)}/{len(totals)} | "
        f"{statistics.mean(fragments) if fragments else 0:.2f}, {max(fragments, default=0)} | "
        f"{statistics.mean(s.coverage for s in totals):.2f}, "
        f"{min(s.coverage for s in totals):.2f} | {sum(s.recurring for s in totals)}/"
        f"{len(totals)} | {spurious_total} | | |"
    )


# --- One patient ----------------------------------------------------------------------------


def one_patient(entries: int, engine: str) -> None:
    from claywork.themes import pipeline

    documents = _documents(synthetic_patient(7, entries))
    started = time.perf_counter()
    result = pipeline.discover_themes(documents, engine=engine)  # type: ignore[arg-type]
    cold = time.perf_counter() - started
    warm = []
    for _ in range(5):
        started = time.perf_counter()
        pipeline.discover_themes(documents, engine=engine)  # type: ignore[arg-type]
        warm.append(time.perf_counter() - started)
    print(
        f"pipeline ({engine}), {entries} entries: cold {cold:.2f} s, warm median "
        f"{statistics.median(warm):.2f} s (max {max(warm):.2f}), {len(result.themes)} themes, "
        f"peak RSS {_peak_mib():.0f} MiB"
    )
    from claywork.themes.evaluation import fragment_score

    lines = synthetic_patient(7, entries)
    own = sorted({theme for line in lines for theme in line["planted"]})
    truth = {t: {line["id"] for line in lines if t in line["planted"]} for t in own}
    found = fragment_score(result.themes, truth)
    print(
        "planted themes (fragments, coverage): "
        + ", ".join(f"{p.name} ({p.fragments}, {p.coverage:.2f})" for p in found.planted)
        + f"; spurious recurring {found.spurious_recurring}"
    )


def command_line(entries: int, runs: int) -> None:
    """``claywork themes --file`` on a synthetic journal, each run a fresh process (Python
    start-up and imports included), with the machine's load average before and after."""
    import tempfile

    lines = synthetic_patient(7, entries)
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "journal.jsonl"
        corpus.write_text("".join(json.dumps(line) + "\n" for line in lines))
        claywork = Path(sys.executable).parent / "claywork"
        before = os.getloadavg()
        walls, cpus = [], []
        for _ in range(runs):
            started = time.perf_counter()
            cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(  # noqa: S603
                [str(claywork), "themes", "--file", str(corpus)], check=True, capture_output=True
            )
            cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            walls.append(time.perf_counter() - started)
            cpus.append(
                cpu_after.ru_utime - cpu_before.ru_utime + cpu_after.ru_stime - cpu_before.ru_stime
            )
        after = os.getloadavg()
    print(
        f"claywork themes --file, {entries} entries, {runs} runs: wall median "
        f"{statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}), CPU "
        f"median {statistics.median(cpus):.2f} s; load average (1 min) {before[0]:.1f} before, "
        f"{after[0]:.1f} after"
    )


def one_patient_database(entries: int) -> None:
    """``themes_recompute`` with the entries sealed in SQLite (a process of its own)."""
    ensure_database("sqlite", pg_name=PG_NAME)
    configure_django("sqlite", sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
    recreate_database("sqlite", sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    patient_ids = seed_journals(1, entries)
    from claywork.accounts.models import User
    from claywork.themes.services import themes_recompute
    from claywork.vault.services import forget_cached_keys

    patient = User.objects.get(pk=patient_ids[0])
    timings = []
    for _ in range(3):
        forget_cached_keys()  # the data key is unwrapped again, as in a fresh worker
        started = time.perf_counter()
        snapshot = themes_recompute(patient=patient, engine="classic")
        timings.append(time.perf_counter() - started)
    print(
        f"themes_recompute (SQLite, sealed), {entries} entries: first {timings[0]:.2f} s, "
        f"then {timings[1]:.2f} s and {timings[2]:.2f} s, status {snapshot.status}, "
        f"{snapshot.themes.count()} themes from {snapshot.document_count} documents"
    )


# --- Seeding --------------------------------------------------------------------------------


def seed_journals(patients: int, entries: int) -> list[int]:
    """``patients`` patients, each with a course of 8 completed sessions and ``entries``
    sealed journal entries, written with bulk inserts."""
    from django.contrib.auth.hashers import make_password

    from claywork.accounts.models import Role, User
    from claywork.care.models import Session, SessionStatus, TreatmentCourse
    from claywork.clinics.models import Clinic
    from claywork.journal.models import Entry

    clinic = Clinic.objects.create(name="Bench Clinic", slug="bench-themes", timezone="UTC")
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=f"themes-{n}@example.test",
                full_name=f"Bench Patient {n}",
                role=Role.PATIENT,
                clinic=clinic,
                timezone="UTC",
                password=password,
            )
            for n in range(patients)
        ],
        batch_size=1000,
    )
    ids = list(User.objects.filter(clinic=clinic).order_by("pk").values_list("pk", flat=True))
    TreatmentCourse.objects.bulk_create(
        # No title: it is sealed per patient, and the themes never read it.
        [TreatmentCourse(patient_id=pk, modality="iv") for pk in ids]
    )
    courses = dict(TreatmentCourse.objects.values_list("patient_id", "pk"))
    start = datetime(2025, 1, 6, 15, tzinfo=UTC)
    days_per_session = max(1, entries // 2 // SESSIONS)
    Session.objects.bulk_create(
        [
            Session(
                course_id=courses[pk],
                patient_id=pk,
                scheduled_at=start + timedelta(days=days_per_session * n),
                status=SessionStatus.COMPLETED,
                started_at=start + timedelta(days=days_per_session * n),
                completed_at=start + timedelta(days=days_per_session * n, hours=2),
            )
            for pk in ids
            for n in range(SESSIONS)
        ],
        batch_size=2000,
    )
    sessions: dict[int, list[int]] = {}
    for patient_id, session_id in Session.objects.order_by("scheduled_at").values_list(
        "patient_id", "pk"
    ):
        sessions.setdefault(patient_id, []).append(session_id)
    with explicit_timestamps(Entry, "created_at", "updated_at"):
        for index, pk in enumerate(ids):
            rows = []
            for line in synthetic_patient(index, entries, sessions=SESSIONS):
                written = datetime.fromisoformat(line["date"]).replace(hour=20, tzinfo=UTC)
                entry = Entry(
                    patient_id=pk,
                    kind="reflection",
                    session_id=sessions[pk][int(line["session"][1:]) - 1],
                    submission_id=uuid.uuid4(),
                    created_at=written,
                    updated_at=written,
                )
                entry.title = ""
                entry.body = line["text"]
                rows.append(entry)
            Entry.objects.bulk_create(rows, batch_size=1000)
    return ids


# --- Clinic-wide ----------------------------------------------------------------------------


def clinic_seed(database: str, patients: int, entries: int) -> None:
    ensure_database(database, pg_name=PG_NAME)
    configure_django(database, sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
    recreate_database(database, sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed_journals(patients, entries)
    print(f"seeded {patients} x {entries} entries in {time.perf_counter() - started:.0f} s")


def clinic_worker(database: str, worker: int, workers: int) -> None:
    """Recompute the themes of every ``workers``-th patient; print one JSON line."""
    configure_django(database, sqlite_path=SQLITE_PATH, pg_name=PG_NAME)
    from claywork.accounts.models import Role, User
    from claywork.themes.services import themes_recompute

    patients = User.objects.filter(role=Role.PATIENT).order_by("pk")
    timings = []
    for index, patient in enumerate(patients.iterator()):
        if index % workers != worker:
            continue
        started = time.perf_counter()
        themes_recompute(patient=patient, engine="classic")
        timings.append(time.perf_counter() - started)
    print(json.dumps({"patients": len(timings), "timings": timings, "peak_mib": _peak_mib()}))


def clinic(database: str, patients: int, entries: int, workers: int) -> None:
    python, script = sys.executable, str(Path(__file__).resolve())
    subprocess.run(  # noqa: S603
        [
            python,
            script,
            "clinic-seed",
            "--database",
            database,
            "--patients",
            str(patients),
            "--entries",
            str(entries),
        ],
        check=True,
    )
    started = time.perf_counter()
    processes = [
        subprocess.Popen(  # noqa: S603
            [
                python,
                script,
                "clinic-worker",
                "--database",
                database,
                "--worker",
                str(n),
                "--workers",
                str(workers),
            ],
            stdout=subprocess.PIPE,
        )
        for n in range(workers)
    ]
    results = [json.loads(p.communicate()[0].decode().splitlines()[-1]) for p in processes]
    wall = time.perf_counter() - started
    timings = sorted(t for result in results for t in result["timings"])
    print(
        f"| {database} | {patients * entries:,} | {workers} | {wall:.0f} s | "
        f"{statistics.median(timings):.2f} s | {timings[int(0.95 * (len(timings) - 1))]:.2f} s | "
        f"{timings[-1]:.2f} s | {max(r['peak_mib'] for r in results):.0f} MiB |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "part",
        choices=[
            "quality",
            "seeds",
            "cli",
            "one",
            "one-database",
            "clinic",
            "clinic-seed",
            "clinic-worker",
        ],
    )
    parser.add_argument("--engine", choices=["classic", "embeddings"], default="classic")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker", type=int, default=0)
    parser.add_argument(
        "--seeds",
        default="held-out",
        help="'tuning', 'held-out' (default) or comma-separated seeds, for 'seeds'",
    )
    parser.add_argument("--detail", action="store_true", help="list every theme, for 'seeds'")
    parser.add_argument("--runs", type=int, default=10, help="runs, for 'cli'")
    args = parser.parse_args()
    if args.part == "clinic-seed":
        clinic_seed(args.database, args.patients, args.entries)
        return
    if args.part == "clinic-worker":
        clinic_worker(args.database, args.worker, args.workers)
        return
    print(f"# Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    if args.part == "quality":
        from claywork.themes.pipeline import embeddings_available

        quality("classic")
        if embeddings_available():
            quality("embeddings")
    elif args.part == "seeds":
        from bench.theme_corpus import HELD_OUT_SEEDS, TUNING_SEEDS

        named = {"tuning": list(TUNING_SEEDS), "held-out": list(HELD_OUT_SEEDS)}
        chosen = named.get(args.seeds) or [int(seed) for seed in args.seeds.split(",")]
        seeds_quality(chosen, args.engine, args.detail)
    elif args.part == "cli":
        command_line(args.entries, args.runs)
    elif args.part == "one":
        one_patient(args.entries, args.engine)
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "one-database",
                "--entries",
                str(args.entries),
            ],
            check=True,
        )
    elif args.part == "one-database":
        one_patient_database(args.entries)
    else:
        print(
            "| database | entries | workers | wall clock | per patient p50 | p95 | max "
            "| peak RSS per worker |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        clinic(args.database, args.patients, args.entries, args.workers)


if __name__ == "__main__":
    main()
