"""Two web instances and two workers on one PostgreSQL: do they behave as one system?

    .venv/bin/python bench/deploy_two_by_two.py [--pg-url postgres://postgres@127.0.0.1:5432]
        [--alerts 5]

A throwaway installation (PostgreSQL database ``claywork_s16_deploy``, rebuilt each run,
./var/bench/deploy/ as its var directory) runs ``claywork serve`` twice (two ports, one worker
process of two threads each) and ``claywork worker`` twice, with e-mail going to a loopback
SMTP sink (bench/alert_race.py's). Checked and printed:

- a sign-in through the form on instance A is valid on instance B (and the reverse);
- each instance has its own gunicorn control socket, and both are there while both run;
- failed sign-ins spread over both instances are limited as one (the rate limit's counter
  lives in the cache: shared only with a shared cache, CACHE_URL or the database cache);
- ``--alerts`` high alerts raised while both workers sweep the outbox: every delivery is
  received by the sink exactly once.

Exit status 1 if a check fails. See docs/operations.md, "Beyond one machine".
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.alert_race import _claywork, _env, _postgres_url, _rows, start_sink  # noqa: E402
from bench.http_load import free_port, sign_in  # noqa: E402
from bench.journal_pages import VAR_DIR  # noqa: E402

PASSWORD = "bench-only-password-7Q!"  # the same as bench/http_load.py's, for its sign_in
SETUP = """
import sys
from claywork.accounts.models import Role, User
from claywork.care.services import care_team_add
from claywork.clinics.models import Clinic
clinic = Clinic.objects.create(name="Two by two", slug="two", timezone="UTC")
patient = User.objects.create_user("pat@two.test", password=sys.argv[1], full_name="Pat Two",
                                   clinic=clinic)
for n in range(2):
    guide = User.objects.create_user(f"guide{n}@two.test", password=sys.argv[1],
                                     full_name=f"Guide {n}", role=Role.CLINICIAN, clinic=clinic)
    care_team_add(patient=patient, clinician=guide, care_role="guide")
"""
RAISE = """
import sys
from claywork.accounts.models import User
from claywork.safety.services import alert_raise
patient = User.objects.get(email="pat@two.test")
for n in range(int(sys.argv[1])):
    alert_raise(patient=patient, kind="self_harm_answer", severity="high", title="t",
                dedupe_key=f"two:{n}")
"""


def django_script(env: dict[str, str], home: Path, source: str, *args: str) -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", "import django\ndjango.setup()\n" + source, *args],
        env=env,
        cwd=home,
        capture_output=True,
        timeout=300,
    )
    if done.returncode != 0:
        sys.exit(done.stderr.decode())


def status_of(url: str, cookie: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    try:
        return int(urllib.request.build_opener(NoRedirect).open(request, timeout=30).status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def failed_sign_in(base: str, email: str) -> int:
    """One wrong password through the form; the status of the POST (429 once limited)."""
    jar = urllib.request.HTTPCookieProcessor()
    opener = urllib.request.build_opener(jar)
    form = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1) if token else "", "login": email, "password": "x"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - http on loopback
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    try:
        return int(opener.open(request, timeout=30).status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - http on loopback
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--alerts", type=int, default=5)
    args = parser.parse_args()
    database_url = _postgres_url(args.pg_url, "claywork_s16_deploy")
    if database_url is None:
        sys.exit("PostgreSQL is needed: several instances on one SQLite file is not supported")
    home = VAR_DIR / "deploy"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    sink, smtp = start_sink(0.05)
    env = _env(home, database_url, smtp.server_address[1])
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    processes: list[subprocess.Popen[bytes]] = []
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            failures.append(what)

    try:
        if _claywork(env, home, "migrate", "--noinput").wait(timeout=600) != 0:
            sys.exit("migrate failed")
        django_script(env, home, SETUP, PASSWORD)
        ports = [free_port(), free_port()]
        for port in ports:
            processes.append(_claywork(env, home, "serve", "--port", str(port), "--workers", "1"))
        for _ in range(2):
            processes.append(_claywork(env, home, "worker", "--alert-sweep-interval", "0.5"))
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            wait_for(f"{base}/healthz")

        sockets = sorted(path.name for path in (home / "var" / "run").glob("gunicorn-*.ctl"))
        check(len(sockets) == 2, f"two control sockets: {sockets}")
        for here, there in [(bases[0], bases[1]), (bases[1], bases[0])]:
            cookie = sign_in(here, "guide0@two.test")
            check(
                status_of(f"{there}/", cookie) == 200,
                f"signed in on :{here.rsplit(':', 1)[1]}, the caseload on "
                f":{there.rsplit(':', 1)[1]} answers 200",
            )

        statuses = [failed_sign_in(bases[n % 2], "guide1@two.test") for n in range(8)]
        check(
            429 in statuses,
            f"8 failed sign-ins alternating between the instances are limited as one "
            f"(statuses {statuses}; limited only with a shared cache)",
        )

        started = time.monotonic()
        django_script(env, home, RAISE, str(args.alerts))
        expected = args.alerts * 2  # two guides on the care team
        deadline = time.monotonic() + 120
        while len(sink.received) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # a few more sweeps by both workers: nothing more may be sent
        rows = _rows(
            database_url,
            "SELECT COUNT(*) FROM safety_alertdelivery WHERE purpose = 'alert' AND state = 'sent'",
        )[0][0]
        counts = Counter(sink.received)
        check(
            len(counts) == expected and all(n == 1 for n in counts.values()) and rows == expected,
            f"{args.alerts} alerts x 2 recipients: {len(sink.received)} e-mails received, "
            f"{len(counts)} distinct deliveries, {rows} rows sent, "
            f"in {time.monotonic() - started:.1f} s with two workers sweeping",
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.shutdown()
        smtp.server_close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
