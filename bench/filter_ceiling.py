"""The oracle's filter on the app's estimates: how much of its lead survives the estimation.

    .venv/bin/python bench/filter_ceiling.py --seeds 1 2 3 4 5 [--size 240] [--only estimated,true]
    .venv/bin/python bench/filter_ceiling.py --seeds 1 2 3 4 5 --only estimated --truth levels
    .venv/bin/python bench/filter_ceiling.py --cost            # the filter's CPU per patient-day

``bench/effect_oracle.py --flat-onset`` (the forward filter that knows each patient's true
generative parameters, but not when relapses come) with every per-patient parameter replaced,
day by day, by the model the app's relapse filter runs on that day: the one
``fading._Replay`` builds (``_filter_model``: the usual level and the pre-course level as
interquartile means, the lift between them, the spread, the lag-1 correlation; the PHQ-9's
usual level, points per mood point and noise), frozen while an episode is open, as the app's
own replay (``effect.evaluate`` with the app's defaults) leaves it on that day. Nothing is
re-estimated here: the replay runs and its filter's model is read after each day.

The mapping onto the oracle's model: the mood's usual level is the app's ``usual`` (the
oracle's pre-course level plus the lift times a benefit share held at 1: the app's model has
no benefit curve, so no consolidation after the course); the lift is the app's ``lift``;
``spread`` and ``inertia`` the app's ``sd`` and ``rho``; the PHQ-9's gain is the app's points
per mood point times the lift, its baseline the app's usual PHQ-9 plus that gain (so a PHQ-9
without relapse or bad week is expected at the app's usual PHQ-9), its noise the oracle's own
(not per patient). What the oracle keeps: its states (never / not yet / begun, 12 slides x 2
floors; bad weeks of 3 depths x 6 lengths), its flat onset prior (half of the patients relapse,
on any day of the 75 after the course), its likelihoods, and one filter for the whole history
(no restart at a session or an episode's end). It reads the same data as the oracle (the
check-ins, the routine weekly PHQ-9s; not those the app asks for). It does not read the
scenario: every patient has the same prior.

Before the app has a model (the first week or two after the course, while the usual days are
too few) the filter steps without evidence; after that a day without a model (a session day,
or the lift estimated under ``min_lift``) uses the latest one. Two paths come of one run:
``gated`` counts the posterior only on days the app's own filter has a model (it alerts on
no other day); ``ungated`` on every day after the first model. Alarms are scored as
``bench/effect_oracle.py`` scores them (``outcome``: raised at the threshold, closed under
half of it) with ``bench/effect_sim.py``'s ``Figures``. ``--only true`` gives the true-parameter
flat-onset oracle on the same cohorts. ``--truth`` (a diagnostic, dev seeds only) puts the
simulator's value of the named estimates in the app's model. Figures: bench/README.md,
"Fourteenth pass".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import effect_oracle  # noqa: E402
from bench.effect_cohort import DAY_ZERO, PRE_COURSE_DAYS, SimPatient, cohort  # noqa: E402
from bench.effect_sim import configure_django  # noqa: E402
from bench.filter_gap import settled_share  # noqa: E402

TRUTHS = ("usual", "lift", "sd", "rho", "phq9")
GROUPS = {"levels": ["usual", "lift"], "noise": ["sd", "rho"], "all": list(TRUTHS)}
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98)
PRIOR = 0.5  # the flat-onset oracle's prior for a responder, given to every patient here


def app_models(sim: SimPatient, params: Any) -> dict[int, dict | None]:
    """The model the app's relapse filter runs on, for each day of the replay (day numbers
    from ``DAY_ZERO``): None when it has none that day."""
    from claywork.measures import effect, fading

    record: dict[int, dict | None] = {}
    original = fading._Replay._probable_rule

    def probable(self: Any, day: date, *rest: Any) -> Any:
        found = original(self, day, *rest)
        model = self.relapse_filter
        record[(day - DAY_ZERO).days] = (
            None
            if model is None
            else {
                "usual": model.usual,
                "lift": model.lift,
                "sd": model.sd,
                "rho": model.rho,
                "phq9": model.phq9_model,
            }
        )
        return found

    fading._Replay._probable_rule = probable  # type: ignore[method-assign,assignment]
    try:
        inputs = effect.EffectInputs(
            phq9=sim.phq9, mood=sim.check_ins, sessions=sim.sessions, today=sim.follow_up_end
        )
        effect.evaluate(inputs, params)
    finally:
        fading._Replay._probable_rule = original  # type: ignore[method-assign]
    return record


def with_truth(sim: SimPatient, models: dict[int, dict | None], names: list[str]) -> None:
    """A diagnostic (dev seeds only): the simulator's true value of each named estimate in
    the app's model, each day it has one (``bench/filter_gap.py``'s truths: the usual level
    and the lift still settling after the course; the PHQ-9's usual level and points per
    mood point likewise)."""
    truth = sim.model
    for day, model in models.items():
        if model is None:
            continue
        share = settled_share(sim, DAY_ZERO + timedelta(days=day))
        values = {
            "usual": truth["pre"] + truth["lift"] * share,
            "lift": truth["lift"] * share,
            "sd": truth["spread"],
            "rho": truth["inertia"],
        }
        model |= {name: values[name] for name in names if name in values}
        if "phq9" in names:
            noise = model["phq9"][2] if model["phq9"] else None
            usual = truth["phq9_baseline"] - truth["phq9_gained"] * share
            model["phq9"] = (usual, truth["per_mood_point"], noise or 2.165)


def oracle_model(app: dict) -> dict:
    """The app's filter model in the oracle's terms (the benefit share held at 1)."""
    model = {
        "pre": app["usual"] - app["lift"],
        "lift": app["lift"],
        "spread": app["sd"],
        "inertia": app["rho"],
    }
    if app["phq9"] is not None:
        usual, per_point, _noise = app["phq9"]
        gained = per_point * app["lift"]
        model |= {"phq9_baseline": usual + gained, "phq9_gained": gained}
        model["per_mood_point"] = per_point
    return model


class EstimatedFilter(effect_oracle.OracleFilter):
    """The flat-onset oracle's filter, its model swapped for the app's each day."""

    def __init__(self, sim: SimPatient) -> None:
        super().__init__(sim, window=effect_oracle.FLAT_ONSET_WINDOW)
        # Nothing of the truth stays: the prior is the same for everyone, the model is set
        # day by day (``use``), the benefit curve is the app's flat usual level.
        self.sim = None  # type: ignore[assignment]
        self.benefit = None  # type: ignore[assignment]
        self.model = {}
        self.weights[:] = 0.0
        self.weights[0, 0], self.weights[1, 0] = 1 - PRIOR, PRIOR

    def share(self, day: int) -> float:
        return 1.0

    def use(self, model: dict) -> None:
        self.model = model


def estimated_paths(
    sim: SimPatient, models: dict[int, dict | None]
) -> tuple[dict[date, float], dict[date, float]]:
    """The posterior that the relapse has begun on each day of follow-up: (gated, ungated)."""
    oracle = EstimatedFilter(sim)
    moods = {(d - DAY_ZERO).days: v for d, v in sim.check_ins}
    scores = {(d - DAY_ZERO).days: v for d, v in sim.phq9}
    end = (sim.follow_up_end - DAY_ZERO).days
    previous: tuple[int, int] | None = None
    gated, ungated = {}, {}
    for day in range(-PRE_COURSE_DAYS, end + 1):
        if day > -PRE_COURSE_DAYS:
            oracle.step(day)
        today = models.get(day)
        if today is not None:
            oracle.use(oracle_model(today))
        if day in moods:
            if oracle.model:
                oracle.check_in(day, moods[day], previous)
            previous = (day, moods[day])
        if day in scores and day > 0 and "phq9_gained" in oracle.model:
            oracle.phq9(day, scores[day])
        if day > oracle.course_end:
            probability = oracle.relapse_probability() if oracle.model else 0.0
            gated[DAY_ZERO + timedelta(days=day)] = probability if today is not None else 0.0
            ungated[DAY_ZERO + timedelta(days=day)] = probability
    return gated, ungated


def cost(repeats: int) -> None:
    """CPU per patient-day: the oracle's filter on the app's model (a step, a check-in, and a
    PHQ-9 one day in seven) against the app's ``RelapseFilter`` on the same model."""
    from claywork.measures.relapse_filter import RelapseFilter

    sim = cohort(1, 1)[0]
    app: dict[str, Any] = {
        "usual": 7.0,
        "lift": 3.0,
        "sd": 1.1,
        "rho": 0.3,
        "phq9": (5.0, 2.5, 2.165),
    }
    rows = []
    for name in ("oracle's filter (estimated)", "app's RelapseFilter"):
        times = []
        for _ in range(repeats):
            if name.startswith("oracle"):
                oracle = EstimatedFilter(sim)
                oracle.use(oracle_model(app))
                oracle.rows = len(effect_oracle.STATES.since)  # all rows live, as in follow-up
                start = time.process_time()
                for day in range(1, 101):
                    oracle.step(oracle.course_end + day)
                    oracle.check_in(oracle.course_end + day, 7, (oracle.course_end + day - 1, 7))
                    if day % 7 == 0:
                        oracle.phq9(oracle.course_end + day, 5)
                    oracle.relapse_probability()
            else:
                model = RelapseFilter(**app)
                start = time.process_time()
                for day in range(1, 101):
                    model.step()
                    model.check_in(7)
                    if day % 7 == 0:
                        model.phq9(5)
                    model.probability()
            times.append(1000 * (time.process_time() - start) / 100)
        rows.append((name, statistics.median(times)))
    print("| filter | CPU ms per patient-day (median of runs of 100 days) |\n|---|---|")
    for name, ms in rows:
        print(f"| {name} | {ms:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+")
    parser.add_argument("--size", type=int, default=240)
    parser.add_argument("--thresholds", type=float, nargs="+", default=list(THRESHOLDS))
    parser.add_argument("--only", default="estimated,true", help="estimated, true, or both")
    parser.add_argument(
        "--truth",
        default="",
        help="diagnostic, dev seeds only: the true value of these estimates "
        "(usual, lift, sd, rho, phq9; levels, noise, all)",
    )
    parser.add_argument("--cost", action="store_true", help="CPU per patient-day, then stop")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    configure_django()
    if args.cost:
        cost(args.repeats)
        return
    if not args.seeds:
        parser.error("--seeds is required")
    from claywork.measures.effect import EffectParams

    params = EffectParams.from_settings()
    variants = args.only.split(",")
    truths = [t for name in args.truth.split(",") if name for t in GROUPS.get(name, [name])]
    if unknown := set(truths) - set(TRUTHS):
        parser.error(f"--truth: unknown {sorted(unknown)}")
    sims = [sim for seed in args.seeds for sim in cohort(seed, args.size)]
    paths: dict[str, list[tuple[SimPatient, dict[date, float]]]] = {}
    started = time.perf_counter()
    for sim in sims:
        if "estimated" in variants:
            models = app_models(sim, params)
            if truths:
                with_truth(sim, models, truths)
            gated, ungated = estimated_paths(sim, models)
            paths.setdefault("estimated, gated", []).append((sim, gated))
            paths.setdefault("estimated, ungated", []).append((sim, ungated))
        if "true" in variants:
            path = effect_oracle.posterior_path(sim, window=effect_oracle.FLAT_ONSET_WINDOW)
            paths.setdefault("true, flat onset", []).append((sim, path))
    elapsed = time.perf_counter() - started
    print(f"seeds {args.seeds}; {args.size} patients each; {elapsed:.0f} s")
    print(f"the app's parameters: {params}")
    if truths:
        print(f"the truth in place of the app's estimates of: {', '.join(truths)}")
    for name, found in paths.items():
        print(f"\n### {name}\n")
        print(effect_oracle.frontier(found, args.thresholds), flush=True)


if __name__ == "__main__":
    main()
