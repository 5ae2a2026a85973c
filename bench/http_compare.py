"""Two runs of bench/http_load.py side by side: each page's ratio to /healthz and p95, before
and after, at one connection count, and whether the issue's target holds after.

    .venv/bin/python bench/http_compare.py BEFORE.json AFTER.json [--connections 20]
        [--p95 100] [--ratio 0.30]

The JSON files are what http_load.py writes (``var/bench/http-bench-<database>.json``); copy
the first aside before the second run overwrites it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def rows_at(result: dict[str, Any], connections: int) -> dict[str, dict[str, Any]]:
    return {row["page"]: row for row in result["rows"] if row["connections"] == connections}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--p95", type=float, default=100.0, help="target p95 in ms")
    parser.add_argument("--ratio", type=float, default=0.30, help="target ratio to /healthz")
    args = parser.parse_args()
    before_run, after_run = (json.loads(path.read_text()) for path in (args.before, args.after))
    before = rows_at(before_run, args.connections)
    after = rows_at(after_run, args.connections)
    for name, run in (("before", before_run), ("after", after_run)):
        print(
            f"{name}: {run['database']}, {run['date']}, load average "
            f"{run['load_average'][0]} -> {run['load_average'][1]}"
        )
    print(
        f"\n| page (c={args.connections}) | before req/s | ratio | p95 ms | after req/s | ratio "
        f"| p95 ms | target (>= {args.ratio:.2f}, p95 < {args.p95:.0f}) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for page, row in after.items():
        old = before.get(page)
        met = row["ratio"] >= args.ratio and row["p95"] < args.p95
        old_cells = (
            f"{old['rps']:.1f} | {old['ratio']:.2f} | {old['p95']:,.0f}" if old else "- | - | -"
        )
        print(
            f"| {page} | {old_cells} | {row['rps']:.1f} | {row['ratio']:.2f} "
            f"| {row['p95']:,.0f} | {'met' if met else 'no'} |"
        )


if __name__ == "__main__":
    main()
