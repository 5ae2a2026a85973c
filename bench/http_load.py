"""Pages through the real server (`claywork serve`, gunicorn) under `wrk`, as ratios to /healthz.

    .venv/bin/python bench/http_load.py [--database sqlite|postgres|both] [--quick]
        [--patients 200] [--entries 500] [--days 60] [--caseload 200]
        [--connections 1,5,20] [--duration 4] [--workers 2] [--threads 4]
        [--pages SUBSTRING]

The bench database holds ``--patients`` patients, each with ``--entries`` sealed journal
entries (bench/journal_pages.py's writer) and ``--days`` daily check-ins with weekly PHQ-9 and
GAD-7, sessions and alerts (bench/measures_pages.py's seeding); one clinician has
``--caseload`` of them on their care team. A clinic admin and a support person are added, and
every persona gets a password. It is seeded once (SQLite ``./var/bench/claywork-http-bench
.sqlite3``, PostgreSQL ``claywork_http_bench`` on 127.0.0.1:5432) and reused.

Then ``claywork serve`` starts on a free loopback port, each persona signs in through the
real sign-in form (GET the form, POST the CSRF token, e-mail and password, keep the session
cookie), each page is fetched once to check it answers 200, and `wrk` requests it for
``--duration`` seconds at each of ``--connections``. /healthz (a bare view and one query) is
measured at the same connection count just before, so the ratio holds on a shared, noisy
machine. p50/p95/p99 come from wrk's own latency histogram (a Lua ``done`` hook).

``--quick``: 2-second runs. Needs ``wrk`` (apt-get install wrk). See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.journal_pages import (  # noqa: E402
    BENCH_FIELD_KEYS,
    VAR_DIR,
    database_url,
    seed_once,
)

SQLITE_PATH = VAR_DIR / "claywork-http-bench.sqlite3"
# Another name (e.g. one per person sharing a PostgreSQL server) via CLAYWORK_BENCH_PG_NAME.
PG_NAME = os.environ.get("CLAYWORK_BENCH_PG_NAME", "claywork_http_bench")
DATABASE = {"sqlite_path": SQLITE_PATH, "pg_name": PG_NAME}
SEED_VERSION = 1
PASSWORD = "bench-only-password-7Q!"
CLINICIAN_EMAIL = "bench-clinician@bench.example"
PATIENT_EMAIL = "bench-patient-0@bench.example"
ADMIN_EMAIL = "bench-admin@bench.example"
SUPPORT_EMAIL = "bench-support@bench.example"

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"p50\\": %f, \\"p95\\": %f, \\"p99\\": %f, "
    .. "\\"errors\\": %d, \\"non2xx\\": %d}\\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, summary.errors.status))
end
"""


def marker_label(patients: int, entries: int, days: int, caseload: int) -> str:
    return (
        f"http bench v{SEED_VERSION}: {patients} patients x {entries} entries x {days} days, "
        f"caseload {caseload}"
    )


# --- Seeding (reuses the journal and measures benches' seeding) -----------------------------


def seed(database: str, patients: int, entries: int, days: int, caseload: int) -> None:
    label = marker_label(patients, entries, days, caseload)

    def seeded() -> bool:
        from claywork.clinics.models import Clinic

        return Clinic.objects.filter(name=label).exists()

    def seed_rows() -> None:
        import random

        from django.db import transaction
        from django.utils import timezone

        from bench import journal_pages, measures_pages
        from claywork.accounts.models import User
        from claywork.clinics.models import Clinic
        from claywork.journal.models import Prompt

        measures_pages.seed_measures(patients, caseload, days)
        writer = journal_pages.JournalWriter(random.Random(journal_pages.SEED))
        prompt_ids = list(Prompt.objects.values_list("pk", flat=True))
        now = timezone.now()
        for patient in User.objects.filter(email__startswith="bench-patient-").order_by("pk"):
            with transaction.atomic():
                journal_pages.seed_patient(
                    patient, entries, writer=writer, prompt_ids=prompt_ids, now=now
                )
        add_personas()
        Clinic.objects.filter(slug=measures_pages.MARKER_SLUG).update(name=label)

    seed_once(database, label=label, seeded=seeded, seed_rows=seed_rows, **DATABASE)


def add_personas() -> None:
    """A clinic admin and a support person beside the seeded patients and clinician; every
    persona gets the bench password so it can sign in through the form."""
    from bench import measures_pages
    from claywork.accounts.models import Role, User
    from claywork.clinics.models import Clinic

    clinic = Clinic.objects.get(slug=measures_pages.MARKER_SLUG)
    for email, role, name in [
        (ADMIN_EMAIL, Role.CLINIC_ADMIN, "Bench Admin"),
        (SUPPORT_EMAIL, Role.SUPPORT, "Bench Support"),
    ]:
        User.objects.get_or_create(
            email=email,
            defaults={"role": role, "full_name": name, "clinic": clinic},
        )
    for email in (CLINICIAN_EMAIL, PATIENT_EMAIL, ADMIN_EMAIL, SUPPORT_EMAIL):
        person = User.objects.get(email=email)
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])


def page_plan() -> dict[str, list[tuple[str, str]]]:
    """Every main page of every role: the links of each role's navigation, plus the
    clinician's view of a caseload patient."""
    from django.urls import reverse

    from claywork.accounts.models import User
    from claywork.core import policy

    clinician = User.objects.get(email=CLINICIAN_EMAIL)
    patient = User.objects.get(email=PATIENT_EMAIL)
    in_care = list(policy.patients_in_care_of(clinician).values_list("pk", flat=True)[:1])
    shown = in_care[0] if in_care else patient.pk
    caseload = policy.patients_in_care_of(clinician).count()
    return {
        PATIENT_EMAIL: [
            ("patient home /", reverse("home")),
            ("patient journal", reverse("journal:list")),
            ("patient messages", reverse("messaging:inbox")),
            ("patient check-in", reverse("measures:check_in")),
            ("patient progress", reverse("measures:progress", args=[patient.pk])),
            ("patient plan", reverse("practice:plan")),
            ("patient practices", reverse("practice:practices")),
            ("patient themes", reverse("themes:mine")),
            ("patient reminders", reverse("reminders:notifications")),
            ("patient circle", reverse("circle:home")),
            ("patient more", reverse("more")),
        ],
        CLINICIAN_EMAIL: [
            (f"caseload / ({caseload})", reverse("home")),
            ("clinician alerts", reverse("safety:inbox")),
            ("clinician messages", reverse("messaging:inbox")),
            ("clinician patient page", reverse("chart:patient", args=[shown])),
            ("clinician patient progress", f"/patients/{shown}/progress/"),
        ],
        ADMIN_EMAIL: [
            ("admin people", reverse("clinics:people")),
            ("admin alerts", reverse("safety:inbox")),
            ("admin settings", reverse("clinics:settings")),
            ("admin access log", reverse("audit:clinic_log")),
        ],
        SUPPORT_EMAIL: [
            ("support supporting", reverse("circle:supporting")),
            ("support guide", reverse("circle:guide")),
        ],
    }


def seed_phase(args: argparse.Namespace) -> None:
    seed(args.database, args.patients, args.entries, args.days, args.caseload)
    add_personas()  # cheap; keeps the password right if the seeding predates it
    Path(args.plan_file).write_text(json.dumps(page_plan()))


# --- The server and the load ------------------------------------------------------------------


def server_env(database: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "claywork.settings",
            "DATABASE_URL": database_url(database, **DATABASE),
            "CLAYWORK_DEMO": "1",
            "CLAYWORK_VAR_DIR": str(VAR_DIR),
            "CLAYWORK_FIELD_KEYS": BENCH_FIELD_KEYS,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CLAYWORK_LOG_LEVEL": "WARNING",
            # The entry point imports the package the venv was installed from (editable: maybe
            # another checkout); this checkout first, so the server runs the code measured.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    database: str, port: int, workers: int, threads: int, extra: list[str] | None = None
) -> subprocess.Popen[bytes]:
    log = open(VAR_DIR / f"http-bench-server-{database}.log", "wb")  # noqa: SIM115
    command = [
        str(Path(sys.executable).parent / "claywork"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        *(extra or []),
    ]
    server = subprocess.Popen(  # noqa: S603 - our own command
        command, env=server_env(database, port), stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit("the server did not answer /healthz within 120 s")


def sign_in(base: str, email: str) -> str:
    """Sign in through the form as a browser does; returns the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if token is None:
        sys.exit("no CSRF token on the sign-in form")
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "login": email, "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - http on loopback
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    opener.open(request, timeout=30).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        sys.exit(f"{email} could not sign in through the form")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def check_page(base: str, url: str, cookie: str) -> None:
    request = urllib.request.Request(base + url, headers={"Cookie": cookie})  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request, timeout=60)
        status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        sys.exit(f"{url} answered {status}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Load:
    page: str
    connections: int
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    completed: int = 0
    ratio: float = 0.0


def run_wrk(url: str, connections: int, duration: float, cookie: str | None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    seconds = max(1, round(duration))
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", script.name]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603 - wrk, our arguments
        command + [url], capture_output=True, text=True, check=True
    ).stdout
    os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("JSON "))
    result: dict[str, Any] = json.loads(line[5:])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def measure(args: argparse.Namespace, plan: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(args.database, port, args.workers, args.threads)
    try:
        cookies = {email: sign_in(base, email) for email in plan}
        for email, pages in plan.items():
            for _, url in pages:
                check_page(base, url, cookies[email])
                check_page(base, url, cookies[email])  # templates compiled, keys unwrapped
        load_before = os.getloadavg()[0]
        rows: list[Load] = []
        for connections in args.connection_levels:
            drain(base)
            health = run_wrk(f"{base}/healthz", connections, args.duration, None)
            rows.append(load_row("/healthz", connections, health, health["rps"]))
            for email, pages in plan.items():
                for name, url in pages:
                    wanted = [part for part in args.pages.split(",") if part]
                    if wanted and not any(part in name for part in wanted):
                        continue
                    drain(base)
                    figures = run_wrk(base + url, connections, args.duration, cookies[email])
                    row = load_row(name, connections, figures, health["rps"])
                    rows.append(row)
                    print(
                        f"  {name:32} c={connections:<3} {row.rps:7.1f} req/s "
                        f"ratio {row.ratio:.2f} p95 {row.p95:6.1f} ms",
                        flush=True,
                    )
        return {
            "database": args.database,
            "workers": args.workers,
            "threads": args.threads,
            "duration_s": args.duration,
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cpus": os.cpu_count(),
            "rows": [asdict(row) for row in rows],
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def drain(base: str) -> None:
    """wrk stops after its duration, but the server still works through the requests it had
    read; wait until a few /healthz answers come straight back, so the next run starts on an
    idle server."""
    for _ in range(3):
        with urllib.request.urlopen(f"{base}/healthz", timeout=120):  # noqa: S310
            pass
    time.sleep(0.3)


def load_row(name: str, connections: int, figures: dict[str, Any], health_rps: float) -> Load:
    return Load(
        page=name,
        connections=connections,
        rps=round(figures["rps"], 1),
        p50=round(figures["p50"], 1),
        p95=round(figures["p95"], 1),
        p99=round(figures["p99"], 1),
        errors=figures["errors"] + figures["non2xx"],
        completed=figures["requests"],
        ratio=round(figures["rps"] / health_rps, 3) if health_rps else 0.0,
    )


def print_table(result: dict[str, Any]) -> None:
    print(
        f"\n[{result['database']}] {result['date']}, {result['cpus']} CPUs, gunicorn "
        f"{result['workers']} workers x {result['threads']} threads, {result['duration_s']} s "
        f"per run, load average {result['load_average'][0]} -> {result['load_average'][1]}"
    )
    print("| page | conns | req/s | ratio | p50 ms | p95 ms | p99 ms | done | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in sorted(result["rows"], key=lambda row: row["connections"]):
        print(
            f"| {row['page']} | {row['connections']} | {row['rps']:.1f} | {row['ratio']:.2f} "
            f"| {row['p50']:.1f} | {row['p95']:.1f} | {row['p99']:.1f} | {row['completed']} "
            f"| {row['errors']} |"
        )


# --- Command line -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="2-second runs")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--caseload", type=int, default=200)
    parser.add_argument("--connections", default="1,5,20")
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--pages", default="", help="only pages whose name contains one of these (comma-separated)"
    )
    parser.add_argument("--phase", choices=["seed"], help=argparse.SUPPRESS)
    parser.add_argument("--plan-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "seed":
        seed_phase(args)
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    if args.quick:
        args.duration = 2.0
    args.connection_levels = [int(level) for level in args.connections.split(",")]
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = []
    for database in databases:
        args.database = database
        plan_file = VAR_DIR / f"http-bench-plan-{database}.json"
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Seeding in its own process: this one never imports Django.
        seed_command = [sys.executable, __file__, "--phase", "seed", "--database", database]
        seed_command += ["--plan-file", str(plan_file), "--patients", str(args.patients)]
        seed_command += ["--entries", str(args.entries), "--days", str(args.days)]
        seed_command += ["--caseload", str(args.caseload)]
        subprocess.run(seed_command, check=True)  # noqa: S603 - our own script
        plan = {
            email: [(name, url) for name, url in pages]
            for email, pages in json.loads(plan_file.read_text()).items()
        }
        result = measure(args, plan)
        (VAR_DIR / f"http-bench-{database}.json").write_text(json.dumps(result, indent=2))
        results.append(result)
    for result in results:
        print_table(result)


if __name__ == "__main__":
    main()
