"""Where the course's durability ("the lift lasted N days") goes wrong, and why.

    .venv/bin/python bench/durability_errors.py --seeds 1 2 3 4 5 [--size 240] [--list]

For each relapsing patient of the cohorts (bench/effect_cohort.py) whose benefit ended (the
truth: the first day under half of the course's benefit), the course's durability as
``durability.benefits`` tells it, set against the truth: the share within ±5 days per scenario,
course shape, adherence and booster (with a 95% Wilson interval); the distribution of
estimated minus true days; and the cases outside ±5 days by cause (told too early, too late,
or not told "lasted" at all and what was said instead; with a
booster, a partial responder, an early end inside a bad week). Also the
share of patients who stay well told their lift ended, and of non-responders told "lasted".
``--list`` prints each case outside ±5 days; ``--set NAME=VALUE`` changes one constant of
``claywork/measures/slide_fit.py``, ``durability.py`` or ``change_point.py`` for a tuning run
(dev seeds only; ``--set SLIDE_FIT=0`` gives the change point of the seventh to eleventh
passes). Durability reads daily mood and the PHQ-9s (no alert), so this runs in seconds and
gives the same durability figures as bench/effect_sim.py. No database. Figures:
bench/README.md, "Durability, third pass", "Seventh pass" and "Fifteenth pass".
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.effect_cohort import SimPatient, cohort  # noqa: E402
from bench.effect_sim import (  # noqa: E402
    DURABILITY_TOLERANCE_DAYS,
    RELAPSING,
    STAYING_WELL,
    adherence_band,
    configure_django,
)


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a share."""
    if not trials:
        return 0.0, 1.0
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * ((share * (1 - share) / trials + z * z / (4 * trials * trials)) ** 0.5)
    return centre - half / (1 + z * z / trials), centre + half / (1 + z * z / trials)


def cause(sim: SimPatient, status: str, estimate: int | None, truth: int) -> str:
    """Why a case is outside ±5 days, in a few words."""
    if estimate is None:
        reason = f"not told lasted ({status})"
    elif estimate < truth:
        reason = "too early"
        lost_on = sim.course_end + timedelta(days=estimate)
        if any(s <= lost_on <= e + timedelta(days=3) for s, e, _ in sim.bad_weeks):
            reason += ", in a bad week"
    else:
        reason = "too late"
    if sim.booster is not None:
        reason += " [booster]"
    if sim.scenario == "partial_relapse":
        reason += " [partial responder]"
    return reason


def app_durability(sim: SimPatient, params: Any) -> tuple[str, int | None]:
    """The course's durability as the app tells it on the whole follow-up: its status, and
    the days it lasted after the course's last session when the status is "lasted"
    (``configure_django()`` first; ``params``: ``effect.EffectParams.from_settings()``)."""
    from claywork.measures import durability, effect

    inputs = effect.EffectInputs(
        phq9=sim.phq9, mood=sim.check_ins, sessions=sim.sessions, today=sim.follow_up_end
    )
    course, _ = durability.benefits(inputs, params)
    benefit = course.benefit if course else None
    status = benefit.status if benefit else "no sessions"
    return status, benefit.days if benefit and status == effect.LASTED else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--size", type=int, default=240, help="patients per seed")
    parser.add_argument("--list", action="store_true", help="print each case outside ±5 days")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    configure_django()
    from claywork.measures import change_point, durability, effect, slide_fit

    for pair in args.set:
        name, _, raw = pair.partition("=")
        module = next((m for m in (slide_fit, durability, change_point) if hasattr(m, name)), None)
        if module is None or not name.isupper():
            raise SystemExit(f"--set: no constant {name!r} in change_point.py or durability.py")
        setattr(module, name, type(getattr(module, name))(float(raw)))

    params = effect.EffectParams.from_settings()
    close: dict[str, list[bool]] = defaultdict(list)
    differences: list[int] = []
    causes: Counter[str] = Counter()
    told: dict[str, Counter[str]] = defaultdict(Counter)
    for seed in args.seeds:
        for sim in cohort(seed, args.size):
            status, estimate = app_durability(sim, params)
            told[sim.scenario][status] += 1
            if sim.scenario not in RELAPSING or sim.benefit_end is None:
                continue
            truth = (sim.benefit_end - sim.course_end).days
            within = estimate is not None and abs(estimate - truth) <= DURABILITY_TOLERANCE_DAYS
            shape = "abrupt (3-7 d)" if (sim.slide_days or 0) <= 7 else "gradual (8-14 d)"
            boosted = "booster" if sim.booster is not None else "no booster"
            keys = ("all", sim.scenario, shape, f"adherence {adherence_band(sim.adherence)}")
            for key in (*keys, boosted, f"{sim.scenario}, {boosted}"):
                close[key].append(within)
            if estimate is not None:
                differences.append(estimate - truth)
            if not within:
                causes[cause(sim, status, estimate, truth)] += 1
                if args.list:
                    print(f"{sim.id} {sim.scenario} truth {truth} told {status} {estimate}")
    print(f"seeds {args.seeds}, {args.size} patients each")
    print("\n| relapsing patients | within ±5 days (Wilson 95% interval) |\n|---|---|")
    order = ["all", *sorted(RELAPSING), "abrupt (3-7 d)", "gradual (8-14 d)"]
    for key in sorted(close, key=lambda k: (order.index(k) if k in order else len(order), k)):
        found = close[key]
        low, high = wilson(sum(found), len(found))
        print(
            f"| {key} | {100 * sum(found) / len(found):.0f}% ({sum(found)}/{len(found)}; "
            f"95% CI {100 * low:.0f}-{100 * high:.0f}%) |"
        )
    well = sum((told[s] for s in STAYING_WELL), Counter())
    print(
        f"\nstaying well told their lift ended: {well[effect.LASTED]}/{well.total()}; "
        f"non-responders told it lasted: {told['non_responder'][effect.LASTED]}/"
        f"{told['non_responder'].total()}"
    )
    clipped = Counter(max(-30, min(30, d)) for d in differences)
    print("\nestimated minus true days (clipped at ±30), when told 'lasted':")
    print("  " + " ".join(f"{d:+d}:{clipped[d]}" for d in sorted(clipped)))
    if differences:
        print(f"  median {statistics.median(differences):+g}")
        print(f"  median absolute {statistics.median(abs(d) for d in differences):g}")
    print("\noutside ±5 days, by cause:")
    for reason, count in causes.most_common():
        print(f"  {count:4d}  {reason}")


if __name__ == "__main__":
    main()
