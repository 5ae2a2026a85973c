"""CPU ms of the course's durability (``durability.benefits``) on 90, 365 and 730 days of
daily check-ins: it is retrospective, so each evaluation reads the whole history.

    .venv/bin/python bench/durability_cost.py [--repeats 10] [--phq9]

A course of four sessions after two weeks at 3, then 7 ± 1 every day (a lift that holds: the
change point weighs every onset); with ``--phq9``, a PHQ-9 every week too (18 before the
course, 8 ± 2 after), which the change point weighs as a second series. No database.
Figures: bench/README.md, "Seventh pass" and "Tenth pass".
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.effect_sim import configure_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument(
        "--phq9", action="store_true", help="with a weekly PHQ-9 (8 ± 2 after the course)"
    )
    args = parser.parse_args()
    configure_django()
    from claywork.measures import durability
    from claywork.measures.effect import EffectInputs, EffectParams

    params = EffectParams.from_settings()
    first = date(2025, 1, 1)
    for days in (90, 365, 730):
        rng = random.Random(1)
        mood = [
            (first + timedelta(days=d), (3 if d < 14 else 7) + rng.randint(-1, 1))
            for d in range(days)
        ]
        sessions = [first + timedelta(days=d) for d in (14, 17, 20, 23)]
        phq9 = (
            [
                (first + timedelta(days=d), (18 if d < 14 else 8) + rng.randint(-2, 2))
                for d in range(7, days, 7)
            ]
            if args.phq9
            else []
        )
        inputs = EffectInputs(phq9, mood, sessions, first + timedelta(days=days - 1))
        times = []
        for _ in range(args.repeats):
            start = time.process_time()
            durability.benefits(inputs, params)
            times.append(1000 * (time.process_time() - start))
        print(f"{days} days: durability.benefits median {statistics.median(times):.1f} ms CPU")


if __name__ == "__main__":
    main()
