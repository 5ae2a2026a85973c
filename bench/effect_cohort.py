"""Synthetic cohorts with a known truth, for the "is the effect holding?" rules.

Every patient is drawn from a seed, so a cohort can be rebuilt exactly. Day 0 is the first
session. Each patient has:

* a **course** of 4-8 sessions 2-4 days apart, and for some a **booster** later;
* daily **mood** 0-10: the pre-course level (2.5-4.5) plus the lift times the share of the
  course's benefit present that day, plus AR(1) noise (lag-1 correlation 0.2-0.5, spread
  0.8-1.5 points), plus any **bad week** (1-3 points lower for 3-8 days, then back: about one
  every 80 days), rounded and clipped to 0-10;
* **check-ins** from two weeks before the course, with an adherence of 60-100% (missed days
  come in runs), a little lower once a relapse has begun;
* a **PHQ-9** before the course and then weekly (most weeks), following the share of benefit
  over the two weeks it asks about, bad weeks included, with 2 points of noise;
* 75 days of follow-up after the course's last session.

Scenarios (shares of a cohort): ``stable`` responders (35%), responders who ``relapse`` from a
known day 10-50 days after the course (35%), ``partial`` responders (15%, half of them
relapse: ``partial_relapse``), ``non_responder`` (15%). The relapse's onset is when the benefit
starts to go; it takes 3-14 days to lose 70-100% of it, and a third of relapsing patients get
a booster 7-21 days later that brings it back. A quarter of stable patients have a planned
booster 30-60 days after the course.

The truth the simulation scores against: ``onset`` (the relapse's first day),
``perceptible_onset`` and ``benefit_end`` (the first day under half of the course's benefit).

**Why a perceptible onset** (issue #12, second pass). ``onset`` is the day the benefit starts
to go. A relapse that slides over 14 days has lost about 0.2 mood points on its first day,
a tenth of one check-in step, and no rule, nor the patient, can see it. Scoring "alerted within
7 days" from that day mostly measures the slide's speed. ``perceptible_onset`` is the first
day the noiseless mood is a whole point (the smallest step a check-in records) below where it
stood the day before the onset, or the day the fall ends if the whole fall is smaller. Delays
are counted from it; an alert *before* ``onset`` (not before the perceptible onset) still
counts as early, and one between the two counts as on time (delay 0).

**A PHQ-9 asked for** (``answer_requested_phq9``): when the app asks for a PHQ-9 (its early
warning opened), the patient answers with their check-in adherence as the probability, 0-2
days later, from the same model as the weekly ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

DAY_ZERO = date(2026, 1, 5)
FOLLOW_UP_DAYS = 75
# A PHQ-9 asks about two weeks; by default each day of them counts the same. A sensitivity
# analysis only (``effect_sim.py --phq9-recall-half-life``, never used for tuning): answers
# weighted towards the latest days, each day counting half as much as one this many days later.
PHQ9_RECALL_HALF_LIFE: float | None = None
PRE_COURSE_DAYS = 14
SCENARIOS = (
    ("stable", 0.35),
    ("relapse", 0.35),
    ("partial", 0.075),
    ("partial_relapse", 0.075),
    ("non_responder", 0.15),
)


@dataclass
class SimPatient:
    id: str
    scenario: str
    adherence: float
    sessions: list[date]
    course_end: date
    follow_up_end: date
    check_ins: list[tuple[date, int]] = field(default_factory=list)
    phq9: list[tuple[date, int]] = field(default_factory=list)
    onset: date | None = None
    benefit_end: date | None = None
    slide_days: int | None = None
    bad_weeks: list[tuple[date, date, float]] = field(default_factory=list)
    booster: date | None = None
    perceptible_onset: date | None = None
    # The PHQ-9 value the patient would give on a day (their own seeded draw for that day).
    phq9_on: Callable[[int, random.Random], int] | None = field(default=None, repr=False)
    seed_key: str = ""
    # The generative parameters drawn for this patient (no realisation: no onset, no bad week),
    # for the oracle bound of bench/effect_oracle.py only; no rule under test reads them.
    model: dict[str, Any] = field(default_factory=dict, repr=False)

    def answer_requested_phq9(self, asked_on: date, answered: set[date]) -> tuple[date, int] | None:
        """The PHQ-9 the patient gives when asked on ``asked_on``: with probability their
        adherence, 0-2 days later (none if they already answered one that day, or past the
        follow-up). Seeded by the patient and the day asked, so a replay is repeatable."""
        assert self.phq9_on is not None
        rng = random.Random(f"{self.seed_key}:asked:{asked_on.isoformat()}")
        if rng.random() > self.adherence:
            return None
        day = asked_on + timedelta(days=rng.randint(0, 2))
        if day in answered or day > self.follow_up_end:
            return None
        return day, self.phq9_on((day - DAY_ZERO).days, rng)

    @property
    def relapses(self) -> bool:
        return self.onset is not None

    def as_cohort_entry(self) -> dict[str, Any]:
        """The ``claywork effect --file`` form, with the truth under a key the command ignores."""
        return {
            "id": self.id,
            "sessions": [day.isoformat() for day in self.sessions],
            "check_ins": [{"date": d.isoformat(), "mood": m} for d, m in self.check_ins],
            "scores": [
                {"date": d.isoformat(), "instrument": "phq9", "total": t} for d, t in self.phq9
            ],
            "truth": {
                "scenario": self.scenario,
                "adherence": round(self.adherence, 2),
                "onset": self.onset.isoformat() if self.onset else None,
                "benefit_end": self.benefit_end.isoformat() if self.benefit_end else None,
                "bad_weeks": [
                    [s.isoformat(), e.isoformat(), round(d, 1)] for s, e, d in self.bad_weeks
                ],
            },
        }


def _scenario(rng: random.Random) -> str:
    pick = rng.random()
    for name, share in SCENARIOS:
        pick -= share
        if pick < 0:
            return name
    return SCENARIOS[-1][0]


def _course(rng: random.Random) -> list[int]:
    days = [0]
    for _ in range(rng.randint(4, 8) - 1):
        days.append(days[-1] + rng.randint(2, 4))
    return days


class _Benefit:
    """The share of the course's benefit present on each day (0 before, about 1 after)."""

    def __init__(
        self, rng: random.Random, course: list[int], *, onset: int | None, booster: int | None
    ) -> None:
        self.course = course
        self.per_session = rng.uniform(0.3, 0.5)
        self.onset = onset
        self.slide = rng.randint(3, 14)
        self.floor = rng.uniform(0.0, 0.3)
        self.booster = booster

    def at(self, day: int) -> float:
        done = sum(1 for session in self.course if session < day)
        if done == 0:
            return 0.0
        share = 1 - (1 - self.per_session) ** done
        end = self.course[-1]
        if day > end:  # consolidation: the course's gain settles over about five days
            share += (1 - share) * min(1.0, (day - end) / 5)
        if self.onset is not None and day >= self.onset:
            lost = min(1.0, (day - self.onset) / self.slide)
            share = share - (share - self.floor) * lost
        if self.booster is not None and day > self.booster:
            share += (1 - share) * min(1.0, (day - self.booster) / 3)
        return share

    def perceptible_day(self, lift: float) -> int | None:
        """The first day the noiseless mood is a whole point below where it stood the day
        before the onset, or the day the fall ends if it is smaller than a point."""
        if self.onset is None:
            return None
        before = self.at(self.onset - 1)
        fall = lift * (before - self.at(self.onset + self.slide))
        step = min(1.0, fall)
        for day in range(self.onset, self.onset + self.slide + 1):
            if lift * (before - self.at(day)) >= step - 1e-9:
                return day
        return self.onset + self.slide

    def end_day(self) -> int | None:
        """The first day under half of the benefit (the durability's truth), if any."""
        if self.onset is None:
            return None
        for day in range(self.onset, self.onset + 60):
            if self.at(day) < 0.5:
                return day
        return None


def _bad_weeks(rng: random.Random, first: int, last: int) -> list[tuple[int, int, float]]:
    weeks = []
    day = first + int(rng.expovariate(1 / 80))
    while day < last:
        length = rng.randint(3, 8)
        weeks.append((day, day + length - 1, rng.uniform(1.0, 3.0)))
        day += length + 7 + int(rng.expovariate(1 / 80))
    return weeks


def _dip(bad_weeks: list[tuple[int, int, float]], day: int) -> float:
    """How far a bad week pulls mood down on a day: in over a day, out over two."""
    for start, end, depth in bad_weeks:
        if start <= day <= end:
            return depth * min(1.0, (day - start + 1) / 2)
        if end < day <= end + 2:
            return depth * (1 - (day - end) / 3)
    return 0.0


def patient(seed: int, index: int) -> SimPatient:
    rng = random.Random(f"{seed}:{index}")
    scenario = _scenario(rng)
    course = _course(rng)
    end = course[-1]
    last_day = end + FOLLOW_UP_DAYS
    relapses = scenario in {"relapse", "partial_relapse"}
    onset = end + rng.randint(10, 50) if relapses else None
    booster = None
    if relapses and rng.random() < 1 / 3:
        assert onset is not None
        booster = onset + rng.randint(7, 21)
    elif scenario == "stable" and rng.random() < 0.25:
        booster = end + rng.randint(30, 60)
    benefit = _Benefit(rng, course, onset=onset, booster=booster)
    pre = rng.uniform(2.5, 4.5)
    lift = {
        "stable": rng.uniform(2.5, 4.0),
        "relapse": rng.uniform(2.5, 4.0),
        "partial": rng.uniform(1.2, 2.0),
        "partial_relapse": rng.uniform(1.2, 2.0),
        "non_responder": rng.uniform(0.0, 0.6),
    }[scenario]
    lift = min(lift, 8.5 - pre)
    bad_weeks = _bad_weeks(rng, -PRE_COURSE_DAYS, last_day)
    adherence = rng.uniform(0.6, 1.0)
    sessions = sorted(course + ([booster] if booster is not None and booster <= last_day else []))
    sim = SimPatient(
        id=f"s{seed}-p{index:04d}",
        scenario=scenario,
        adherence=adherence,
        sessions=[DAY_ZERO + timedelta(days=d) for d in sessions],
        course_end=DAY_ZERO + timedelta(days=end),
        follow_up_end=DAY_ZERO + timedelta(days=last_day),
        onset=DAY_ZERO + timedelta(days=onset) if onset is not None else None,
        slide_days=benefit.slide if onset is not None else None,
        bad_weeks=[
            (DAY_ZERO + timedelta(days=s), DAY_ZERO + timedelta(days=e), d) for s, e, d in bad_weeks
        ],
        booster=DAY_ZERO + timedelta(days=booster) if booster is not None else None,
    )
    sim.seed_key = f"{seed}:{index}"
    sim.model = {
        "pre": pre,
        "lift": lift,
        "course": course,
        "per_session": benefit.per_session,
        "booster": booster,
    }
    perceptible = benefit.perceptible_day(lift)
    if perceptible is not None:
        sim.perceptible_onset = DAY_ZERO + timedelta(days=perceptible)
    end_day = benefit.end_day()
    sim.benefit_end = DAY_ZERO + timedelta(days=end_day) if end_day is not None else None
    _fill_check_ins(rng, sim, benefit, pre, lift, bad_weeks, onset)
    _fill_phq9(rng, sim, benefit, scenario, bad_weeks, lift)
    return sim


def _fill_check_ins(
    rng: random.Random,
    sim: SimPatient,
    benefit: _Benefit,
    pre: float,
    lift: float,
    bad_weeks: list[tuple[int, int, float]],
    onset: int | None,
) -> None:
    spread = rng.uniform(0.8, 1.5)
    inertia = rng.uniform(0.2, 0.5)
    shock = spread * (1 - inertia**2) ** 0.5
    noise = rng.gauss(0, spread)
    sim.model.update(spread=spread, inertia=inertia)
    missing = False
    last = (sim.follow_up_end - DAY_ZERO).days
    for day in range(-PRE_COURSE_DAYS, last + 1):
        noise = inertia * noise + rng.gauss(0, shock)
        adherence = sim.adherence * (0.85 if onset is not None and day >= onset else 1.0)
        # Missed days come in runs: a miss is followed by another half the time.
        miss_after_check_in = 0.5 * (1 - adherence) / adherence
        missing = rng.random() < (0.5 if missing else miss_after_check_in)
        if missing:
            continue
        value = pre + lift * benefit.at(day) + noise - _dip(bad_weeks, day)
        sim.check_ins.append((DAY_ZERO + timedelta(days=day), max(0, min(10, round(value)))))


def _fill_phq9(
    rng: random.Random,
    sim: SimPatient,
    benefit: _Benefit,
    scenario: str,
    bad_weeks: list[tuple[int, int, float]],
    lift: float,
) -> None:
    baseline = rng.uniform(10, 24) if rng.random() < 0.9 else rng.uniform(5, 9.5)
    reduction = {
        "stable": rng.uniform(0.55, 0.85),
        "relapse": rng.uniform(0.55, 0.85),
        "partial": rng.uniform(0.25, 0.45),
        "partial_relapse": rng.uniform(0.25, 0.45),
        "non_responder": rng.uniform(0.0, 0.2),
    }[scenario]
    gained = baseline * reduction
    per_mood_point = gained / lift if lift > 0.5 else 2.5

    def value_on(day: int, draw: random.Random) -> int:
        # A PHQ-9 asks about the last two weeks: the benefit and the bad weeks over them.
        window = range(day - 13, day + 1)
        half_life = PHQ9_RECALL_HALF_LIFE
        weights = [1.0 if half_life is None else 0.5 ** ((day - d) / half_life) for d in window]
        total = sum(weights)
        share = sum(w * benefit.at(d) for w, d in zip(weights, window, strict=True)) / total
        dip = sum(w * _dip(bad_weeks, d) for w, d in zip(weights, window, strict=True)) / total
        value = baseline - gained * share + dip * per_mood_point + draw.gauss(0, 2.0)
        return max(0, min(27, round(value)))

    sim.phq9_on = value_on
    sim.model.update(phq9_baseline=baseline, phq9_gained=gained, per_mood_point=per_mood_point)
    last = (sim.follow_up_end - DAY_ZERO).days
    days = [-rng.randint(1, 7)] + list(range(7, last + 1, 7))
    answered = 0.5 + sim.adherence / 2
    for planned in days:
        if planned > 0 and rng.random() > answered:
            continue
        day = planned + (rng.randint(-1, 1) if planned > 0 else 0)
        sim.phq9.append((DAY_ZERO + timedelta(days=day), value_on(day, rng)))


def cohort(seed: int, size: int) -> list[SimPatient]:
    return [patient(seed, index) for index in range(size)]
