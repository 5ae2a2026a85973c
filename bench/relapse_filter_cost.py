"""What the relapse filter adds to ``effect.evaluate`` (CPU ms), the replay the app runs on
each check-in and scale saved (decision 0009), on synthetic histories of 90, 365 and 730 days
(two weeks at mood 2-4 before a four-session course, then mood 5-8 on 85% of days, a weekly
PHQ-9), with the filter off and with the defaults (the filter on), and a save with the
defaults resumed from the checkpoint of the evaluation before it (``fading.episodes_from``:
the app's saves since decision 0006's fifth amendment): the latest day's check-in saved, the
replay resumed from the day before. No database.

    .venv/bin/python bench/relapse_filter_cost.py [--repeats 10]
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
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from claywork.measures.effect import EffectInputs, EffectParams, evaluate  # noqa: E402
from claywork.measures.fading import Checkpoint  # noqa: E402


def history(days: int, rng: random.Random) -> EffectInputs:
    first = date(2025, 1, 1)
    mood = [
        (first + timedelta(days=n), rng.randint(2, 4) if n < 14 else rng.randint(5, 8))
        for n in range(days)
        if rng.random() < 0.85 or n == days - 1  # today's check-in is the one saved
    ]
    phq9 = [
        (first + timedelta(days=n), 18 if n < 14 else rng.randint(3, 9)) for n in range(0, days, 7)
    ]
    sessions = [first + timedelta(days=n) for n in (14, 17, 20, 23)]
    return EffectInputs(phq9, mood, sessions, first + timedelta(days=days - 1))


def cpu_ms(
    inputs: EffectInputs, params: EffectParams, repeats: int, checkpoint: Checkpoint | None = None
) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        report = evaluate(inputs, params, checkpoint=checkpoint)
        times.append(1000 * (time.process_time() - start))
        if checkpoint is not None:
            assert report.checkpoint is checkpoint  # it resumed
    return statistics.median(times)


def resumed_ms(inputs: EffectInputs, params: EffectParams, repeats: int) -> float:
    """A save of today's check-in, resumed from the evaluation made before it."""
    before = EffectInputs(inputs.phq9, inputs.mood[:-1], inputs.sessions, inputs.today)
    checkpoint = evaluate(before, params).checkpoint
    return cpu_ms(inputs, params, repeats, checkpoint)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(3)
    print(
        "| days | filter off, CPU ms | the defaults (filter on), full replay, CPU ms "
        "| the defaults, resumed from the checkpoint, CPU ms |"
    )
    print("|---|---|---|---|")
    for days in (90, 365, 730):
        inputs = history(days, rng)
        off = cpu_ms(inputs, EffectParams(relapse_probability=0.0), args.repeats)
        on = cpu_ms(inputs, EffectParams(), args.repeats)
        resumed = resumed_ms(inputs, EffectParams(), args.repeats)
        print(f"| {days} | {off:.1f} | {on:.1f} | {resumed:.1f} |")


if __name__ == "__main__":
    main()
