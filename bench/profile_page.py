"""Where one page's time goes: pyinstrument over N in-process requests on the http bench data.

    .venv/bin/pip install 'pyinstrument>=5,<6'   # a bench-only tool, not a dependency
    .venv/bin/python bench/profile_page.py --as bench-patient-0@bench.example --url / [-n 50]
        [--database sqlite|postgres] [--queries] [--cpu] [--save-html FILE]

Uses the database bench/http_load.py seeded (run it once first). Prints pyinstrument's text
tree (time in this process, after a warm-up request) or, when pyinstrument is not installed,
cProfile's ``--top`` costliest functions by cumulative time; with ``--queries``, the SQL of one
request grouped by statement shape; with ``--cpu``, the CPU time of each of the N requests
(median and p95, no profiler attached) instead of a profile; with ``--save-html``, the page's
HTML (to compare a page before and after a change: the CSRF token is blanked). The patient
page cache is off unless ``--page-cache``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_load import DATABASE  # noqa: E402
from bench.journal_pages import configure_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--as", dest="email", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--cpu", action="store_true", help="time each request, no profile")
    parser.add_argument("--save-html", type=Path, help="write the page's HTML here")
    parser.add_argument("--top", type=int, default=40, help="rows of cProfile's table")
    parser.add_argument(
        "--page-cache",
        action="store_true",
        help="keep the patient page cache on (off by default: the view's own cost is measured)",
    )
    args = parser.parse_args()
    if not args.page_cache:
        os.environ["CLAYWORK_PAGE_CACHE_SECONDS"] = "0"
    configure_django(args.database, **DATABASE)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claywork.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=args.email))
    first = client.get(args.url)
    if first.status_code != 200:
        sys.exit(f"{args.url} answered {first.status_code}")
    if args.queries:
        with CaptureQueriesContext(connection) as captured:
            client.get(args.url)
        shapes = Counter(
            re.sub(r"\b\d+\b|'[^']*'|%s", "?", query["sql"])[:160]
            for query in captured.captured_queries
        )
        print(f"{len(captured.captured_queries)} queries")
        for shape, count in shapes.most_common():
            print(f"{count:4} x {shape}")
    if args.save_html:
        html = client.get(args.url).content.decode()
        args.save_html.write_text(re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1", html))
    if args.cpu:
        spent = []
        for _ in range(args.n):
            started = time.process_time()
            client.get(args.url)
            spent.append((time.process_time() - started) * 1000)
        spent.sort()
        p95 = spent[min(len(spent) - 1, round(0.95 * (len(spent) - 1)))]
        print(
            f"{args.url}: CPU per request over {args.n}: "
            f"median {statistics.median(spent):.1f} ms, p95 {p95:.1f} ms"
        )
        return
    try:
        from pyinstrument import Profiler
    except ImportError:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.n):
            client.get(args.url)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
        return
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(args.n):
            client.get(args.url)
    print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
