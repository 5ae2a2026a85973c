"""Audit writes from many threads of one process, with group commit and without.

    flock /work/wt/bench.lock .venv/bin/python bench/audit_group_commit.py --database both

Runs in-process on the seeded database of ``bench/http_load.py`` (run that once first): N
threads, each with its own connection, append M read events each, at once; alternating rounds
with group commit (``claywork/audit/group_commit.py``) and without (each event its own
transaction, the path before stop 26). Prints events/s, each call's p50/p95 and the mean batch,
then runs ``audit-verify`` over the whole table (events the server's processes wrote in
batches included). Adds its events to that database's audit trail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def run(database: str, threads: int, events: int, rounds: int) -> None:
    import http_load

    os.environ.update(http_load.server_env(database, 0))
    import django

    django.setup()
    from django.db import connections

    from claywork.accounts.models import User
    from claywork.audit import services
    from claywork.audit.verify import chain_verify

    reader = User.objects.get(email=http_load.CLINICIAN_EMAIL)
    patient = User.objects.get(email=http_load.PATIENT_EMAIL)
    real_submit, real_write = services._group.submit, services._group._write_batch
    batches: list[int] = []

    def counted(take):  # type: ignore[no-untyped-def]
        def counting():  # type: ignore[no-untyped-def]
            jobs = take()
            batches.append(len(jobs))
            return jobs

        return real_write(counting)

    services._group._write_batch = counted  # type: ignore[method-assign]

    def one_round(grouped: bool) -> tuple[float, list[float]]:
        services._group.submit = (  # type: ignore[method-assign]
            real_submit if grouped else (lambda rows: services._write_batch([rows]))
        )
        start, took = threading.Barrier(threads + 1), []

        def write() -> None:
            start.wait()
            try:
                for number in range(events):
                    began = time.perf_counter()
                    services.audit_record(
                        actor=reader,
                        patient=patient,
                        action="read",
                        resource="messages.thread",
                        object_id=number,
                    )
                    took.append(time.perf_counter() - began)
            finally:
                connections.close_all()

        workers = [threading.Thread(target=write) for _ in range(threads)]
        for worker in workers:
            worker.start()
        start.wait()
        began = time.perf_counter()
        for worker in workers:
            worker.join()
        return time.perf_counter() - began, took

    print(f"[{database}] {threads} threads x {events} events, load {os.getloadavg()[0]:.2f}")
    for number in range(rounds):
        for grouped in (False, True):
            batches.clear()
            wall, took = one_round(grouped)
            cuts = statistics.quantiles(took, n=20)
            mean = sum(batches) / len(batches) if grouped and batches else 1.0
            print(
                f"  round {number + 1} {'group commit' if grouped else 'one by one  '}: "
                f"{threads * events / wall:7.1f} events/s, p50 {cuts[9] * 1000:6.1f} ms, "
                f"p95 {cuts[18] * 1000:6.1f} ms, mean batch {mean:.1f}"
            )
    began = time.perf_counter()
    report = chain_verify()
    print(
        f"  audit-verify: {'OK' if report.ok else report.broken} over {report.checked} events "
        f"in {time.perf_counter() - began:.1f} s, load {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phase", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "run":
        run(args.database, args.threads, args.events, args.rounds)
        return
    for database in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        command = [sys.executable, __file__, "--phase", "run", "--database", database]
        command += ["--threads", str(args.threads), "--events", str(args.events)]
        command += ["--rounds", str(args.rounds)]
        subprocess.run(command, check=True)  # noqa: S603 - our own script


if __name__ == "__main__":
    main()
