"""The oracle bound: how well *any* rule could tell a relapse on the simulated data.

    .venv/bin/python bench/effect_oracle.py --seeds 1 2 3 4 5 [--size 240] [--no-phq9]

A detector that knows each simulated patient's generative model (``SimPatient.model``: the
pre-course level, the lift, the course's benefit curve, the AR(1) noise's spread and lag-1
correlation, the PHQ-9's baseline and scale) and the model's priors (a relapse for half of the
responders, its onset uniform 10-50 days after the course, a slide of 3-14 days to a floor of
0-30% of the benefit, bad weeks about one in 80 days of 1-3 points for 3-8 days), but not what
was drawn from them: not whether, nor when, this patient relapses, nor their bad weeks. It
sees the same data as the app (check-ins with their missed days, the routine weekly PHQ-9s;
not the PHQ-9s the app asks for) and computes, day by day, the posterior probability that the
relapse has begun (Shiryaev, 1963: raising the alarm when it crosses a threshold is the optimal
rule for a known prior and model; Tartakovsky, Nikiforov & Basseville, 2014, ch. 7).

The posterior comes from a forward filter (a hidden Markov model) over the product of two
hidden processes: the relapse (never; not yet; or begun k days ago with slide s and floor f,
a grid of 12 slides x 2 floors) and the bad week (none; or day j of a week of depth d and
length L, recovery days included, a grid of 3 depths x 6 lengths). A check-in's likelihood is
that of the rounded, clipped AR(1) model given the previous check-in (however many days ago);
a PHQ-9's is the model's Gaussian around the two weeks' mean benefit and bad-week dip implied
by the state. Approximations (what keeps this a bound in practice, not in theory): the grids,
the path before a state's own start taken as "no relapse, no bad week", the previous
check-in's rounding treated as noise, the lower adherence after an onset not used.

An alarm is raised when the posterior crosses the threshold; it closes when the posterior falls
under half the threshold, and a later crossing is a new alarm (counted like the app's alerts by
``bench/effect_sim.py``'s ``Figures``). ``--thresholds`` sweeps it and prints the frontier.
Figures and the seeds they were run on: bench/README.md ("Third pass").
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy.special import ndtr

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.effect_cohort import DAY_ZERO, PRE_COURSE_DAYS, SimPatient, _Benefit, cohort  # noqa: E402
from bench.effect_sim import DETECTED_WITHIN_DAYS, Figures, Outcome  # noqa: E402

SLIDES = tuple(range(3, 15))
FLOORS = (0.075, 0.225)
DEPTHS = (1.33, 2.0, 2.67)
LENGTHS = tuple(range(3, 9))
BAD_WEEK_RATE = 1 / 80
ONSET_WINDOW = (10, 50)  # days after the course's last session
# ``--flat-onset``: an oracle that does not know when relapses come, only that they may, on any
# day of the 75 days of follow-up (the app knows no more than that).
FLAT_ONSET_WINDOW = (1, 75)
RELAPSE_PRIOR = {"stable": 0.5, "relapse": 0.5, "partial": 0.5, "partial_relapse": 0.5}
MAX_LAG = 10  # a check-in older than this is taken as independent of today's
PHQ9_SD = (2.0**2 + 1 / 12) ** 0.5
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)


@dataclass(frozen=True)
class _States:
    """The two hidden processes' state grids, as arrays."""

    # relapse axis: 0 never, 1 not yet, then (s, f, k) for k = 0..s (k = s: fully fallen)
    slide: np.ndarray
    floor: np.ndarray
    since: np.ndarray  # days since the onset; -1 for never / not yet
    entry: np.ndarray  # the (s, f, 0) rows
    entry_weight: np.ndarray
    moves_from: np.ndarray  # rows k >= 1 and their predecessor rows
    moves_to: np.ndarray
    fallen: np.ndarray  # the absorbing k = s rows
    # bad-week axis: 0 none, then (d, L, j) for j = 1..L + 2 (the last two: recovering)
    depth: np.ndarray
    length: np.ndarray
    day: np.ndarray  # 0 for none
    week_entry: np.ndarray
    week_entry_weight: np.ndarray
    week_from: np.ndarray
    week_to: np.ndarray
    week_last: np.ndarray


def _states() -> _States:
    slide, floor, since = [0.0, 0.0], [0.0, 0.0], [-1, -1]
    entry, moves_from, moves_to, fallen = [], [], [], []
    for s in SLIDES:
        for f in FLOORS:
            for k in range(s + 1):
                row = len(since)
                slide.append(s), floor.append(f), since.append(k)
                if k == 0:
                    entry.append(row)
                else:
                    moves_from.append(row - 1), moves_to.append(row)
                if k == s:
                    fallen.append(row)
    depth, length, day = [0.0], [0], [0]
    week_entry, week_from, week_to, week_last = [], [], [], []
    for d in DEPTHS:
        for n in LENGTHS:
            for j in range(1, n + 3):
                col = len(day)
                depth.append(d), length.append(n), day.append(j)
                if j == 1:
                    week_entry.append(col)
                else:
                    week_from.append(col - 1), week_to.append(col)
                if j == n + 2:
                    week_last.append(col)
    return _States(
        np.array(slide),
        np.array(floor),
        np.array(since),
        np.array(entry),
        np.full(len(entry), 1 / len(entry)),
        np.array(moves_from),
        np.array(moves_to),
        np.array(fallen),
        np.array(depth),
        np.array(length),
        np.array(day),
        np.array(week_entry),
        np.full(len(week_entry), BAD_WEEK_RATE / len(week_entry)),
        np.array(week_from),
        np.array(week_to),
        np.array(week_last),
    )


STATES = _states()


def _dip(lag: int) -> np.ndarray:
    """Each bad-week state's dip ``lag`` days earlier (its own path back; none before it)."""
    j, n, d = STATES.day - lag, STATES.length, STATES.depth
    dip = np.where(j <= n, d * np.minimum(1.0, j / 2), d * (1 - (j - n) / 3))
    return np.where((STATES.day >= 1) & (j >= 1) & (j <= n + 2), dip, 0.0)


def _loss(lag: int) -> np.ndarray:
    """Each relapse state's share of the benefit lost ``lag`` days earlier."""
    k = STATES.since - lag
    return np.where(
        (STATES.since >= 0) & (k >= 0), np.minimum(1.0, k / np.maximum(STATES.slide, 1.0)), 0.0
    )


DIPS = [_dip(lag) for lag in range(14 + MAX_LAG)]
LOSSES = [_loss(lag) for lag in range(14 + MAX_LAG)]
DIPS_FORTNIGHT: np.ndarray = functools.reduce(np.add, DIPS[:14])


class OracleFilter:
    """The posterior over the hidden states of one patient, day by day."""

    def __init__(self, sim: SimPatient, *, window: tuple[int, int] = ONSET_WINDOW) -> None:
        model = sim.model
        self.model = model
        self.sim = sim
        benefit = _Benefit.__new__(_Benefit)
        benefit.course, benefit.per_session = model["course"], model["per_session"]
        benefit.onset, benefit.booster = None, model["booster"]
        self.benefit = benefit
        self.course_end = model["course"][-1]
        prior = RELAPSE_PRIOR.get(sim.scenario, 0.0)
        weights = np.zeros((len(STATES.since), len(STATES.day)))
        weights[0, 0], weights[1, 0] = 1 - prior, prior
        self.weights = weights
        self.started = STATES.since >= 0
        # Before the onset window only "never" and "not yet" hold any weight: the filter works
        # on those two rows until then (the same numbers, a fraction of the work).
        self.rows = 2
        self.window = window

    def share(self, day: int) -> float:
        return self.benefit.at(day)

    def row_shares(self, day: int, lag: int) -> np.ndarray:
        """Each live relapse row's share of the course's benefit ``lag`` days before ``day``
        (the row's own path back). ``RetrospectiveFilter`` (bench/durability_oracle.py) rows
        are fixed onsets instead."""
        share = self.share(day - lag)
        return (share - (share - STATES.floor) * LOSSES[lag])[: self.rows]

    def _move_relapse(self, w: np.ndarray, day: int) -> np.ndarray:
        """The relapse axis moves on one day (``w``: the live rows)."""
        first, last = (self.course_end + bound for bound in self.window)
        if day >= first:
            self.rows = len(STATES.since)
            w = self.weights[: self.rows]
        hazard = 1 / (last - day + 1) if first <= day <= last else 0.0
        moved = np.zeros_like(w)
        moved[0] = w[0]
        moved[1] = w[1] * (1 - hazard)
        if self.rows > 2:
            moved[STATES.entry] = hazard * STATES.entry_weight[:, None] * w[1][None, :]
            moved[STATES.moves_to] = w[STATES.moves_from]
            moved[STATES.fallen] += w[STATES.fallen]
        return moved

    def step(self, day: int) -> None:
        """The hidden processes move on one day."""
        moved = self._move_relapse(self.weights[: self.rows], day)
        out = np.zeros_like(self.weights)
        rows = out[: self.rows]
        rows[:, 0] = moved[:, 0] * (1 - BAD_WEEK_RATE)
        rows[:, 0] += moved[:, STATES.week_last].sum(axis=1)
        rows[:, STATES.week_entry] = moved[:, [0]] * STATES.week_entry_weight[None, :]
        rows[:, STATES.week_to] = moved[:, STATES.week_from]
        self.weights = out

    def check_in(self, day: int, mood: int, previous: tuple[int, int] | None) -> None:
        model = self.model
        spread, rho = model["spread"], model["inertia"]
        mean = model["pre"] + model["lift"] * self.row_shares(day, 0)[:, None] - DIPS[0][None, :]
        variance = spread**2
        if previous is not None and day - previous[0] <= MAX_LAG:
            lag = day - previous[0]
            then = model["pre"] + model["lift"] * self.row_shares(day, lag)
            mean_then = then[:, None] - DIPS[lag][None, :]
            carry = rho**lag
            mean = mean + carry * (previous[1] - mean_then)
            variance = spread**2 * (1 - carry**2) + carry**2 / 12
        sd = (variance + 1 / 12) ** 0.5
        upper = np.inf if mood >= 10 else (mood + 0.5 - mean) / sd
        lower = -np.inf if mood <= 0 else (mood - 0.5 - mean) / sd
        self._observe(ndtr(upper) - ndtr(lower))

    def phq9(self, day: int, total: int) -> None:
        model = self.model
        shares = self.fortnight_shares(day)[:, None]
        dips = DIPS_FORTNIGHT
        mean = model["phq9_baseline"] - model["phq9_gained"] * shares
        mean = mean + model["per_mood_point"] * dips[None, :] / 14
        upper = np.inf if total >= 27 else (total + 0.5 - mean) / PHQ9_SD
        lower = -np.inf if total <= 0 else (total - 0.5 - mean) / PHQ9_SD
        self._observe(ndtr(upper) - ndtr(lower))

    def fortnight_shares(self, day: int) -> np.ndarray:
        """Each live row's mean share over the two weeks a PHQ-9 on ``day`` asks about."""
        total: np.ndarray = functools.reduce(
            np.add, (self.row_shares(day, lag) for lag in range(14))
        )
        return total / 14

    def _observe(self, likelihood: np.ndarray) -> None:
        rows = self.weights[: self.rows]
        rows *= np.maximum(likelihood, 1e-300)
        self.weights /= rows.sum()

    def relapse_probability(self) -> float:
        return float(self.weights[self.started].sum())


def posterior_path(
    sim: SimPatient, *, use_phq9: bool = True, window: tuple[int, int] = ONSET_WINDOW
) -> dict[date, float]:
    """The posterior probability that the relapse has begun, on each day of follow-up, from
    the data up to that day."""
    oracle = OracleFilter(sim, window=window)
    path = {}
    for day in feed(oracle, sim, use_phq9=use_phq9):
        if day > oracle.course_end:
            path[DAY_ZERO + timedelta(days=day)] = oracle.relapse_probability()
    return path


def feed(oracle: OracleFilter, sim: SimPatient, *, use_phq9: bool = True) -> Iterator[int]:
    """Give the filter the patient's data day by day (check-ins, routine PHQ-9s after the
    course began), from the first pre-course day to the end of follow-up; yields each day
    once its data are in."""
    moods = {(d - DAY_ZERO).days: v for d, v in sim.check_ins}
    scores = {(d - DAY_ZERO).days: v for d, v in sim.phq9} if use_phq9 else {}
    end = (sim.follow_up_end - DAY_ZERO).days
    previous: tuple[int, int] | None = None
    for day in range(-PRE_COURSE_DAYS, end + 1):
        if day > -PRE_COURSE_DAYS:
            oracle.step(day)
        if day in moods:
            oracle.check_in(day, moods[day], previous)
            previous = (day, moods[day])
        if day in scores and day > 0:
            oracle.phq9(day, scores[day])
        yield day


def outcome(sim: SimPatient, path: dict[date, float], threshold: float) -> Outcome:
    """The alarms the threshold raises on a posterior path, scored like the app's alerts."""
    alarms: list[date] = []
    raised = False
    open_at_onset = False
    for day, probability in sorted(path.items()):
        if not raised and probability >= threshold:
            alarms.append(day)
            raised = True
        elif raised and probability < threshold / 2:
            raised = False
        if sim.onset is not None and day == sim.onset - timedelta(days=1):
            open_at_onset = raised
    return Outcome(sim, alerts=alarms, open_at_onset=open_at_onset)


COLUMNS = ["false/pt-month", "stable none", "<=7 d", "median d", "p90 d", "missed", "before onset"]


def frontier(paths: list[tuple[SimPatient, dict[date, float]]], thresholds: list[float]) -> str:
    lines = [
        "| threshold | " + " | ".join(COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for threshold in thresholds:
        figures = Figures()
        for sim, path in paths:
            figures.add(outcome(sim, path, threshold))
        row = figures.row()
        lines.append(f"| {threshold:g} | " + " | ".join(row[c] for c in COLUMNS) + " |")
    return "\n".join(lines)


def by_group(paths: list[tuple[SimPatient, dict[date, float]]], threshold: float, key: str) -> str:
    from bench.effect_sim import adherence_band

    groups: dict[str, Figures] = {}
    for sim, path in paths:
        name = adherence_band(sim.adherence) if key == "adherence" else sim.scenario
        groups.setdefault(name, Figures()).add(outcome(sim, path, threshold))
    lines = [f"| {key} | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, figures in sorted(groups.items()):
        row = figures.row()
        lines.append(f"| {name} | " + " | ".join(row[c] for c in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--size", type=int, default=240, help="patients per seed")
    parser.add_argument("--thresholds", type=float, nargs="+", default=list(THRESHOLDS))
    parser.add_argument("--no-phq9", action="store_true", help="the check-ins alone")
    parser.add_argument(
        "--flat-onset", action="store_true", help="not knowing when relapses come (any day)"
    )
    parser.add_argument(
        "--detail", type=float, metavar="THRESHOLD", help="per adherence and scenario at one"
    )
    args = parser.parse_args()
    window = FLAT_ONSET_WINDOW if args.flat_onset else ONSET_WINDOW
    paths = [
        (sim, posterior_path(sim, use_phq9=not args.no_phq9, window=window))
        for seed in args.seeds
        for sim in cohort(seed, args.size)
    ]
    evidence = "check-ins only" if args.no_phq9 else "check-ins and weekly PHQ-9s"
    evidence += f"; onsets {window[0]}-{window[1]} days after the course"
    print(f"oracle ({evidence}); seeds {args.seeds}; {args.size} patients each")
    print(f"delays from the perceptible onset; 'within' is <= {DETECTED_WITHIN_DAYS} days\n")
    print(frontier(paths, args.thresholds))
    if args.detail is not None:
        print(f"\nat threshold {args.detail:g}, per adherence level\n")
        print(by_group(paths, args.detail, "adherence"))
        print(f"\nat threshold {args.detail:g}, per scenario\n")
        print(by_group(paths, args.detail, "scenario"))
    # The posterior's median on each relapse's perceptible onset + 7: how sure it could be.
    sure = [
        path.get(sim.perceptible_onset + timedelta(days=DETECTED_WITHIN_DAYS), 0.0)
        for sim, path in paths
        if sim.perceptible_onset is not None
    ]
    if sure:
        print(
            f"\nposterior on the perceptible onset + {DETECTED_WITHIN_DAYS} days, relapses: "
            f"median {statistics.median(sure):.3f}"
        )


if __name__ == "__main__":
    main()
