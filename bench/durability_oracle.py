"""The oracle bound for the course's durability: how well *any* estimate could date the end.

    .venv/bin/python bench/durability_oracle.py --seeds 1 2 3 4 5 [--size 240] [--app]
        [--booster-evidence] [--jobs 2]

The same oracle as bench/effect_oracle.py (it knows each patient's generative model and the
model's priors, not the draws) looking back over **all** the patient's data, as the app's
durability does at the end of follow-up. The relapse's onset (10-50 days after the course),
slide (3-14 days) and floor (0-30% of the benefit) are drawn once per patient, so the exact
posterior over them given every check-in and routine PHQ-9 is the prior times the likelihood
of the whole record under each (onset, slide, floor): ``RetrospectiveFilter`` is
``OracleFilter`` (the same bad-week chain, AR(1) check-in and PHQ-9 likelihoods) with one row
per fixed hypothesis (no relapse; or each onset x slide x floor of a grid) instead of the
"begun k days ago" rows, fed to the end of follow-up (what forward-backward smoothing gives for
static parameters, without the backward pass). Each row's daily share of the benefit is the
simulator's own (``_Benefit.at``), the booster included: a booster after the onset brings the
benefit back as the simulator does; a row whose onset falls after a known booster (which the
simulator never draws) relapses from the restored benefit. Each row implies its "first day
under half of the course's benefit" (``_Benefit.end_day``: the truth's own rule), or none (no
relapse, or a booster before the benefit fell under half).

The estimate: the day ``d`` (days after the course's last session) that maximises the
posterior probability that the true end is within ±5 days of it, told "lasted d days" when
that probability exceeds ``--bias`` times the posterior probability of no end, else "no end"
(``--bias 1``, the default: the Bayes rule for "right or wrong"). Scored as
bench/durability_errors.py: relapsing patients whose benefit ended, within ±5 days; those who
stay well told it ended. ``--app`` runs the app's durability on the same patients
(``durability_errors.app_durability``) and prints both side by side.

``--booster-evidence`` also gives the oracle the simulator's rule for *giving* boosters (a
third of relapsing patients get one 7-21 days after the onset; a quarter of full responders
who stay well get one 30-60 days after the course, partial responders who stay well never):
the booster's day then bounds the onset. The default does not: the booster is a known session
whose effect is modelled, not a clue to when the relapse began (the app cannot know why a
clinician booked a session). ``--missed-days`` gives it the lower adherence after an onset
(0.85 times; a miss after a check-in is the only day that tells). ``--flat-onset``: onsets on
any day 1-75 after the course (bench/effect_oracle.py's ``--flat-onset``), not 10-50.

Approximations: the grids (onset by day, slide by day, floor at 0.025-0.275 in steps of 0.05),
the bad-week chain's (bench/effect_oracle.py), the previous check-in's rounding as noise.
Non-responders (prior of relapse 0 there) are not run. Figures: bench/README.md, "Thirteenth
pass".
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.effect_cohort import DAY_ZERO, PRE_COURSE_DAYS, SimPatient, _Benefit, cohort  # noqa: E402
from bench.effect_oracle import (  # noqa: E402
    FLAT_ONSET_WINDOW,
    ONSET_WINDOW,
    RELAPSE_PRIOR,
    SLIDES,
    STATES,
    OracleFilter,
    feed,
)
from bench.effect_sim import DURABILITY_TOLERANCE_DAYS, RELAPSING, STAYING_WELL  # noqa: E402

FLOORS = tuple(0.025 + 0.05 * i for i in range(6))
END_SEARCH_DAYS = 60  # _Benefit.end_day looks this far past the onset
BIASES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
# The simulator's booster rule (bench/effect_cohort.py ``patient``), for --booster-evidence.
RELAPSE_BOOSTER = (1 / 3, (7, 21))  # share of relapsing patients, days after the onset
STABLE_BOOSTER = (0.25, (30, 60))  # share of full responders who stay well, days after course
PARTIAL_LIFT = 2.25  # partial responders' lift is 1.2-2.0 points, full responders' 2.5-4.0
AFTER_ONSET_ADHERENCE = 0.85


def share_paths(
    benefit: _Benefit, days: np.ndarray, onset: np.ndarray, slide: np.ndarray, floor: np.ndarray
) -> np.ndarray:
    """Each hypothesis's share of the benefit on each day (rows x days): ``_Benefit.at`` with
    the row's onset, slide and floor, vectorised; ``onset`` < 0: no relapse. A row whose onset
    is after the booster relapses from the benefit the booster restored."""
    course = np.array([benefit.at(int(day)) for day in days])  # onset and booster: none
    booster = benefit.booster
    ramp = np.zeros(len(days)) if booster is None else np.clip((days - booster) / 3, 0, 1)
    ramp = np.where(days > (booster if booster is not None else days.max() + 1), ramp, 0.0)
    relapsing = onset[:, None] >= 0
    started = relapsing & (days[None, :] >= onset[:, None])
    lost = np.where(started, np.minimum(1.0, (days[None, :] - onset[:, None]) / slide[:, None]), 0)
    fallen = course - (course - floor[:, None]) * lost
    simulator = fallen + (1 - fallen) * ramp  # the relapse, then the booster (``_Benefit.at``)
    restored = course + (1 - course) * ramp
    after_booster = restored - (restored - floor[:, None]) * lost
    late = (onset > booster) if booster is not None else np.zeros(len(onset), dtype=bool)
    return np.where(late[:, None], after_booster, simulator)


@dataclass
class Hypotheses:
    onset: np.ndarray  # days after DAY_ZERO; -1: no relapse
    slide: np.ndarray
    floor: np.ndarray
    prior: np.ndarray
    shares: np.ndarray  # rows x days, from ``first_day``
    first_day: int
    end: np.ndarray  # the first day under half, days after the course's last session; -1 none


def hypotheses(
    sim: SimPatient,
    benefit: _Benefit,
    *,
    booster_evidence: bool,
    window: tuple[int, int] = ONSET_WINDOW,
) -> Hypotheses:
    model = sim.model
    course_end = model["course"][-1]
    onsets = np.arange(course_end + window[0], course_end + window[1] + 1)
    grid = np.array(np.meshgrid(onsets, SLIDES, FLOORS, indexing="ij")).reshape(3, -1)
    onset = np.concatenate([[-1], grid[0]]).astype(int)
    slide = np.concatenate([[1], grid[1]])
    floor = np.concatenate([[0.0], grid[2]])
    relapse = RELAPSE_PRIOR.get(sim.scenario, 0.0)
    prior = np.concatenate([[1 - relapse], np.full(grid.shape[1], relapse / grid.shape[1])])
    if booster_evidence:
        prior = prior * _booster_likelihood(sim, onset)
        prior /= prior.sum()
    last = max((sim.follow_up_end - DAY_ZERO).days, int(onsets[-1]) + END_SEARCH_DAYS)
    days = np.arange(-PRE_COURSE_DAYS, last + 1)
    shares = share_paths(benefit, days, onset, slide, floor)
    # The first day under half, from the onset on (``_Benefit.end_day``).
    since = days[None, :] - onset[:, None]
    searched = (since >= 0) & (since < END_SEARCH_DAYS)
    under = searched & (shares < 0.5) & (onset[:, None] >= 0)
    end = np.where(under.any(axis=1), days[under.argmax(axis=1)] - course_end, -1)
    return Hypotheses(onset, slide, floor, prior, shares, -PRE_COURSE_DAYS, end)


def _booster_likelihood(sim: SimPatient, onset: np.ndarray) -> np.ndarray:
    """How likely the simulator's booster rule makes the booster seen (or its absence) under
    each hypothesis."""
    booster = sim.model["booster"]
    course_end = sim.model["course"][-1]
    share, (low, high) = RELAPSE_BOOSTER
    if booster is None:
        relapse = np.full(len(onset), 1 - share)
    else:
        after = booster - onset
        relapse = np.where((after >= low) & (after <= high), share / (high - low + 1), 0.0)
    partial = sim.model["lift"] < PARTIAL_LIFT
    stable_share, (low, high) = STABLE_BOOSTER
    if partial:
        well = 1.0 if booster is None else 0.0
    elif booster is None:
        well = 1 - stable_share
    else:
        well = stable_share / (high - low + 1) if low <= booster - course_end <= high else 0.0
    return np.where(onset < 0, well, relapse)


class RetrospectiveFilter(OracleFilter):
    """``OracleFilter`` with fixed (onset, slide, floor) rows: its weights after the last day
    of follow-up are the posterior over them given all the data."""

    def __init__(
        self,
        sim: SimPatient,
        *,
        booster_evidence: bool = False,
        window: tuple[int, int] = ONSET_WINDOW,
    ) -> None:
        super().__init__(sim, window=window)
        self.hyp = hypotheses(sim, self.benefit, booster_evidence=booster_evidence, window=window)
        # Until the first possible onset every row has the same path: one row does the work
        # (the parent's trick), spread over the hypotheses by their prior on that day.
        self.weights = np.zeros((1, len(STATES.day)))
        self.weights[0, 0] = 1.0
        self.rows = 1
        self.first_onset = self.course_end + window[0]

    def row_shares(self, day: int, lag: int) -> np.ndarray:
        return self.hyp.shares[: self.rows, day - lag - self.hyp.first_day]

    def fortnight_shares(self, day: int) -> np.ndarray:
        at = day - self.hyp.first_day
        return self.hyp.shares[: self.rows, at - 13 : at + 1].mean(axis=1)

    def _move_relapse(self, w: np.ndarray, day: int) -> np.ndarray:
        if self.rows == 1 and day >= self.first_onset:
            self.weights = self.hyp.prior[:, None] * self.weights[0][None, :]
            self.rows = len(self.hyp.prior)
            return self.weights
        return w

    def posterior(self) -> np.ndarray:
        """Each hypothesis's posterior probability (after the whole record is in)."""
        post = self.weights.sum(axis=1)
        if len(post) == 1:  # follow-up ended before any onset could (not in these cohorts)
            return self.hyp.prior
        return post / post.sum()


def _adherence_likelihood(sim: SimPatient, hyp: Hypotheses) -> np.ndarray:
    """The likelihood of the record's missed days under each hypothesis (days after a
    check-in only: after a miss the simulator misses again half the time, whatever the
    adherence)."""
    observed = {(d - DAY_ZERO).days for d, _ in sim.check_ins}
    end = (sim.follow_up_end - DAY_ZERO).days
    after_check_in = [d for d in range(-PRE_COURSE_DAYS + 1, end + 1) if d - 1 in observed]
    days = np.array(after_check_in)
    missed = np.array([d not in observed for d in after_check_in])

    def p_miss(adherence: float) -> float:
        return 0.5 * (1 - adherence) / adherence

    before, after = p_miss(sim.adherence), p_miss(sim.adherence * AFTER_ONSET_ADHERENCE)
    started = (hyp.onset[:, None] >= 0) & (days[None, :] >= hyp.onset[:, None])
    p = np.where(started, after, before)
    log = np.where(missed[None, :], np.log(np.maximum(p, 1e-12)), np.log1p(-p)).sum(axis=1)
    return np.exp(log - log.max())


@dataclass
class Told:
    """What the oracle tells one patient: its estimate (or None: no end) and why."""

    estimate: int | None
    within: float  # posterior probability of the truth within ±5 days of the best day
    no_end: float  # posterior probability of no end


def decide(post: np.ndarray, end: np.ndarray, bias: float = 1.0) -> Told:
    no_end = float(post[end < 0].sum())
    ended = end >= 0
    if not ended.any():
        return Told(None, 0.0, no_end)
    mass = np.bincount(end[ended], weights=post[ended])
    window = np.ones(2 * DURABILITY_TOLERANCE_DAYS + 1)
    half = DURABILITY_TOLERANCE_DAYS
    within = np.convolve(mass, window)[half : half + len(mass)]
    best = int(within.argmax())
    told = best if within[best] > bias * no_end else None
    return Told(told, float(within[best]), no_end)


@dataclass
class Case:
    """One patient: the oracle's posterior summary, the truth and (with --app) the app's."""

    id: str
    seed: int
    scenario: str
    booster: bool
    slide: int | None
    truth: int | None
    post_end: np.ndarray  # posterior mass per end day (index) and no end (last)
    app: int | None = None
    app_status: str = ""


def run_patient(
    sim: SimPatient,
    *,
    booster_evidence: bool = False,
    missed_days: bool = False,
    use_phq9: bool = True,
    window: tuple[int, int] = ONSET_WINDOW,
) -> np.ndarray:
    """The posterior over the end day: mass per day after the course (0..), no end last."""
    oracle = RetrospectiveFilter(sim, booster_evidence=booster_evidence, window=window)
    for _ in feed(oracle, sim, use_phq9=use_phq9):
        pass
    post = oracle.posterior()
    if missed_days:
        post = post * _adherence_likelihood(sim, oracle.hyp)
        post /= post.sum()
    end = oracle.hyp.end
    length = int(end.max()) + 1 if (end >= 0).any() else 0
    mass = np.bincount(end[end >= 0], weights=post[end >= 0], minlength=length)
    return np.concatenate([mass, [post[end < 0].sum()]])


def _seed_cases(args: tuple[int, int, bool, bool, bool, bool, bool]) -> list[Case]:
    seed, size, booster_evidence, missed_days, use_phq9, app, flat = args
    window = FLAT_ONSET_WINDOW if flat else ONSET_WINDOW
    params = None
    if app:
        from bench.effect_sim import configure_django

        configure_django()
        from claywork.measures import effect

        params = effect.EffectParams.from_settings()
    cases = []
    for sim in cohort(seed, size):
        if sim.scenario not in RELAPSING | STAYING_WELL:
            continue
        mass = run_patient(
            sim,
            booster_evidence=booster_evidence,
            missed_days=missed_days,
            use_phq9=use_phq9,
            window=window,
        )
        truth = (sim.benefit_end - sim.course_end).days if sim.benefit_end else None
        case = Case(
            sim.id, seed, sim.scenario, sim.booster is not None, sim.slide_days, truth, mass
        )
        if app:
            from bench.durability_errors import app_durability

            case.app_status, case.app = app_durability(sim, params)
        cases.append(case)
    return cases


def told(mass: np.ndarray, bias: float) -> Told:
    """``decide`` on a posterior over end days (``run_patient``'s form)."""
    return decide(mass, np.concatenate([np.arange(len(mass) - 1), [-1]]), bias)


def told_from(mass: np.ndarray, bias: float) -> int | None:
    return told(mass, bias).estimate


def _within(estimate: int | None, truth: int) -> bool:
    return estimate is not None and abs(estimate - truth) <= DURABILITY_TOLERANCE_DAYS


def groups(case: Case) -> list[str]:
    scenario = "relapse" if case.scenario == "relapse" else "partial responder"
    booster = "booster" if case.booster else "no booster"
    shape = "abrupt (3-7 d)" if (case.slide or 0) <= 7 else "gradual (8-14 d)"
    return ["all", scenario, booster, shape, f"{scenario}, {booster}"]


def report(cases: list[Case], bias: float, app: bool, title: str) -> None:
    relapsing = [c for c in cases if c.scenario in RELAPSING and c.truth is not None]
    well = [c for c in cases if c.scenario in STAYING_WELL]
    rows: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for case in relapsing:
        truth = case.truth or 0
        oracle = _within(told_from(case.post_end, bias), truth)
        mine = _within(case.app, truth)
        for key in groups(case):
            rows[key].append((oracle, mine))
    order = [
        "all",
        "relapse",
        "partial responder",
        "no booster",
        "booster",
        "abrupt (3-7 d)",
        "gradual (8-14 d)",
        "relapse, no booster",
        "relapse, booster",
        "partial responder, no booster",
        "partial responder, booster",
    ]
    print(f"\n{title}\n")
    head = "| relapsing patients whose benefit ended | oracle within ±5 d |"
    print(head + (" app within ±5 d |" if app else ""))
    print("|---|---|" + ("---|" if app else ""))
    for key in order:
        found = rows.get(key)
        if not found:
            continue
        n = len(found)
        o = sum(f[0] for f in found)
        line = f"| {key} | {100 * o / n:.0f}% ({o}/{n}) |"
        if app:
            a = sum(f[1] for f in found)
            line += f" {100 * a / n:.0f}% ({a}/{n}) |"
        print(line)
    told_ended = sum(told_from(c.post_end, bias) is not None for c in well)
    partial = [c for c in well if c.scenario == "partial"]
    partial_ended = sum(told_from(c.post_end, bias) is not None for c in partial)
    line = (
        f'| who stay well told "ended" | {told_ended}/{len(well)} '
        f"(partial responders {partial_ended}/{len(partial)}) |"
    )
    if app:
        from_app = sum(c.app is not None for c in well)
        from_app_partial = sum(c.app is not None for c in partial)
        line += f" {from_app}/{len(well)} (partial responders {from_app_partial}/{len(partial)}) |"
    print(line)


def frontier(cases: list[Case]) -> None:
    relapsing = [c for c in cases if c.scenario in RELAPSING and c.truth is not None]
    well = [c for c in cases if c.scenario in STAYING_WELL]
    print("\n| bias: an end when P(±5 d) > bias x P(no end) | within ±5 d | stay well, ended |")
    print("|---|---|---|")
    for bias in BIASES:
        hit = sum(_within(told_from(c.post_end, bias), c.truth or 0) for c in relapsing)
        ended = sum(told_from(c.post_end, bias) is not None for c in well)
        share = f"{100 * hit / len(relapsing):.0f}% ({hit}/{len(relapsing)})"
        print(f"| {bias:g} | {share} | {ended}/{len(well)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--size", type=int, default=240, help="patients per seed")
    parser.add_argument("--bias", type=float, default=1.0)
    parser.add_argument("--booster-evidence", action="store_true")
    parser.add_argument("--missed-days", action="store_true")
    parser.add_argument("--no-phq9", action="store_true", help="the check-ins alone")
    parser.add_argument(
        "--flat-onset", action="store_true", help="onsets on any day of follow-up (1-75)"
    )
    parser.add_argument("--app", action="store_true", help="the app's durability side by side")
    parser.add_argument("--per-seed", action="store_true")
    parser.add_argument("--list", action="store_true", help="each case the two tell apart")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--save", type=Path, help="pickle the cases (posteriors) to this file")
    args = parser.parse_args()
    work = [
        (
            seed,
            args.size,
            args.booster_evidence,
            args.missed_days,
            not args.no_phq9,
            args.app,
            args.flat_onset,
        )
        for seed in args.seeds
    ]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            per_seed = list(pool.map(_seed_cases, work))
    else:
        per_seed = [_seed_cases(w) for w in work]
    cases = [case for found in per_seed for case in found]
    if args.save:
        args.save.write_bytes(pickle.dumps(per_seed))
    knows = "booster timing as evidence" if args.booster_evidence else "booster as a session"
    knows += ", missed days" if args.missed_days else ""
    knows += ", check-ins only" if args.no_phq9 else ", check-ins and routine PHQ-9s"
    knows += ", onsets 1-75 days after the course" if args.flat_onset else ""
    print(f"durability oracle ({knows}); seeds {args.seeds}; {args.size} patients each")
    report(cases, args.bias, args.app, f"pooled, bias {args.bias:g}")
    if args.per_seed:
        for seed, found in zip(args.seeds, per_seed, strict=True):
            report(found, args.bias, args.app, f"seed {seed}")
    frontier(cases)
    if args.list:
        listing(cases, args.bias)


def listing(cases: list[Case], bias: float) -> None:
    """Each relapsing patient whose benefit ended that the oracle or the app (--app) dates
    outside ±5 days, with what each said and the posterior's summary."""
    print("\n| patient | scenario | booster | slide | truth | oracle | P(±5) | P(no end) | app |")
    print("|---|---|---|---|---|---|---|---|---|")
    for c in cases:
        if c.scenario not in RELAPSING or c.truth is None:
            continue
        said = told(c.post_end, bias)
        if _within(said.estimate, c.truth) and _within(c.app, c.truth):
            continue
        app = c.app if c.app is not None else c.app_status
        print(
            f"| {c.id} | {c.scenario} | {'yes' if c.booster else 'no'} | {c.slide} | {c.truth} "
            f"| {said.estimate} | {said.within:.2f} | {said.no_end:.2f} | {app} |"
        )


if __name__ == "__main__":
    main()
