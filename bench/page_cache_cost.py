"""CPU per page of every role with the page cache off and on, in-process, against /healthz.

    .venv/bin/python bench/page_cache_cost.py [--database sqlite|postgres] [-n 30]

Uses the database bench/http_load.py seeded (run it once first). Each page of
``http_load.page_plan()`` (every role's main pages) is fetched by the test client as its
persona, ``-n`` times, best of three; "off" sets
``CLAYWORK_PAGE_CACHE_SECONDS=0`` (every view runs), "on" is the page served from this
process's memory after a first view (decision 0017). CPU time (``time.process_time``), so a
busy machine inflates both sides alike. See bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_load import DATABASE, page_plan  # noqa: E402
from bench.journal_pages import configure_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("-n", type=int, default=30)
    args = parser.parse_args()
    configure_django(args.database, **DATABASE)
    from django.test import Client, override_settings

    from claywork.accounts.models import User

    def cpu_ms(client: Client, url: str, repeat: int) -> float:
        client.get(url)
        rounds = []
        for _ in range(3):
            start = time.process_time()
            for _ in range(repeat):
                client.get(url)
            rounds.append((time.process_time() - start) / repeat * 1000)
        return min(rounds)

    health = cpu_ms(Client(), "/healthz", args.n)
    print(f"/healthz {health:.1f} ms CPU")
    print("| page | off ms | on ms | off / on | on / healthz |")
    print("|---|---:|---:|---:|---:|")
    for email, pages in page_plan().items():
        client = Client()
        client.force_login(User.objects.get(email=email))
        for name, url in pages:
            with override_settings(CLAYWORK_PAGE_CACHE_SECONDS=0):
                off = cpu_ms(client, url, max(1, args.n // 3))
            on = cpu_ms(client, url, args.n)
            print(f"| {name} | {off:.1f} | {on:.1f} | {off / on:.1f} | {on / health:.2f} |")


if __name__ == "__main__":
    main()
