"""Does "Patterns in my check-ins" claim differences that are not there, and find those that are?

    .venv/bin/python bench/patterns_sim.py --seeds 101 102 103 [--patients 300] [--days 60]
        [--scenarios null streak ...] [--no-before] [--set WEEKDAY_TERMS=0 ...]

Simulated patients, each a window of check-ins after a course (a check-in on 85% of days, mood
0-10 in whole points, anxiety roughly its mirror and missing on a third of the check-in days)
and five practices. Assumed, and why: mood's day-to-day spread is 1.5 points (``SD``: daily
diary studies of mood on 0-10 scales put a person's own spread at about 1-2 points; 1.5 is the
middle, not the easy end); a check-in on 85% of days, the engaged patient for whom the page
is meant (fewer days means proportionally less power); each practice on 20-60% of days.
Scenarios, none with an effect unless named so:

- ``null``: independent days, practices on random days (20-60% of days each);
- ``streak``: mood carries over from day to day (AR(1), rho 0.7) and practices come in
  streaks (kept up or left off with 85% chance the next day);
- ``trend``: mood rises 2 points across the window (AR(1), rho 0.5) while every practice goes
  from 15% to 70% of days, in streaks: no link between them;
- ``weekday``: weekends a point better (AR(1), rho 0.5) and practices mostly on weekends;
- ``all``: streaks, trend and weekday together;
- ``effect-iid``: mood one point higher on the days of one practice, independent days (the
  issue's anchor: a 1-point effect on mood over 60 days); reported for that practice alone
  and among five;
- ``effect``: the same with carry-over (AR(1), rho 0.5) and practices in light streaks (kept
  up or left off with 70% chance).

Printed per scenario: the share of patients with any claim (any practice, mood or anxiety), the
share of practices with a mood claim, and, for the effect, the share of patients whose
effective practice is claimed in the right direction. ``before`` is the replaced rule (a Welch
t-test per practice and outcome at 5%, no correction) on the same patients. Noise: mood's
spread is 1.5 points. Figures, and which seeds were tuned on: bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from claywork.practice import patterns  # noqa: E402

SD = 1.5
FIRST = date(2026, 3, 2)
PRACTICES = 5


@dataclass
class Patient:
    mood: np.ndarray  # per calendar day, NaN when no check-in
    anxiety: np.ndarray
    logged: np.ndarray  # practices x days, 0/1
    effective: int | None = None  # the practice with an effect, if any


def ar1(rng: np.random.Generator, days: int, rho: float) -> np.ndarray:
    noise = np.empty(days)
    noise[0] = rng.normal()
    for day in range(1, days):
        noise[day] = rho * noise[day - 1] + np.sqrt(1 - rho**2) * rng.normal()
    return noise * SD


def streaky(rng: np.random.Generator, chance: np.ndarray, stay: float) -> np.ndarray:
    """A 0/1 series that keeps yesterday's state with ``stay``, else draws afresh from the
    day's chance: streaks, with the day's chance as the long-run share."""
    series = np.zeros(len(chance))
    series[0] = rng.random() < chance[0]
    for day in range(1, len(chance)):
        series[day] = series[day - 1] if rng.random() < stay else rng.random() < chance[day]
    return series


def weekend(days: int) -> np.ndarray:
    return np.array([(FIRST + timedelta(days=d)).weekday() >= 5 for d in range(days)], float)


def scenario(name: str, rng: np.random.Generator, days: int, solo: bool) -> Patient:
    share = rng.uniform(0.2, 0.6, PRACTICES)
    ramp = np.linspace(0, 1, days)
    mood_level = np.full(days, 6.0)
    effective = None
    if name == "null":
        noise = rng.normal(0, SD, days)
        logged = np.array([rng.random(days) < s for s in share], float)
    elif name == "streak":
        noise = ar1(rng, days, 0.7)
        logged = np.array([streaky(rng, np.full(days, s), 0.85) for s in share])
    elif name == "trend":
        noise = ar1(rng, days, 0.5)
        mood_level = 5.0 + 2 * ramp
        logged = np.array([streaky(rng, 0.15 + 0.55 * ramp, 0.6) for _ in share])
    elif name == "weekday":
        noise = ar1(rng, days, 0.5)
        mood_level = 5.5 + weekend(days)
        chance = 0.15 + 0.65 * weekend(days)
        logged = np.array([rng.random(days) < chance for _ in share], float)
    elif name == "all":
        noise = ar1(rng, days, 0.7)
        mood_level = 5.0 + 2 * ramp + weekend(days)
        chance = np.clip(0.1 + 0.45 * ramp + 0.3 * weekend(days), 0, 1)
        logged = np.array([streaky(rng, chance, 0.8) for _ in share])
    elif name == "effect":
        noise = ar1(rng, days, 0.5)
        logged = np.array([streaky(rng, np.full(days, s), 0.7) for s in share])
        effective = 0
        mood_level = mood_level + logged[0]
    elif name == "effect-iid":
        noise = rng.normal(0, SD, days)
        logged = np.array([rng.random(days) < s for s in share], float)
        effective = 0
        mood_level = mood_level + logged[0]
    else:
        raise ValueError(name)
    if solo:
        logged = logged[:1]
    mood = np.clip(np.round(mood_level + noise), 0, 10)
    anxiety = np.clip(np.round(10 - mood + rng.normal(0, 1.0, days)), 0, 10)
    checked = rng.random(days) < 0.85
    mood[~checked] = np.nan
    anxiety[~checked | (rng.random(days) < 1 / 3)] = np.nan
    return Patient(mood, anxiety, logged, effective)


@dataclass
class Verdict:
    any_claim: bool
    mood_claims: int
    practices: int
    effect_found: bool
    # (practice, mood p-value, adjusted difference) per judged practice, for --levels
    mood: tuple[tuple[str, float, float], ...] = ()


LEVELS = (0.05, 0.04, 0.035, 0.03)


def at_level(verdict: Verdict, level: float, effective: bool) -> bool:
    """Holm at ``level`` on the mood p-values alone: any claim, or (``effective``) the
    effective practice p0 claimed higher. Anxiety needs a mood claim first, so it cannot add a
    patient with no mood claim."""
    tested = sorted((p, name, adjusted) for name, p, adjusted in verdict.mood)
    for rank, (p_value, name, adjusted) in enumerate(tested):
        if p_value > level / (len(tested) - rank):
            return False
        if not effective or (name == "p0" and adjusted > 0):
            return True
    return False


def judge_patterns(patient: Patient, seed: int) -> Verdict:
    days = len(patient.mood)
    check_ins = {
        FIRST + timedelta(days=d): patterns.CheckInDay(
            None if np.isnan(patient.mood[d]) else float(patient.mood[d]),
            None if np.isnan(patient.anxiety[d]) else float(patient.anxiety[d]),
        )
        for d in range(days)
        if not np.isnan(patient.mood[d])
    }
    practice_days = {
        f"p{k}": {FIRST + timedelta(days=int(d)) for d in np.flatnonzero(row)}
        for k, row in enumerate(patient.logged)
    }
    found = patterns.find_patterns(
        check_ins,
        practice_days,
        first_day=FIRST,
        last_day=FIRST + timedelta(days=days - 1),
        seed=seed,
    )
    claims = [p for p in found.practices if p.mood.clear or p.anxiety.clear]
    effect_found = any(
        p.name == f"p{patient.effective}" and p.mood.clear and (p.mood.adjusted or 0) > 0
        for p in found.practices
    )
    mood_claims = sum(p.mood.clear for p in found.practices)
    mood = tuple(
        (p.name, p.mood.p_value, p.mood.adjusted or 0.0)
        for p in found.practices
        if p.mood.p_value is not None
    )
    return Verdict(bool(claims), mood_claims, len(found.practices), effect_found, mood)


def judge_before(patient: Patient, seed: int) -> Verdict:
    """The replaced rule: Welch per practice and outcome, 7+ days a side, p < 0.05."""
    claims, mood_claims, effect_found = 0, 0, False
    for k, row in enumerate(patient.logged):
        for outcome in (patient.mood, patient.anxiety):
            seen = ~np.isnan(outcome)
            with_, without = outcome[seen & (row == 1)], outcome[seen & (row == 0)]
            if len(with_) < 7 or len(without) < 7:
                continue
            if np.ptp(np.concatenate([with_, without])) == 0:
                continue
            result = stats.ttest_ind(with_, without, equal_var=False)
            if result.pvalue < 0.05:
                claims += 1
                if outcome is patient.mood:
                    mood_claims += 1
                    effect_found |= k == patient.effective and result.statistic > 0
    return Verdict(claims > 0, mood_claims, len(patient.logged), effect_found)


def run(
    name: str, seed: int, count: int, days: int, solo: bool, judge: Callable[..., Verdict]
) -> tuple[float, ...]:
    """Per cent: any claim, mood claims per practice, effect found; then, per level of
    ``LEVELS``, any claim (no effect) or found (effect) with Holm at that level."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode()), days, int(solo)])
    verdicts = [judge(scenario(name, rng, days, solo), seed * 100_000 + i) for i in range(count)]
    any_claim = 100 * np.mean([v.any_claim for v in verdicts])
    per_practice = 100 * sum(v.mood_claims for v in verdicts) / sum(v.practices for v in verdicts)
    found = 100 * np.mean([v.effect_found for v in verdicts])
    effective = name.startswith("effect")
    levels = [100 * np.mean([at_level(v, a, effective) for v in verdicts]) for a in LEVELS]
    return (float(any_claim), float(per_practice), float(found), *map(float, levels))


def per_comparison(name: str, seed: int, count: int, days: int) -> tuple[int, float, float]:
    """One practice per patient: how often its mood p-value is at or under 5% and 1%."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    p_values = []
    for i in range(count):
        patient = scenario(name, rng, days, solo=True)
        check_ins = {
            FIRST + timedelta(days=d): patterns.CheckInDay(float(patient.mood[d]), None)
            for d in range(days)
            if not np.isnan(patient.mood[d])
        }
        logged = {"p0": {FIRST + timedelta(days=int(d)) for d in np.flatnonzero(patient.logged[0])}}
        found = patterns.find_patterns(
            check_ins,
            logged,
            first_day=FIRST,
            last_day=FIRST + timedelta(days=days - 1),
            seed=seed * 100_000 + i,
        )
        if found.practices and found.practices[0].mood.p_value is not None:
            p_values.append(found.practices[0].mood.p_value)
    values = np.array(p_values)
    return len(values), float(np.mean(values <= 0.05)), float(np.mean(values <= 0.01))


def ceiling(patients: int = 3000, days: int = 60) -> None:
    """The best any test could do on the effect scenarios: an oracle that knows the spread and
    the carry-over (GLS with the true AR(1), Gaussian days, no rounding) on the same check-in
    days and practice shares, one-sided, at 5% (alone) and 1% (Holm's first step, five)."""
    rng = np.random.default_rng(99)
    for name, rho, stay, nuisance in (
        ("effect-iid", 0.0, 0.0, False),
        ("effect-iid", 0.0, 0.0, True),
        ("effect", 0.5, 0.7, False),
        ("effect", 0.5, 0.7, True),
    ):
        errors = []
        for _ in range(patients):
            practice = streaky(rng, np.full(days, rng.uniform(0.2, 0.6)), stay)
            seen = np.flatnonzero(rng.random(days) < 0.85)
            on = practice[seen]
            if on.sum() < 7 or len(seen) - on.sum() < 7:
                errors.append(np.inf)
                continue
            covariance = rho ** np.abs(seen[:, None] - seen[None, :]) * SD**2
            columns = [on, np.ones(len(seen))]
            if nuisance:
                weekday = np.array([(FIRST + timedelta(days=int(d))).weekday() for d in seen])
                columns += [seen / days] + [(weekday == w).astype(float) for w in range(1, 7)]
            design = np.column_stack(columns)
            information = design.T @ np.linalg.solve(covariance, design)
            errors.append(float(np.sqrt(np.linalg.inv(information)[0, 0])))
        error = np.array(errors)
        found = [np.mean(stats.norm.sf(stats.norm.isf(a) - 1 / error)) for a in (0.05, 0.01)]
        terms = "drift and weekday terms" if nuisance else "no other terms"
        print(
            f"{name:<11} {terms:<24} alone {100 * found[0]:5.1f}%   "
            f"one of five (1%) {100 * found[1]:5.1f}%"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[])
    parser.add_argument("--ceiling", action="store_true", help="the oracle's power, then stop")
    parser.add_argument(
        "--per-comparison", action="store_true", help="one practice per patient: p-value rates"
    )
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--days", type=int, nargs="+", default=[60, 90])
    parser.add_argument("--scenarios", nargs="+", default=None)
    parser.add_argument(
        "--set",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="try a setting of claywork.practice.patterns (e.g. HABIT_SHRINK=0.5) while tuning",
    )
    parser.add_argument("--no-before", action="store_true", help="skip the replaced rule")
    parser.add_argument(
        "--levels",
        action="store_true",
        help=f"also the rates with Holm at the family levels {LEVELS} (now only)",
    )
    args = parser.parse_args()
    if args.ceiling:
        ceiling()
        return
    if not args.seeds:
        parser.error("--seeds is required")
    for setting in args.set:
        name, value = setting.split("=", 1)
        setattr(patterns, name, type(getattr(patterns, name))(value))
    if args.per_comparison:
        for name in args.scenarios or ["null", "streak", "trend", "weekday", "all"]:
            for seed in args.seeds:
                compared, five, one = per_comparison(name, seed, args.patients, args.days[0])
                print(
                    f"{name:<10} seed {seed}: {compared} compared, p ≤ 5%: {100 * five:.1f}%, "
                    f"p ≤ 1%: {100 * one:.2f}%"
                )
        return
    cases = [(name, False) for name in ("null", "streak", "trend", "weekday", "all")]
    cases += [("effect-iid", True), ("effect-iid", False), ("effect", True), ("effect", False)]
    if args.scenarios:
        cases = [c for c in cases if c[0] in args.scenarios]
    print(
        f"{args.patients} patients per scenario and seed, seeds {args.seeds}; % of patients "
        "(mood claims: % of practices)"
    )
    print(f"{'scenario':<18}{'days':>5}  {'any claim':>16}  {'mood claims':>16}  {'found':>16}")
    print(f"{'':<18}{'':>5}  {'before → now':>16}  {'before → now':>16}  {'before → now':>16}")
    for days in args.days:
        for name, solo in cases:
            label = f"{name}{' (alone)' if solo else ''}"
            started = time.perf_counter()
            before = np.full(3 + len(LEVELS), np.nan)
            if not args.no_before:
                before = np.mean(
                    [run(name, s, args.patients, days, solo, judge_before) for s in args.seeds], 0
                )
            now = np.mean(
                [run(name, s, args.patients, days, solo, judge_patterns) for s in args.seeds], 0
            )
            took = (time.perf_counter() - started) / (args.patients * len(args.seeds))
            found = f"{before[2]:5.1f} → {now[2]:5.1f}" if name.startswith("effect") else "—"
            print(
                f"{label:<18}{days:>5}  {before[0]:5.1f} → {now[0]:5.1f}  "
                f"{before[1]:5.1f} → {now[1]:5.1f}  {found:>16}   ({took * 1000:.0f} ms/patient)"
            )
            if args.levels:
                what = "found" if name.startswith("effect") else "any claim"
                rates = ", ".join(f"{a:g}: {r:.1f}%" for a, r in zip(LEVELS, now[3:], strict=True))
                print(f"{'':<23}{what} at family level {rates}")


if __name__ == "__main__":
    main()
