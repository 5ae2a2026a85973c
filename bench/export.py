"""How long a patient's "download everything" takes, and how much memory it needs, with a
journal of 5,000 sealed entries (the issue's bad input: streamed, under 30 s, memory stated).

    .venv/bin/python bench/export.py [--database sqlite|postgres|both] [--entries 5000]
        [--runs 3] [--pg-name wt14_bench]

Seeds one patient (entries of ~120 words with tags, a fifth shared with the care team, some
with a comment; a year of check-ins) into its own bench database (SQLite under ./var/bench/,
PostgreSQL ``--pg-name``), then downloads ``/account/data/export.zip`` through Django's test
client as that patient, reading the streamed response piece by piece as a browser would. For
each run it prints the wall time, the time to the first byte, the zip's size, the number of
queries, the peak of Python allocations during the download (tracemalloc) and the process's
peak RSS. Every run starts with an empty key cache.
"""

from __future__ import annotations

import argparse
import io
import random
import subprocess
import sys
import time
import tracemalloc
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.journal_pages import (  # noqa: E402
    VAR_DIR,
    JournalWriter,
    configure_django,
    ensure_database,
    peak_rss_mb,
    recreate_database,
)

SQLITE_PATH = VAR_DIR / "claywork-export-bench.sqlite3"
SEED = 20_261_203
EMAIL = "export.bench@example.test"


def seed(entries: int) -> None:
    from django.utils import timezone

    from claywork.accounts.models import Role, User
    from claywork.care.models import CareTeamMembership, EntryComment
    from claywork.clinics.models import Clinic
    from claywork.journal.models import Entry, Tag
    from claywork.measures.models import CheckIn
    from claywork.sharing.models import Share

    rng = random.Random(SEED)
    writer = JournalWriter(rng)
    clinic = Clinic.objects.create(name="Bench Clinic", slug="bench-export")
    patient = User.objects.create_user(
        email=EMAIL, password="bench", full_name="Bench Patient", role=Role.PATIENT, clinic=clinic
    )
    guide = User.objects.create_user(
        email="guide.bench@example.test",
        password="bench",
        full_name="Bench Guide",
        role=Role.CLINICIAN,
        clinic=clinic,
    )
    CareTeamMembership.objects.create(patient=patient, clinician=guide, care_role="guide")
    tags = [Tag.objects.create(patient=patient, name=name) for name in ("ocean", "family", "work")]
    now = timezone.now()
    for start in range(0, entries, 500):
        batch = []
        for _ in range(start, min(start + 500, entries)):
            entry = Entry(
                patient=patient,
                kind=writer.kind(),
                submission_id=uuid.uuid4(),
            )
            entry.title = writer.title()
            entry.body = writer.body()
            batch.append(entry)
        made = Entry.objects.bulk_create(batch)
        Entry.objects.filter(pk__in=[entry.pk for entry in made]).update(
            created_at=now - timedelta(hours=rng.randint(1, 24 * 700))
        )
        Entry.tags.through.objects.bulk_create(
            [Entry.tags.through(entry_id=e.pk, tag_id=rng.choice(tags).pk) for e in made]
        )
        shared = [entry for entry in made if rng.random() < 0.2]
        shares = [Share(patient=patient, entry=e, care_team=True) for e in shared]
        for share in shares:  # bulk_create skips save(), which derives these keys
            share.item_key, share.audience_key = share.derive_item_key(), "care_team"
        Share.objects.bulk_create(shares)
        comments = []
        for entry in shared[::3]:
            comment = EntryComment(
                entry=entry, patient=patient, author=guide, submission_id=uuid.uuid4()
            )
            comment.text = writer.sentence()
            comments.append(comment)
        EntryComment.objects.bulk_create(comments)
    CheckIn.objects.bulk_create(
        CheckIn(patient=patient, day=(now - timedelta(days=day)).date(), mood=rng.randint(1, 9))
        for day in range(365)
    )


def measure(database: str, entries: int, runs: int, pg_name: str) -> None:
    ensure_database(database, pg_name=pg_name)
    configure_django(database, sqlite_path=SQLITE_PATH, pg_name=pg_name)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claywork.accounts.models import User
    from claywork.journal.models import Entry
    from claywork.vault.services import forget_cached_keys

    call_command("migrate", verbosity=0)
    patient = User.objects.filter(email=EMAIL).first()
    if patient is None or Entry.objects.filter(patient=patient).count() != entries:
        recreate_database(database, sqlite_path=SQLITE_PATH, pg_name=pg_name)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        seed(entries)
        print(f"[{database}] seeded {entries} entries in {time.perf_counter() - started:.0f} s")
        patient = User.objects.get(email=EMAIL)
    client = Client()
    client.force_login(patient)
    print(f"[{database}] {entries} entries; Python {sys.version.split()[0]}")
    print(
        "| run | total s | first byte ms | zip MiB | queries | tracemalloc peak MiB "
        "| peak RSS MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for run in range(1, runs + 1):
        forget_cached_keys()
        tracemalloc.start()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/account/data/export.zip")
            pieces = iter(response.streaming_content)
            first = next(pieces)
            first_byte = time.perf_counter() - started
            size = len(first)
            body = io.BytesIO()
            body.write(first)
            for piece in pieces:
                size += len(piece)
                body.write(piece)
            total = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # The zip is kept only to check it here; a browser writes it to disk as it comes.
        with zipfile.ZipFile(body) as archive:
            assert archive.testzip() is None
        print(
            f"| {run} | {total:.1f} | {first_byte * 1000:.0f} | {size / 2**20:.1f} | "
            f"{len(queries)} | {(peak - body.getbuffer().nbytes) / 2**20:.1f} | "
            f"{peak_rss_mb():.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-name", default="wt14_bench")
    parser.add_argument("--phase", choices=["measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "measure":
        measure(args.database, args.entries, args.runs, args.pg_name)
        return
    for database in ("sqlite", "postgres") if args.database == "both" else (args.database,):
        subprocess.run(  # noqa: S603 - our own script, our own arguments
            [
                sys.executable,
                __file__,
                "--phase=measure",
                f"--database={database}",
                f"--entries={args.entries}",
                f"--runs={args.runs}",
                f"--pg-name={args.pg_name}",
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
