"""How well "is the effect holding?" works on synthetic cohorts with a known truth.

    .venv/bin/python bench/effect_sim.py --seeds 2027 2028 2029 [--size 240] [--rules new|old]
    .venv/bin/python bench/effect_sim.py --seeds 11 12 13 --set mood_threshold=6 --set ...
    .venv/bin/python bench/effect_sim.py --seeds 11 --size 40 --write-cohort cohort.json

Cohorts come from ``bench/effect_cohort.py`` (see its docstring for what a patient is). Each
patient's history is judged as the app judges it: ``--rules new`` runs ``effect.evaluate``,
whose replay judges each day with the data up to that day (the app raises one alert per
episode, on the day it opens); ``--rules old`` runs the rules of commit d92eafe (read from git)
once per day with data, one alert per distinct dedupe key, as the app then did.

The app asks for a PHQ-9 when an early warning opens (``effect.phq9_requests``); the
simulated patient answers with their adherence as the probability, 0-2 days later, and the
history is replayed with the answer (``with_requested_phq9s``; ``--no-ask-phq9`` turns it off).

Printed per seed and pooled, per scenario and adherence level: false alerts per stable
patient-month and the share of stable patients with none in the 75 days of follow-up; for
relapses, the share alerted within 7 days of the perceptible onset (and of the day the benefit
began to go: bench/effect_cohort.py says why both), the delay (median, 90th percentile, max),
misses and alerts before onset; the course's durability against the truth; PHQ-9s asked for
per patient-month. Settings come from
``claywork.settings`` (the app's defaults); ``--set name=value`` changes one for a tuning run.
No database. Figures and the seeds they were tuned and reported on: bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import types
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.effect_cohort import SimPatient, cohort  # noqa: E402

LEGACY_COMMIT = "d92eafe"
MONTH_DAYS = 30.44
DETECTED_WITHIN_DAYS = 7
DURABILITY_TOLERANCE_DAYS = 5
RELAPSING = {"relapse", "partial_relapse"}
STAYING_WELL = {"stable", "partial"}


def configure_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claywork.settings")
    os.environ.setdefault("CLAYWORK_DEMO", "1")
    os.environ.setdefault("CLAYWORK_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ.setdefault("CLAYWORK_LOG_LEVEL", "WARNING")
    import django

    django.setup()


@dataclass
class Outcome:
    """What the rules said about one patient, set against the truth."""

    patient: SimPatient
    alerts: list[date]  # the days a new alert was raised: an episode opened or started again
    updates: int = 0  # deepenings of an open episode (an update, not a new alert)
    open_at_onset: bool = False  # an alert raised before the onset was still open on it
    durability: int | None = None  # the course's "lasted N days", when it said so
    told_lasted: bool = False
    phq9_asked: int = 0  # PHQ-9s the app asked for in follow-up (an early warning opened)

    @property
    def months(self) -> float:
        return (self.patient.follow_up_end - self.patient.course_end).days / MONTH_DAYS

    def in_follow_up(self) -> list[date]:
        return [day for day in self.alerts if day > self.patient.course_end]

    @property
    def delay(self) -> int | None:
        """Days from the perceptible onset (bench/effect_cohort.py says why) to an alert the
        care team has: 0 when one was already open on the onset, or raised between the day
        the benefit began to go and the day it could be seen."""
        return self._delay(self.patient.perceptible_onset or self.patient.onset)

    @property
    def delay_from_start(self) -> int | None:
        """The same, counted from the day the benefit began to go (the first pass's onset)."""
        return self._delay(self.patient.onset)

    def _delay(self, seen: date | None) -> int | None:
        onset = self.patient.onset
        if onset is None or seen is None:
            return None
        if self.open_at_onset:
            return 0
        after = [day for day in self.alerts if day >= onset]
        return max(0, (after[0] - seen).days) if after else None

    @property
    def early(self) -> list[date]:
        onset = self.patient.onset
        return [day for day in self.in_follow_up() if onset and day < onset]

    def early_in_bad_week(self) -> int:
        return sum(
            1
            for day in self.early
            if any(s <= day <= e + timedelta(days=2) for s, e, _ in self.patient.bad_weeks)
        )

    @property
    def true_durability(self) -> int | None:
        end = self.patient.benefit_end
        return (end - self.patient.course_end).days if end else None


# --- the rules ------------------------------------------------------------------------------


TIERS = ("early_warning", "alert")


def new_rules(params: Any, tier: str = "alert") -> Callable[[SimPatient], Outcome]:
    """The app's rules; ``tier`` says which days count as "raised": an early warning shown
    (an episode opened or started again) or a fading alert raised (an episode became an alert,
    or an alert episode started again)."""
    return lambda sim: judge_tiers(params, sim)[tier]


def _raised(episode: Any, tier: str) -> list[date]:
    if tier == "early_warning":
        return [episode.start, *episode.reopened]
    alerted = episode.alerted_on
    if alerted is None:
        return []
    return [alerted, *(day for day in episode.reopened if day > alerted)]


ASK_PHQ9 = True  # the app asks for a PHQ-9 when an early warning opens (--no-ask-phq9: not)


def with_requested_phq9s(params: Any, sim: SimPatient) -> tuple[list[tuple[date, int]], int, Any]:
    """The patient's PHQ-9s with those the app asked for: each time an episode opens, the app
    asks once (a due-scale reminder); the patient may answer 0-2 days later. The replay is
    causal, so each answer changes nothing before it: replay, ask on the earliest opening not
    yet asked, add the answer, replay again, until no opening is left unasked.
    Returns the PHQ-9s, how many were asked for in follow-up, and the last report."""
    from claywork.measures import effect

    phq9 = list(sim.phq9)
    asked: set[date] = set()
    while True:
        inputs = effect.EffectInputs(
            phq9=phq9, mood=sim.check_ins, sessions=sim.sessions, today=sim.follow_up_end
        )
        report = effect.evaluate(inputs, params)
        if not ASK_PHQ9:
            return phq9, 0, report
        requests = effect.phq9_requests(report.episodes)
        waiting = sorted(day for day in requests if day not in asked and day <= sim.follow_up_end)
        if not waiting:
            in_follow_up = sum(1 for day in asked if day > sim.course_end)
            return phq9, in_follow_up, report
        asked.add(waiting[0])
        answer = sim.answer_requested_phq9(waiting[0], {day for day, _ in phq9})
        if answer is not None:
            phq9 = sorted([*phq9, answer])


def judge_tiers(params: Any, sim: SimPatient) -> dict[str, Outcome]:
    from claywork.measures import effect

    phq9, phq9_asked, report = with_requested_phq9s(params, sim)
    course = report.course.benefit if report.course else None
    lasted = course is not None and course.status == effect.LASTED
    current_at_onset = None
    if sim.onset is not None:
        until_onset = effect.EffectInputs(
            phq9=[p for p in phq9 if p[0] < sim.onset],
            mood=[m for m in sim.check_ins if m[0] < sim.onset],
            sessions=[s for s in sim.sessions if s < sim.onset],
            today=sim.onset - timedelta(days=1),
        )
        current_at_onset = effect.evaluate(until_onset, params).current
    outcomes = {}
    for tier in TIERS:
        open_at_onset = current_at_onset is not None and (
            tier == "early_warning" or current_at_onset.tier == effect.ALERT
        )
        outcomes[tier] = Outcome(
            sim,
            alerts=sorted(day for e in report.episodes for day in _raised(e, tier)),
            updates=sum(len(episode.deepened) for episode in report.episodes),
            open_at_onset=open_at_onset,
            durability=course.days if lasted and course else None,
            told_lasted=lasted,
            phq9_asked=phq9_asked,
        )
    return outcomes


def _legacy_module() -> types.ModuleType:
    # The rules as they were, read from the repository's own history (git on PATH).
    source = subprocess.run(  # noqa: S603
        ["git", "show", f"{LEGACY_COMMIT}:claywork/measures/effect.py"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("legacy_effect")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{LEGACY_COMMIT}:effect.py", "exec"), module.__dict__)  # noqa: S102
    return module


def old_rules(_params: Any) -> Callable[[SimPatient], Outcome]:
    legacy = _legacy_module()
    thresholds = {"phq9_rise": 5, "mood_drop": 2, "mood_days": 5}

    def judge(sim: SimPatient) -> Outcome:
        days = sorted({d for d, _ in sim.check_ins} | {d for d, _ in sim.phq9})
        keys: dict[date, date] = {}
        open_at_onset = False
        for day in days:
            sessions = [s for s in sim.sessions if s <= day]
            if not sessions:
                continue
            inputs = legacy.EffectInputs(
                phq9=[p for p in sim.phq9 if p[0] <= day],
                mood=[m for m in sim.check_ins if m[0] <= day],
                sessions=sessions,
                today=day,
            )
            signal = legacy.fading_signal(inputs, **thresholds)
            if signal is not None:
                keys.setdefault(signal.since, day)  # the dedupe key holds ``since``
            if sim.onset and day < sim.onset:
                open_at_onset = signal is not None
        inputs = legacy.EffectInputs(
            phq9=sim.phq9, mood=sim.check_ins, sessions=sim.sessions, today=sim.follow_up_end
        )
        benefits = legacy.benefit_durations(inputs, margin=0.5)
        last = next((b for b in benefits if b.session_day == sim.course_end), None)
        lasted = last is not None and last.status == "lasted"
        return Outcome(
            sim,
            alerts=sorted(keys.values()),
            open_at_onset=open_at_onset,
            durability=last.lasted_days if lasted and last else None,
            told_lasted=lasted,
        )

    return judge


# --- figures --------------------------------------------------------------------------------


@dataclass
class Figures:
    stable_patients: int = 0
    stable_months: float = 0.0
    stable_alerts: int = 0
    stable_without: int = 0
    relapses: int = 0
    delays: list[int] = field(default_factory=list)
    delays_from_start: list[int] = field(default_factory=list)
    phq9_asked: int = 0
    phq9_asked_months: float = 0.0
    missed: int = 0
    early_patients: int = 0
    early_alerts: int = 0
    early_in_bad_week: int = 0
    durability_known: int = 0
    durability_close: int = 0
    stable_told_ended: int = 0
    non_responders: int = 0
    non_responder_months: float = 0.0
    non_responder_alerts: int = 0
    updates: int = 0

    def add(self, outcome: Outcome) -> None:
        scenario = outcome.patient.scenario
        self.updates += outcome.updates
        self.phq9_asked += outcome.phq9_asked
        self.phq9_asked_months += outcome.months
        if scenario in STAYING_WELL:
            alerts = len(outcome.in_follow_up())
            self.stable_patients += 1
            self.stable_months += outcome.months
            self.stable_alerts += alerts
            self.stable_without += alerts == 0
            self.stable_told_ended += outcome.told_lasted
        elif scenario in RELAPSING:
            self.relapses += 1
            if outcome.delay is None:
                self.missed += 1
            else:
                self.delays.append(outcome.delay)
            if outcome.delay_from_start is not None:
                self.delays_from_start.append(outcome.delay_from_start)
            self.early_patients += bool(outcome.early)
            self.early_alerts += len(outcome.early)
            self.early_in_bad_week += outcome.early_in_bad_week()
            truth = outcome.true_durability
            if truth is not None:
                self.durability_known += 1
                close = outcome.durability is not None and abs(outcome.durability - truth) <= (
                    DURABILITY_TOLERANCE_DAYS
                )
                self.durability_close += close
        else:
            self.non_responders += 1
            self.non_responder_months += outcome.months
            self.non_responder_alerts += len(outcome.in_follow_up())

    def row(self) -> dict[str, str]:
        within = sum(1 for d in self.delays if d <= DETECTED_WITHIN_DAYS)
        delays = sorted(self.delays)
        return {
            "stable": str(self.stable_patients),
            "false/pt-month": _ratio(self.stable_alerts, self.stable_months, 3),
            "stable none": _share(self.stable_without, self.stable_patients),
            "relapses": str(self.relapses),
            "<=7 d": _share(within, self.relapses),
            "<=7 d from start": _share(
                sum(1 for d in self.delays_from_start if d <= DETECTED_WITHIN_DAYS), self.relapses
            ),
            "median d": _num(statistics.median(delays) if delays else None),
            "p90 d": _num(delays[int(0.9 * (len(delays) - 1))] if delays else None),
            "max d": _num(delays[-1] if delays else None),
            "missed": str(self.missed),
            "before onset": f"{self.early_patients} ({self.early_in_bad_week} bad wk)",
            "durability ±5": _share(self.durability_close, self.durability_known),
            "stable told ended": _share(self.stable_told_ended, self.stable_patients),
            "non-resp/pt-month": _ratio(self.non_responder_alerts, self.non_responder_months, 3),
            "PHQ-9 asked/pt-month": _ratio(self.phq9_asked, self.phq9_asked_months, 2),
        }


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "-"


def _ratio(part: float, whole: float, digits: int) -> str:
    return f"{part / whole:.{digits}f}" if whole else "-"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def adherence_band(adherence: float) -> str:
    return "60-75%" if adherence < 0.75 else "75-90%" if adherence < 0.9 else "90-100%"


def slide_band(outcome: Outcome) -> str:
    slide = outcome.patient.slide_days
    return "" if slide is None else "abrupt (3-7 d)" if slide <= 7 else "gradual (8-14 d)"


def _table(title: str, rows: dict[str, Figures], columns: list[str]) -> str:
    lines = [f"\n{title}", "| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, figures in rows.items():
        row = figures.row()
        lines.append(f"| {name} | " + " | ".join(row[c] for c in columns) + " |")
    return "\n".join(lines)


SUMMARY = [
    "stable",
    "false/pt-month",
    "stable none",
    "relapses",
    "<=7 d",
    "<=7 d from start",
    "median d",
    "p90 d",
    "max d",
    "missed",
    "before onset",
    "durability ±5",
    "stable told ended",
    "non-resp/pt-month",
    "PHQ-9 asked/pt-month",
]


def report(outcomes_by_seed: dict[int, list[Outcome]]) -> str:
    by_seed: dict[str, Figures] = {}
    pooled = Figures()
    by_adherence: dict[str, Figures] = defaultdict(Figures)
    by_scenario: dict[str, Figures] = defaultdict(Figures)
    by_slide: dict[str, Figures] = defaultdict(Figures)
    for seed, outcomes in outcomes_by_seed.items():
        figures = by_seed.setdefault(f"seed {seed}", Figures())
        for outcome in outcomes:
            figures.add(outcome)
            pooled.add(outcome)
            by_adherence[adherence_band(outcome.patient.adherence)].add(outcome)
            by_scenario[outcome.patient.scenario].add(outcome)
            if slide := slide_band(outcome):
                by_slide[slide].add(outcome)
    by_seed["pooled"] = pooled
    return "\n".join(
        [
            _table("Per seed", by_seed, SUMMARY),
            _table("Per adherence (pooled)", dict(sorted(by_adherence.items())), SUMMARY),
            _table("Per scenario (pooled)", dict(sorted(by_scenario.items())), SUMMARY),
            _table(
                "Relapses by how fast the benefit went (pooled)",
                dict(sorted(by_slide.items())),
                [
                    "relapses",
                    "<=7 d",
                    "<=7 d from start",
                    "median d",
                    "p90 d",
                    "max d",
                    "missed",
                    "durability ±5",
                ],
            ),
        ]
    )


def parse_changes(pairs: Iterable[str], params: Any) -> Any:
    known = {f.name: f.type for f in fields(params)}
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        if name not in known:
            raise SystemExit(f"--set: no parameter {name!r}; one of {', '.join(known)}")
        changes[name] = float(raw) if "." in raw else int(raw)
    return params.with_changes(**changes)


def speed(seed: int, repeats: int = 30) -> None:
    """How long one evaluation of a year of daily check-ins and weekly PHQ-9s takes (what each
    check-in and each progress page pays)."""
    import random
    import time

    from claywork.measures.effect import EffectInputs, EffectParams, evaluate

    rng = random.Random(seed)
    first = date(2025, 1, 1)
    mood = [(first + timedelta(days=n), rng.randint(4, 8)) for n in range(365)]
    phq9 = [(first + timedelta(days=n), rng.randint(3, 9)) for n in range(0, 365, 7)]
    sessions = [first + timedelta(days=n) for n in (14, 17, 20, 23, 120, 240)]
    inputs = EffectInputs(phq9, mood, sessions, first + timedelta(days=364))
    params = EffectParams.from_settings()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        evaluate(inputs, params)
        times.append(1000 * (time.perf_counter() - start))
    times.sort()
    middle = statistics.median(times)
    print(
        f"effect.evaluate, 365 check-ins, 53 PHQ-9s, 6 sessions: median {middle:.1f} ms, "
        f"max {times[-1]:.1f} ms over {repeats} runs"
    )


def grid(spec: list[str], base: Any, seeds: list[int], size: int) -> None:
    import itertools

    names = [item.partition("=")[0] for item in spec]
    values = [item.partition("=")[2].split(",") for item in spec]
    cohorts = {seed: cohort(seed, size) for seed in seeds}
    columns = ["false/pt-month", "stable none", "<=7 d", "median d", "missed", "before onset"]
    early = ["false/pt-month", "stable none", "<=7 d", "median d"]
    header = names + [f"alert {c}" for c in columns] + [f"early {c}" for c in early]
    print("| " + " | ".join(header) + " |")
    for combination in itertools.product(*values):
        pairs = [f"{name}={value}" for name, value in zip(names, combination, strict=True)]
        params = parse_changes(pairs, base)
        figures = {tier: Figures() for tier in TIERS}
        for sims in cohorts.values():
            for sim in sims:
                for tier, outcome in judge_tiers(params, sim).items():
                    figures[tier].add(outcome)
        alert, warn = figures["alert"].row(), figures["early_warning"].row()
        cells = list(combination) + [alert[c] for c in columns] + [warn[c] for c in early]
        print("| " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--size", type=int, default=240, help="patients per seed")
    parser.add_argument("--rules", choices=["new", "old"], default="new")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--grid",
        nargs="+",
        metavar="NAME=V1,V2",
        help="tuning: one pooled row per combination of these values (dev seeds only)",
    )
    parser.add_argument(
        "--no-ask-phq9",
        action="store_true",
        help="the app does not ask for a PHQ-9 when an early warning opens (the first pass)",
    )
    parser.add_argument(
        "--phq9-recall-half-life",
        type=float,
        help="sensitivity only: PHQ-9 answers weighted to recent days (bench/effect_cohort.py)",
    )
    parser.add_argument("--write-cohort", type=Path, help="write the first seed's cohort")
    parser.add_argument(
        "--speed", action="store_true", help="time effect.evaluate on a year of daily data"
    )
    args = parser.parse_args()
    configure_django()
    from claywork.measures.effect import EffectParams

    global ASK_PHQ9
    ASK_PHQ9 = not args.no_ask_phq9
    if args.phq9_recall_half_life is not None:
        from bench import effect_cohort

        effect_cohort.PHQ9_RECALL_HALF_LIFE = args.phq9_recall_half_life

    if args.speed:
        speed(args.seeds[0])
        return
    if args.write_cohort:
        entries = [sim.as_cohort_entry() for sim in cohort(args.seeds[0], args.size)]
        args.write_cohort.write_text(json.dumps(entries, indent=1) + "\n")
        print(f"wrote {len(entries)} patients to {args.write_cohort}")
        return
    params = parse_changes(args.set, EffectParams.from_settings())
    if args.grid:
        grid(args.grid, params, args.seeds, args.size)
        return
    print(f"rules: {args.rules}; seeds {args.seeds}; {args.size} patients each")
    if args.rules == "old":
        judge = old_rules(params)
        print(report({seed: [judge(s) for s in cohort(seed, args.size)] for seed in args.seeds}))
        return
    print(f"parameters: {params}")
    by_tier: dict[str, dict[int, list[Outcome]]] = {tier: {} for tier in TIERS}
    for seed in args.seeds:
        judged = [judge_tiers(params, sim) for sim in cohort(seed, args.size)]
        for tier in TIERS:
            by_tier[tier][seed] = [outcomes[tier] for outcomes in judged]
    for tier in TIERS:
        print(f"\n## Tier: {tier}" + (" (no alert; shown on the pages)" * (tier != "alert")))
        print(report(by_tier[tier]))


if __name__ == "__main__":
    main()
