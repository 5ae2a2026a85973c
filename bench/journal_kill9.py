"""Journal entries and check-ins while the real server is killed with SIGKILL (issue 15).

    .venv/bin/python bench/journal_kill9.py [--database sqlite|postgres|both] [--kills 30]
        [--clients 3] [--every 1-3] [--workers 2] [--threads 2]
        [--pg-url postgres://postgres@127.0.0.1:5432]

A throwaway installation (``bench/deployment.py``: its own SQLite file, or the PostgreSQL
database ``claywork_journal_kill9``, rebuilt each run) gets one patient per client. The real
server (``claywork serve``, gunicorn, in a process group of its own) starts on a free loopback
port; each client signs its patient in through the real sign-in form (``bench/http_load.py``'s
``sign_in``) and then, in a loop, POSTs journal entries (each with its own text and
``submission_id``) and, every fourth post, the day's check-in with a numbered note. Every
``--every`` seconds after the server answers /healthz, its whole process group (the arbiter and
every worker) gets SIGKILL, and it is started again. A client whose POST got no answer (a
reset connection, a refused one, a 5xx) sends the same form again, as a browser's "resend"
does, until it is answered (``--no-resend``: gives it up and writes the next one, so an entry
saved whose answer was lost to the kill shows as "unacknowledged but present").

An entry is *acknowledged* when its POST was answered with the redirect to the saved entry (or
to the help page, which also means saved); a check-in when answered with its redirect. At the
end the server is stopped and a separate process reads the database through the ORM (the sealed
text opened by the vault): every acknowledged entry must be there exactly once with its exact
text; each patient's check-in must hold the note of its last acknowledged POST or a later one.

Reported: posts, resent (forms sent and cut off unanswered by a kill; a form refused at the
door, nothing listening, is simply sent when the server is back), acknowledged, lost (acknowledged,
not in the database), duplicated (an entry's text more than once), unacknowledged-but-present
(saved, the answer lost to a kill), check-ins acknowledged and stale (older than the last
acknowledged), answers refused (neither saved nor a 5xx), kills, seconds.

``tests/test_journal_kill9.py`` runs ``kill9()`` small on the test suite's database engine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.deployment import (  # noqa: E402
    claywork,
    databases,
    environment,
    kill_group,
    migrate_and_run,
    span,
)
from bench.http_load import PASSWORD, NoRedirect, free_port, sign_in  # noqa: E402

EMAIL = "kill9-{}@bench.example"
NOT_LISTENING = "not listening"
# Where a saved form sends the browser (the entry, or the help page after crisis words; the
# check-in page or home); a redirect to the sign-in page is not an acknowledgement.
SAVED_ENTRY = re.compile(r"^(https?://[^/]+)?/(journal/\d+/|help/)")
SAVED_CHECK_IN = re.compile(r"^(https?://[^/]+)?/(check-in/|help/|$|\?)")

SETUP = """
import sys
from claywork.accounts.models import User
from claywork.clinics.models import Clinic
clinic = Clinic.objects.create(name="Kill 9 Clinic", slug="kill9", timezone="UTC")
for n in range(int(sys.argv[1])):
    User.objects.create_user(sys.argv[2].format(n), password=sys.argv[3],
                             full_name=f"Patient {n}", clinic=clinic)
"""

READ_BACK = """
import json
import django
django.setup()
from claywork.journal.models import Entry
from claywork.measures.models import CheckIn
entries = [e.body for e in Entry.all_objects.filter(patient__email__endswith="@bench.example")]
# Oldest day first, so that each patient's latest check-in is the one kept: a run that
# crosses midnight writes a second day's row (the model's own order is newest first).
notes = {
    c.patient.email: c.note for c in CheckIn.objects.select_related("patient").order_by("day")
}
print(json.dumps({"entries": entries, "notes": notes}))
"""


@dataclass
class Client:
    number: int
    base: str
    cookie: str = ""
    token: str = ""
    posts: int = 0
    resent: int = 0  # forms sent and cut off unanswered (the server was killed with them)
    acknowledged: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)  # sent, no answer when the run ended
    check_ins_acknowledged: int = 0
    last_check_in: int = -1  # the number of the last acknowledged check-in note
    refused: list[str] = field(default_factory=list)  # an answer that is neither saved nor 5xx


@dataclass(frozen=True)
class Kill9Result:
    database: str
    posts: int
    resent: int
    acknowledged: int
    lost: int
    duplicated: int
    unacknowledged_present: int
    check_ins_acknowledged: int
    check_ins_stale: int
    refused: int
    kills: int
    seconds: float


def _post(client: Client, path: str, fields: dict[str, str]) -> tuple[int, str] | str | None:
    """POST a form as the signed-in patient: (status, Location); ``NOT_LISTENING`` when nothing was
    listening (the form never reached a server); None when it was sent and not answered (the
    server was killed with it in hand, or answered 5xx)."""
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": client.token, **fields}).encode()
    request = urllib.request.Request(  # noqa: S310 - http on loopback
        client.base + path,
        data=body,
        headers={"Cookie": client.cookie, "Referer": client.base + path},
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as answer:
        if answer.code >= 500:
            return None
        return answer.code, answer.headers.get("Location", "")
    except urllib.error.URLError as error:
        return NOT_LISTENING if isinstance(error.reason, ConnectionRefusedError) else None
    except ConnectionRefusedError:
        return NOT_LISTENING
    except (OSError, http.client.HTTPException):
        return None


def _until_answered(
    client: Client, path: str, fields: dict[str, str], stop: threading.Event, resend: bool
) -> tuple[int, str] | None:
    """Send the form until a server answers it; a form cut off unanswered is sent again as it
    was (the same submission), or given up without ``resend``. None if it ends unanswered."""
    cut_off = False
    while True:
        answer = _post(client, path, fields)
        if isinstance(answer, tuple):
            return answer
        if answer is None and not cut_off:
            cut_off = True
            client.resent += 1
        if stop.is_set() or (cut_off and not resend):
            return None
        time.sleep(0.3)


def _write(client: Client, stop: threading.Event, finish: threading.Event, resend: bool) -> None:
    n = 0
    while not finish.is_set():
        text = f"Client {client.number}, entry {n}: tea, a walk, {uuid.uuid4().hex}"
        fields = {"kind": "reflection", "body": text, "submission_id": str(uuid.uuid4())}
        client.posts += 1
        answer = _until_answered(client, "/journal/new/", fields, stop, resend)
        if answer is None:
            client.unanswered.append(text)
        elif answer[0] == 302 and SAVED_ENTRY.match(answer[1]):
            client.acknowledged.append(text)
        else:
            client.refused.append(f"entry: {answer}")
        if n % 4 == 3:
            number = n // 4
            note = {"mood": str(number % 11), "note": f"check-in {number}"}
            answer = _until_answered(client, "/check-in/", note, stop, resend)
            if answer is not None and answer[0] == 302 and SAVED_CHECK_IN.match(answer[1]):
                client.check_ins_acknowledged += 1
                client.last_check_in = number
            elif answer is not None:
                client.refused.append(f"check-in: {answer}")
        n += 1


def wait_for_health(base: str, server: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped on its own"
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the server did not answer /healthz within {timeout:.0f} s")


def _csrf_token(client: Client) -> str:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{client.base}/journal/new/", headers={"Cookie": client.cookie}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        page = response.read().decode()
    marker = 'name="csrfmiddlewaretoken" value="'
    assert marker in page, "no CSRF token on the journal form"
    return page.split(marker, 1)[1].split('"', 1)[0]


def kill9(
    home: Path,
    database_url: str,
    *,
    kills: int = 30,
    clients: int = 3,
    every: tuple[float, float] = (1.0, 3.0),
    workers: int = 2,
    threads: int = 2,
    resend: bool = True,
    seed: int = 15,
) -> Kill9Result:
    chance = random.Random(seed)  # noqa: S311 - chaos, not cryptography
    env = environment(home, database_url, ALLOWED_HOSTS="127.0.0.1,localhost")
    migrate_and_run(env, home, SETUP, str(clients), EMAIL, PASSWORD)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = ("serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads))
    server = claywork(env, home, *serve, group=True)
    stop, finish = threading.Event(), threading.Event()
    writers: list[threading.Thread] = []
    done = 0
    try:
        wait_for_health(base, server)
        people = [Client(n, base) for n in range(clients)]
        for person in people:
            person.cookie = sign_in(base, EMAIL.format(person.number))
            person.token = _csrf_token(person)
        started = time.monotonic()
        writers = [
            threading.Thread(target=_write, args=(person, stop, finish, resend), daemon=True)
            for person in people
        ]
        for writer in writers:
            writer.start()
        for _ in range(kills):
            time.sleep(chance.uniform(*every))
            kill_group(server)
            done += 1
            server = claywork(env, home, *serve, group=True)
            wait_for_health(base, server)
        time.sleep(every[1])  # the clients' last resends answered by a live server
        finish.set()
        for writer in writers:
            writer.join(timeout=120)
        stop.set()
        for writer in writers:
            writer.join(timeout=120)
        seconds = time.monotonic() - started
    finally:
        finish.set()
        stop.set()
        kill_group(server, 15)
    read = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", READ_BACK],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert read.returncode == 0, read.stderr[-3000:]
    found = json.loads(read.stdout.strip().splitlines()[-1])
    present = Counter(found["entries"])
    acknowledged = [text for person in people for text in person.acknowledged]
    unanswered = [text for person in people for text in person.unanswered]
    stale = 0
    for person in people:
        note = found["notes"].get(EMAIL.format(person.number), "")
        number = int(note.removeprefix("check-in ")) if note.startswith("check-in ") else -1
        stale += number < person.last_check_in
    return Kill9Result(
        database="postgresql" if database_url.startswith("postgres") else "sqlite",
        posts=sum(person.posts for person in people),
        resent=sum(person.resent for person in people),
        acknowledged=len(acknowledged),
        lost=sum(present[text] == 0 for text in acknowledged),
        duplicated=sum(count - 1 for count in present.values() if count > 1),
        unacknowledged_present=sum(present[text] > 0 for text in unanswered),
        check_ins_acknowledged=sum(person.check_ins_acknowledged for person in people),
        check_ins_stale=stale,
        refused=sum(len(person.refused) for person in people),
        kills=done,
        seconds=seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--every", default="1-3", help="seconds of service between kills")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--no-resend", action="store_true", help="a form without an answer is given up"
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    # SIGTERM stops the run through its ``finally``: the server's process group goes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"{args.kills} kills, every {args.every} s, {args.clients} clients, gunicorn "
        f"{args.workers}x{args.threads}, {'no resend' if args.no_resend else 'resend'}"
    )
    print(
        "| database | posts | resent | acknowledged | lost | duplicated "
        "| unacknowledged but present | check-ins acknowledged | check-ins stale | refused "
        "| kills | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for url in databases(args.database, args.pg_url, "claywork_journal_kill9"):
        with tempfile.TemporaryDirectory(prefix="journal-kill9-") as tmp:
            home = Path(tmp)
            r = kill9(
                home,
                url or f"sqlite:///{home / 'claywork.sqlite3'}",
                kills=args.kills,
                clients=args.clients,
                every=span(args.every),
                workers=args.workers,
                threads=args.threads,
                resend=not args.no_resend,
            )
        print(
            f"| {r.database} | {r.posts} | {r.resent} | {r.acknowledged} | {r.lost} | "
            f"{r.duplicated} | "
            f"{r.unacknowledged_present} | {r.check_ins_acknowledged} | {r.check_ins_stale} | "
            f"{r.refused} | {r.kills} | {r.seconds:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
