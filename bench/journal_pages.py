"""How fast the journal pages answer with a full journal: 200 patients x 500 sealed entries.

    .venv/bin/python bench/journal_pages.py [--database sqlite|postgres|both]
        [--patients 200] [--entries 500] [--requests 300] [--warmup 20]

Each database is seeded once into its own bench database (SQLite under ./var/bench/,
PostgreSQL ``claywork_bench`` on 127.0.0.1:5432) and reused while its marker says it holds the
same journal. Then the pages are requested in-process with Django's test client, as a randomly
chosen signed-in patient each time, and the latencies and query counts are printed.

Seeding and measuring run in separate child processes, so the peak RSS printed for a database
is that of a process that only served pages. See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var" / "bench"
SQLITE_PATH = VAR_DIR / "claywork-bench.sqlite3"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "claywork_bench"
PG_ADMIN_DATABASE = "test"
# A fixed key-encryption key for the bench only (32 bytes, base64url), so reruns can open the
# journal they seeded earlier.
BENCH_FIELD_KEYS = "bench1:Y2xheXdvcmstYmVuY2gtb25seS1rZWstMzItYnl0ZXM"
MARKER_SLUG = "claywork-bench"
SEED_VERSION = 3
SEED = 20_251_121

# Search terms: HIT_WORD appears in a few percent of entries (so a search reads the whole
# journal and still finds something); MISS_WORD appears nowhere.
HIT_WORD = "lighthouse"
MISS_WORD = "zeppelin"


# --- Realistic journal text -----------------------------------------------------------------


def phrases(text: str) -> list[str]:
    return [phrase.strip() for phrase in text.split(",") if phrase.strip()]


PEOPLE = phrases(
    """
    my mother, my father, my sister, my brother, my partner, my daughter, my son, my grandmother,
    an old friend, my guide, my therapist, my boss
    """
)
PLACES = phrases(
    """
    the kitchen, the garden, the sea, a forest, my childhood bedroom, a train station,
    the mountains, a long corridor, the school yard, a desert, the river, an empty theatre
    """
)
IMAGES = phrases(
    """
    a door left half open, a blue blanket, a spiral of light, falling leaves, a small boat,
    a field of sunflowers, an old piano, a bridge in fog, waves folding over each other, a candle,
    a tangle of roots, a red kite
    """
)
FEELINGS = phrases(
    """
    calm, grief, relief, fear, tenderness, anger, curiosity, shame, joy, restlessness, gratitude,
    numbness, hope, loneliness
    """
)
BODY = phrases(
    """
    my chest, my shoulders, my stomach, my hands, my jaw, my throat
    """
)
SENTENCES = [
    "Today I kept coming back to {image}.",
    "I woke up feeling {feeling} and it stayed with me most of the morning.",
    "In the session I was in {place} again, and {person} was there without saying anything.",
    "There was a tightness in {body} when I thought about {person}.",
    "I noticed {feeling} rising when the music changed, and this time I let it be there.",
    "The image of {image} felt important, though I cannot say why yet.",
    "I talked with {person} for the first time in weeks and it was easier than I expected.",
    "Walking to work I remembered {place} and the smell of it.",
    "My intention was to meet the heaviness with curiosity instead of fear.",
    "Some of it already feels far away, like a dream I am trying to hold on to.",
    "I want to remember that {feeling} is not the same as danger.",
    "Small step for this week: ten minutes of drawing before the kids wake up.",
    "I slept badly, and the old voice that says I am not enough was loud.",
    "It felt like being held by something bigger than me.",
    "I cried in the car afterwards, and it was a good kind of crying.",
    "I am noticing how often I wait for permission before I start anything.",
    "The guide asked what the {image} wanted from me, and I did not have an answer.",
    "Breathing into {body} helped more than I thought it would.",
    "There was no story, only colours and a feeling of {feeling}.",
    "I keep leaving the door half open, in my work and with {person}.",
    "Tonight I felt {feeling} and {feeling2} at the same time, which surprised me.",
    "Three days on, the clearest part is still {image}.",
    "I went for a walk by {place} and tried to stay with what I saw.",
    "Writing this down makes it feel more real and less frightening.",
    "What I want to keep: I am allowed to take up space.",
    "I told {person} a little about the session; they listened without fixing anything.",
    "My mood has been steadier this week, though the evenings are still hard.",
    "I noticed I was holding {body} tight during the meeting and let it go.",
    "Part of me wants everything to change at once; another part wants nothing to change.",
    "I drew {image} from memory and it came out stranger than I saw it.",
    "The heaviness is lighter, not gone.",
    "I want to be more present with {person} in the evenings.",
    "A memory of {place} came back, one I had not thought about in years.",
    "I am grateful, and a little scared of how much I felt.",
    "Tomorrow I will try the breathing practice again before work.",
]
HIT_SENTENCES = [
    f"I keep thinking about the {HIT_WORD} at the end of the pier.",
    f"In my mind there was a {HIT_WORD}, turning slowly, and I was not afraid of the dark.",
]
TITLES = phrases(
    """
    The ocean, After the session, Half-open door, Morning pages, A hard night, Small steps,
    What stayed with me, Grandmother's kitchen, Colours, Day three, A week later,
    Letter to myself, On waiting, Evening walk, Before the next session, The blue blanket,
    Noticing, Things I want to keep, Grief, A better day, Roots, What the music said, Sleep,
    Two weeks on
    """
)
TAG_POOL = phrases(
    """
    ocean, family, grief, drawing, work, sleep, body, music, fear, gratitude, childhood, anger,
    hope, partner, door, breathing, walks, dreams, kids, creativity, shame, calm, courage, light,
    roots
    """
)
KIND_WEIGHTS = {
    "reflection": 50,
    "feeling": 15,
    "insight": 12,
    "symbol": 10,
    "creative": 8,
    "intention_follow_up": 5,
}


class JournalWriter:
    """Varied, plausible journal text from a seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self) -> str:
        rng = self.rng
        if rng.random() < 0.002:
            return rng.choice(HIT_SENTENCES)
        feeling, feeling2 = rng.sample(FEELINGS, 2)
        return rng.choice(SENTENCES).format(
            person=rng.choice(PEOPLE),
            place=rng.choice(PLACES),
            image=rng.choice(IMAGES),
            feeling=feeling,
            feeling2=feeling2,
            body=rng.choice(BODY),
        )

    def body(self) -> str:
        """50 to 400 words, in paragraphs of two to six sentences."""
        target = self.rng.randint(50, 400)
        paragraphs: list[list[str]] = [[]]
        size = self.rng.randint(2, 6)
        words = 0
        while words < target:
            sentence = self.sentence()
            if words + len(sentence.split()) > 400:
                break
            if len(paragraphs[-1]) == size:
                paragraphs.append([])
                size = self.rng.randint(2, 6)
            paragraphs[-1].append(sentence)
            words += len(sentence.split())
        return "\n\n".join(" ".join(paragraph) for paragraph in paragraphs)

    def title(self) -> str:
        return "" if self.rng.random() < 0.1 else self.rng.choice(TITLES)

    def kind(self) -> str:
        return self.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]


# --- Environment and databases --------------------------------------------------------------


def database_url(database: str, *, sqlite_path: Path = SQLITE_PATH, pg_name: str = PG_NAME) -> str:
    if database == "sqlite":
        return f"sqlite:///{sqlite_path}"
    return f"{PG_SERVER}/{pg_name}"


def configure_django(
    database: str, *, sqlite_path: Path = SQLITE_PATH, pg_name: str = PG_NAME
) -> None:
    """Point the real settings at the bench database, then set Django up."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "claywork.settings",
            "DATABASE_URL": database_url(database, sqlite_path=sqlite_path, pg_name=pg_name),
            # The development secret, allowed for a local demonstration; DEBUG stays off so
            # templates, static URLs (a real manifest) and database cursors are as in production.
            "CLAYWORK_DEMO": "1",
            "CLAYWORK_VAR_DIR": str(VAR_DIR),
            "CLAYWORK_FIELD_KEYS": BENCH_FIELD_KEYS,
            "ALLOWED_HOSTS": "testserver",
            "CLAYWORK_LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{PG_ADMIN_DATABASE}", autocommit=True) as admin:
        admin.execute(statement)


def ensure_database(database: str, *, pg_name: str = PG_NAME) -> None:
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/{PG_ADMIN_DATABASE}", autocommit=True) as admin:
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [pg_name]
            ).fetchone()
            if exists is None:
                admin.execute(f'CREATE DATABASE "{pg_name}"')


def recreate_database(
    database: str, *, sqlite_path: Path = SQLITE_PATH, pg_name: str = PG_NAME
) -> None:
    from django.db import connections

    connections.close_all()
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    else:
        _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{pg_name}"')


def marker_label(patients: int, entries: int) -> str:
    return f"bench v{SEED_VERSION}: {patients} patients x {entries} entries, seed {SEED}"


def is_seeded(patients: int, entries: int) -> bool:
    from claywork.clinics.models import Clinic
    from claywork.journal.models import Entry

    marked = Clinic.objects.filter(slug=MARKER_SLUG, name=marker_label(patients, entries))
    return marked.exists() and Entry.objects.count() == patients * entries


def has_rows() -> bool:
    from claywork.accounts.models import User

    return User.objects.exists()


# --- Seeding --------------------------------------------------------------------------------


@contextmanager
def explicit_timestamps(model: Any, *names: str) -> Iterator[None]:
    """Let bulk_create keep the spread-out timestamps a real journal has."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [(field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def seed(database: str, patients: int, entries: int) -> None:
    seed_once(
        database,
        label=marker_label(patients, entries),
        seeded=lambda: is_seeded(patients, entries),
        seed_rows=lambda: seed_journals(patients, entries),
        sqlite_path=SQLITE_PATH,
        pg_name=PG_NAME,
    )


def seed_once(
    database: str,
    *,
    label: str,
    seeded: Callable[[], bool],
    seed_rows: Callable[[], None],
    sqlite_path: Path,
    pg_name: str,
) -> None:
    """Migrate the bench database and seed it unless it already holds this size (``seeded``);
    another size or an interrupted seeding starts from an empty database. Then collect static
    files, so pages link hashed files from the manifest as in production."""
    ensure_database(database, pg_name=pg_name)
    configure_django(database, sqlite_path=sqlite_path, pg_name=pg_name)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if seeded():
        print(f"[{database}] reusing the seeded bench database ({label})")
    else:
        if has_rows():
            recreate_database(database, sqlite_path=sqlite_path, pg_name=pg_name)
            call_command("migrate", verbosity=0)
        started = time.perf_counter()
        seed_rows()
        print(
            f"[{database}] seeded {label} in {time.perf_counter() - started:.0f} s, "
            f"peak RSS {peak_rss_mb():.0f} MB"
        )
    call_command("collectstatic", interactive=False, verbosity=0)


def seed_journals(patients: int, entries: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from claywork.accounts.models import Role, User
    from claywork.clinics.models import Clinic
    from claywork.journal.models import Prompt

    rng = random.Random(SEED)
    writer = JournalWriter(rng)
    now = timezone.now()
    clinic = Clinic.objects.create(name="seeding", slug=MARKER_SLUG, timezone="America/New_York")
    zones = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"]
    people = User.objects.bulk_create(
        User(
            email=f"bench-patient-{number}@bench.example",
            full_name=f"Bench Patient {number}",
            role=Role.PATIENT,
            clinic=clinic,
            timezone=rng.choice(zones),
            password=make_password(None),
        )
        for number in range(patients)
    )
    prompt_ids = list(Prompt.objects.values_list("pk", flat=True))
    for patient in people:
        with transaction.atomic():
            seed_patient(patient, entries, writer=writer, prompt_ids=prompt_ids, now=now)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load anyway; done now so plans are stable.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    Clinic.objects.filter(pk=clinic.pk).update(name=marker_label(patients, entries))


def seed_patient(
    patient: Any, entries: int, *, writer: JournalWriter, prompt_ids: list[int], now: datetime
) -> None:
    from claywork.care.models import Modality, Session, SessionStatus, TreatmentCourse
    from claywork.journal.models import Entry, Tag
    from claywork.vault import crypto
    from claywork.vault.services import data_key_for_owner

    rng = writer.rng
    # The same sealing seal_text does (the patient's data key, AES-256-GCM, the field's
    # context), with the key looked up once per patient instead of twice per entry.
    key_id, data_key = data_key_for_owner(owner_id=patient.pk)
    title_context = Entry.title.context  # type: ignore[attr-defined]
    body_context = Entry.body.context  # type: ignore[attr-defined]

    def sealed(text: str, context: str) -> str:
        if not text:
            return ""
        return crypto.seal(text, data_key=data_key, data_key_id=key_id, context=context)

    journal_days = rng.randint(120, 730)
    course = TreatmentCourse(patient=patient, modality=Modality.IV, planned_sessions=6)
    course.title = "Six IV infusions"  # sealed with the patient's key
    course.save()
    session_times = sorted(
        now - timedelta(days=rng.uniform(1, journal_days)) for _ in range(rng.randint(3, 8))
    )
    sessions = Session.objects.bulk_create(
        Session(
            course=course,
            patient=patient,
            scheduled_at=at - timedelta(hours=2),
            status=SessionStatus.COMPLETED,
            started_at=at - timedelta(hours=2),
            completed_at=at,
        )
        for at in session_times
    )
    tags = Tag.objects.bulk_create(
        Tag.named(patient_id=patient.pk, name=name)
        for name in rng.sample(TAG_POOL, rng.randint(8, 20))
    )
    created = sorted(now - timedelta(days=rng.uniform(0, journal_days)) for _ in range(entries))
    rows: list[Entry] = []
    for at in created:
        earlier = [session for session in sessions if session.completed_at <= at]
        rows.append(
            Entry(
                patient=patient,
                kind=writer.kind(),
                title_sealed=sealed(writer.title(), title_context),
                body_sealed=sealed(writer.body(), body_context),
                session=earlier[-1] if earlier and rng.random() < 0.3 else None,
                prompt_id=rng.choice(prompt_ids) if prompt_ids and rng.random() < 0.15 else None,
                submission_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                created_at=at,
                updated_at=at + timedelta(hours=rng.uniform(1, 48)) if rng.random() < 0.1 else at,
            )
        )
    with explicit_timestamps(Entry, "created_at", "updated_at"):
        saved = Entry.objects.bulk_create(rows, batch_size=500)
    Entry.tags.through.objects.bulk_create(
        Entry.tags.through(entry_id=entry.pk, tag_id=tag.pk)
        for entry in saved
        for tag in rng.sample(tags, rng.choice([0, 0, 1, 1, 2, 3]))
    )


# --- Measuring ------------------------------------------------------------------------------


@dataclass
class PageFigures:
    page: str
    requests: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    cpu_p95_ms: float
    queries: str


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def p95(milliseconds: list[float]) -> float:
    return round(statistics.quantiles(milliseconds, n=100, method="inclusive")[94], 1)


def figures(page: str, timings: list[tuple[float, float]], query_counts: list[int]) -> PageFigures:
    milliseconds = sorted(wall * 1000 for wall, _ in timings)
    low, high = min(query_counts), max(query_counts)
    return PageFigures(
        page=page,
        requests=len(milliseconds),
        p50_ms=round(statistics.median(milliseconds), 1),
        p95_ms=p95(milliseconds),
        max_ms=round(milliseconds[-1], 1),
        cpu_p95_ms=p95([cpu * 1000 for _, cpu in timings]),
        queries=str(low) if low == high else f"{low}-{high}",
    )


def measure(database: str, requests: int, warmup: int, patients: int, entries: int) -> dict:
    configure_django(database)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claywork.accounts.models import User
    from claywork.journal.models import Entry
    from claywork.journal.selectors import PAGE_SIZE

    if not is_seeded(patients, entries):
        sys.exit(f"[{database}] the bench database is not seeded; run without --phase")
    rng = random.Random(SEED + 1)
    client = Client()
    cookie = settings.SESSION_COOKIE_NAME
    sign_ins: dict[int, str] = {}
    for patient in User.objects.filter(clinic__slug=MARKER_SLUG).order_by("pk"):
        client.cookies.clear()
        client.force_login(patient)
        sign_ins[patient.pk] = client.cookies[cookie].value
    patient_ids = list(sign_ins)
    last_page = -(-entries // PAGE_SIZE)

    as_patient = timed_visitor(client, cookie, sign_ins)

    def entry_url(patient_id: int) -> str:
        ids = Entry.objects.filter(patient_id=patient_id).values_list("pk", flat=True)
        return f"/journal/{rng.choice(list(ids))}/"

    pages: dict[str, Callable[[int], str]] = {
        "/journal/": lambda patient_id: "/journal/",
        f"/journal/?page=N (N random 2-{last_page})": (
            lambda patient_id: f"/journal/?page={rng.randint(2, last_page)}"
        ),
        "/journal/<id>/": entry_url,
        f"/journal/?q={HIT_WORD} (a hit in a few % of entries)": (
            lambda patient_id: f"/journal/?q={HIT_WORD}"
        ),
        f"/journal/?q={MISS_WORD} (no hit)": lambda patient_id: f"/journal/?q={MISS_WORD}",
    }
    # One visit per patient first: templates compiled, connection open, every data key
    # unwrapped once (as in a worker that has been serving for a while).
    for patient_id in patient_ids:
        as_patient(patient_id, "/journal/")
    load_before = os.getloadavg()[0]
    results: list[PageFigures] = []
    for page, url_for in pages.items():
        plan = [rng.choice(patient_ids) for _ in range(warmup + requests)]
        urls = [(patient_id, url_for(patient_id)) for patient_id in plan]
        for patient_id, url in urls[:warmup]:
            as_patient(patient_id, url)
        timings = [as_patient(patient_id, url) for patient_id, url in urls[warmup:]]
        query_counts = []
        for patient_id, url in urls[:20]:  # counted apart: capturing slows the cursor
            with CaptureQueriesContext(connection) as captured:
                as_patient(patient_id, url)
            query_counts.append(len(captured.captured_queries))
        results.append(figures(page, timings, query_counts))
    return {
        "database": database,
        "server_version": server_version(database),
        "pages": [asdict(result) for result in results],
        "peak_rss_mb": round(peak_rss_mb()),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def server_version(database: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if database == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def print_table(result: dict) -> None:
    before, after = result["load_average"]
    print(
        f"\n{result['server_version']}: peak RSS {result['peak_rss_mb']} MB, "
        f"1-minute load average {before} before and {after} after the timed requests"
    )
    print("| page | requests | p50 ms | p95 ms | max ms | CPU p95 ms | queries |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in result["pages"]:
        print(
            f"| `{row['page']}` | {row['requests']} | {row['p50_ms']} | {row['p95_ms']} "
            f"| {row['max_ms']} | {row['cpu_p95_ms']} | {row['queries']} |"
        )


# --- Command line ---------------------------------------------------------------------------


def seed_and_measure_in_children(
    script: str, args: argparse.Namespace, shared: list[str], *, results_prefix: str
) -> list[dict[str, Any]]:
    """Run ``script`` once to seed and once to measure, per database, each in a fresh process.

    A fresh process per phase keeps the measured peak RSS that of a process serving pages only.
    """
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = []
    for database in databases:
        results_file = VAR_DIR / f"{results_prefix}-{database}.json"
        results_file.parent.mkdir(parents=True, exist_ok=True)
        base = [sys.executable, script, f"--database={database}", *shared]
        subprocess.run([*base, "--phase=seed"], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [
                *base,
                "--phase=measure",
                f"--requests={args.requests}",
                f"--warmup={args.warmup}",
                f"--results={results_file}",
            ],
            check=True,
        )
        results.append(json.loads(results_file.read_text()))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page")
    parser.add_argument("--phase", choices=["seed", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "seed":
        seed(args.database, args.patients, args.entries)
        return
    if args.phase == "measure":
        result = measure(args.database, args.requests, args.warmup, args.patients, args.entries)
        args.results.write_text(json.dumps(result, indent=2))
        return

    shared = [f"--{name}={getattr(args, name)}" for name in ("patients", "entries")]
    results = seed_and_measure_in_children(__file__, args, shared, results_prefix="results")
    print(f"\n{args.patients} patients x {args.entries} entries; {args.requests} timed requests")
    for result in results:
        print_table(result)


if __name__ == "__main__":
    main()


def timed_visitor(client: Any, cookie: str, sign_ins: dict[int, str]) -> Any:
    """A function (person id, url) -> wall-clock and this process's CPU seconds for one GET
    as that signed-in person; anything but a 200 stops the bench."""

    def visit(person_id: int, url: str) -> tuple[float, float]:
        client.cookies[cookie] = sign_ins[person_id]
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed, elapsed_cpu

    return visit
