"""Where the relapse filter loses to the oracle: the app's filter with the truth plugged in.

    .venv/bin/python bench/filter_gap.py --seeds 1 2 3 4 5 [--size 240] [--only usual,all]
    .venv/bin/python bench/filter_gap.py --seeds 1 2 3 4 5 --only estimated,all \
        --probabilities 0.8 0.9 0.98                     # the two curves, not one point each

The app's relapse filter (``claywork/measures/relapse_filter.py``) runs on estimates from the
patient's own check-ins (``fading._Replay._filter_model``): the usual level, the lift over the
pre-course level, the spread and the day-to-day correlation. Each variant replaces one of them
(or all four) with the simulator's true value for that patient and day, and keeps every other
estimate and rule as the app has them (the PHQ-9's model stays estimated; the filter is made
only on days the app would make it). The gap each closes is what that estimator costs.

* ``usual``: the noiseless mood without the relapse or bad weeks: the pre-course level plus
  the lift times the share of the course's benefit present that day (still settling in the
  days after the course); the lift stays the estimate;
* ``lift``: the true lift times that share (the estimated usual level stays);
* ``sd``: the AR(1) noise's spread; ``rho``: its lag-1 correlation;
* ``levels``: the usual level and the lift together; ``noise``: the spread and the correlation
  together; ``all``: the four.

The alert tier is scored by ``bench/effect_sim.py``'s ``Figures``; one pooled row per variant.
No database. Figures: bench/README.md, "Fifth pass" (measured at commit 22799e3, against the
estimates before that pass: medians, the MAD and four weeks; "estimated" is now the new ones).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.effect_cohort import DAY_ZERO, SimPatient, cohort  # noqa: E402
from bench.effect_sim import Figures, configure_django, judge_tiers  # noqa: E402

VARIANTS = ("estimated", "usual", "lift", "sd", "rho", "levels", "noise", "all")
GROUPS = {"levels": ["usual", "lift"], "noise": ["sd", "rho"]}
COLUMNS = ["false/pt-month", "stable none", "<=7 d", "median d", "missed", "before onset"]


def settled_share(sim: SimPatient, day: date) -> float:
    """The share of the course's benefit present on ``day`` had there been no relapse."""
    course, per_session = sim.model["course"], sim.model["per_session"]
    n = (day - DAY_ZERO).days
    done = sum(1 for session in course if session < n)
    if done == 0:
        return 0.0
    share = 1 - (1 - per_session) ** done
    if n > course[-1]:
        share += (1 - share) * min(1.0, (n - course[-1]) / 5)
    return share


def plug(variant: str) -> Any:
    """Wrap ``_Replay._filter_model`` so that it returns the truth for ``variant``."""
    from claywork.measures import fading

    original = fading._Replay._filter_model

    def model(self: Any, day: date) -> dict | None:
        found = original(self, day)
        if found is None or variant == "estimated":
            return found
        sim: SimPatient = CURRENT[0]
        true_lift = sim.model["lift"] * settled_share(sim, day)
        truth = {
            "usual": sim.model["pre"] + true_lift,
            "lift": true_lift,
            "sd": sim.model["spread"],
            "rho": sim.model["inertia"],
        }
        names = list(truth) if variant == "all" else GROUPS.get(variant, [variant])
        return found | {name: truth[name] for name in names}

    fading._Replay._filter_model = model  # type: ignore[method-assign]
    return original


CURRENT: list[SimPatient] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--size", type=int, default=240)
    parser.add_argument("--only", default=",".join(VARIANTS))
    parser.add_argument(
        "--probabilities",
        type=float,
        nargs="+",
        help="the filter's thresholds (relapse_probability) to run each variant at",
    )
    args = parser.parse_args()
    configure_django()
    from claywork.measures import fading
    from claywork.measures.effect import EffectParams

    defaults = EffectParams.from_settings()
    thresholds = args.probabilities or [defaults.relapse_probability]
    cohorts = [cohort(seed, args.size) for seed in args.seeds]
    print(f"seeds {args.seeds}, {args.size} patients each; alert tier, pooled")
    print("| filter's model | threshold | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    for variant in args.only.split(","):
        for threshold in thresholds:
            params = defaults.with_changes(relapse_probability=threshold)
            original = plug(variant)
            figures = Figures()
            for sims in cohorts:
                for sim in sims:
                    CURRENT[:] = [sim]
                    figures.add(judge_tiers(params, sim)["alert"])
            fading._Replay._filter_model = original  # type: ignore[method-assign]
            row = figures.row()
            cells = [variant, f"{threshold:g}"] + [row[c] for c in COLUMNS]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
