"""Patterns in my check-ins: how the days with a practice compare with the days without.
numpy only, no Django.

The days are those with a check-in in the window (the day after the last session, or the last
``WINDOW_DAYS`` days, whichever is later). For each practice and outcome (mood first, anxiety
second) the difference is read from a regression of the outcome on the practice day, a drift
over time (a straight line and a bend) and the weekday, so a mood rising over the weeks while a
practice grows more frequent, or better weekends with more weekend walks, do not count as a
difference. The regression is whitened for day-to-day carry-over (GLS, AR(1) over calendar
days, gaps allowed); the statistic is the practice coefficient over the larger of its plain and
its Newey-West standard error. Its p-value compares the real practice days with **practice days
drawn afresh with the same habits** (a conditional randomisation test): a two-state chain
fitted to this practice's own days, whether it was done yesterday, the weekend and a drift in
how often (with a bend, and by yesterday's state), so the drawn days keep the real ones'
streaks, weekends and rise or fall and know nothing of the check-ins. The check-ins stay as
they were.

Several practices make several chances of a difference by luck, so mood, the primary
comparison, is read with Holm's step-down across the patient's practices (4% for the patient as
a whole, ``ALPHA``); anxiety, secondary, is read only for a practice whose mood difference is
clear, at that practice's share (4% / number of practices). One-sided, stated before looking:
the page asks whether days with a practice are clearly *better* (higher mood, lower anxiety); a
gap the other way is shown in numbers and never called clear (the two-sided test found a real
1-point difference for too few patients: bench/README.md). Size words only for a clear
difference, otherwise "no clear difference". This is correlation: it says nothing about what
caused what. The design and its simulation: docs/decisions/0013-patterns.md.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

WINDOW_DAYS = 90
MIN_DAYS = 7  # check-in days on each side, per outcome
MIN_WEEKS = 4  # weeks in the window: fewer leave too little to tell a drift and a weekday by
# The patient's whole family of mood comparisons: 4%, not 5%. Holm at 5% holds a patient to 5%
# at most, and to about 4.9% when the practices are independent: a rate whose simulated
# interval straddles 5% (bench/README.md). 4% leaves that margin and keeps a real 1-point
# difference over 60 days found for more than half of the patients with one practice.
ALPHA = 0.04
DRAWS = 999  # drawn practice series: enough for Holm's 1% step with five practices
OUTCOMES = ("mood", "anxiety")
BETTER = {"mood": 1.0, "anxiety": -1.0}  # the direction of a better day
MAX_CARRY = 0.9
HAC_LAGS = 2
# Six weekday terms (1) or a weekend term only (0): the weekend alone finds a real difference
# for a few more patients in a hundred, but could take a practice kept on one weekday for the
# cause of that weekday's mood (bench/README.md).
WEEKDAY_TERMS = 1
HABIT_SHRINK = 0.1  # ridge on the practice-habit model, logit units
# Drift terms in the regression: 1 a straight line, 2 also a bend. The drawn practice days
# drift in log-odds, a curve; with a straight line only, the part of that curve left over after
# detrending lines up with whatever the check-ins have left over, the same for every drawn
# series and never for the real one, and that shifts the yardstick by a random amount each
# patient (a test too eager at Holm's small steps). The bend also covers a rise that levels off.
TREND_DEGREE = 2
# 1: the habit model also has a bend in how often, and a drift that differs by whether the
# practice was done yesterday (a habit may grow by starting more often or by keeping streaks
# longer). Drawn days then follow a habit's rise more closely (bench/README.md).
HABIT_BEND = 1
# Check-ins are whole points, so no day is known to better than the rounding (variance 1/12):
# a residual spread of 0 (all 9s without, all 10s with) does not make the statistic infinite.
ROUNDING_VARIANCE = 1 / 12
CARRY_BIAS = 1.0  # tuned on the development seeds (bench/README.md)

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CheckInDay:
    mood: float | None
    anxiety: float | None


@dataclass(frozen=True)
class Comparison:
    """One practice against one outcome. ``reason`` says why nothing was compared; then the
    numbers are what could be counted."""

    outcome: str
    n_with: int
    n_without: int
    mean_with: float | None = None
    mean_without: float | None = None
    adjusted: float | None = None  # allowing for drift and weekday
    p_value: float | None = None
    clear: bool = False
    size_words: str = ""  # only when clear
    reason: str = ""

    @property
    def compared(self) -> bool:
        return not self.reason

    @property
    def difference(self) -> float:
        if self.mean_with is None or self.mean_without is None:
            return 0.0
        return self.mean_with - self.mean_without

    def as_dict(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "days_with": self.n_with,
            "days_without": self.n_without,
            "mean_with": _rounded(self.mean_with),
            "mean_without": _rounded(self.mean_without),
            "difference": _rounded(self.difference) if self.compared else None,
            "adjusted_difference": _rounded(self.adjusted),
            "p_value": _rounded(self.p_value, 4),
            "clear": self.clear,
            "size": self.size_words or None,
            "reason": self.reason or None,
        }


@dataclass(frozen=True)
class PracticePattern:
    name: str
    mood: Comparison
    anxiety: Comparison


@dataclass(frozen=True)
class Patterns:
    first_day: date
    last_day: date
    check_in_days: int
    practices: list[PracticePattern] = field(default_factory=list)
    notice: str = ""  # why nothing could be compared at all, in plain words

    @property
    def tested(self) -> int:
        """How many practices' mood differences were judged together (the Holm family)."""
        return sum(1 for practice in self.practices if practice.mood.p_value is not None)


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits) + 0.0  # no -0.0


def window_start(*, today: date, last_session: date | None) -> date:
    """The day after the last session, or ``WINDOW_DAYS`` ago, whichever is later."""
    recent = today - timedelta(days=WINDOW_DAYS - 1)
    if last_session is None:
        return recent
    return max(recent, last_session + timedelta(days=1))


def find_patterns(
    check_ins: Mapping[date, CheckInDay],
    practice_days: Mapping[str, set[date]],
    *,
    first_day: date,
    last_day: date,
    seed: int = 0,
) -> Patterns:
    """Every practice against mood and anxiety over ``first_day``..``last_day``."""
    in_window = {d: c for d, c in check_ins.items() if first_day <= d <= last_day}
    length = (last_day - first_day).days + 1
    notice = _window_notice(in_window, length)
    results = []
    if not notice:
        series = {name: _Series(in_window, name, first_day) for name in OUTCOMES}
        for name in sorted(practice_days, key=str.casefold):
            days = practice_days[name]
            logged = np.array(
                [first_day + timedelta(days=i) in days for i in range(length)], dtype=np.float64
            )
            draws = _practice_draws(logged, first_day, seed + zlib.crc32(name.encode()))
            compared = tuple(series[o].compare(draws) for o in OUTCOMES)
            results.append(PracticePattern(name, *compared))
    return Patterns(first_day, last_day, len(in_window), _holm(results), notice)


def _window_notice(in_window: Mapping[date, CheckInDay], length: int) -> str:
    if length < 7 * MIN_WEEKS:
        return (
            f"These patterns need at least {MIN_WEEKS} weeks of check-ins after your last "
            f"session; there have been {max(length, 0)} days so far."
        )
    if len(in_window) < 2 * MIN_DAYS:
        return (
            f"There are {len(in_window)} check-in days in this window; comparing needs at least "
            f"{2 * MIN_DAYS}."
        )
    return ""


def _practice_draws(logged: Floats, first_day: date, seed: int) -> Floats:
    """Rows of 0/1 practice days, row 0 the real ones, the rest drawn afresh with the same
    habits: a two-state chain (whether it was done yesterday), with the weekend and a steady
    drift in how often, fitted to this practice's own days. Drawn days keep the streaks, the
    weekends and the rise or fall of the real ones, and know nothing of the check-ins; a
    difference as large as the real one among them is chance. Shrunk a little toward no
    habit (``HABIT_SHRINK``) so a streak that never breaks still gives finite odds."""
    length = len(logged)
    weekend = np.array(
        [(first_day + timedelta(days=i)).weekday() >= 5 for i in range(length)], dtype=np.float64
    )
    time = np.linspace(-1.0, 1.0, length)
    coefficients = _habit(logged, weekend, time)
    rng = np.random.default_rng(seed)
    draws = np.empty((DRAWS + 1, length))
    draws[0] = logged
    state = np.full(DRAWS, logged[0])  # the drawn days start where the real ones start
    draws[1:, 0] = state
    for day in range(1, length):
        odds = _habit_terms(state, weekend[day], time[day]) @ coefficients
        state = (rng.random(DRAWS) < _chance(odds)).astype(np.float64)
        draws[1:, day] = state
    return draws


def _habit(logged: Floats, weekend: Floats, time: Floats) -> Floats:
    """Logistic regression of today's practice on yesterday's, the weekend and the day number
    (Newton steps, a light ridge on all but the intercept)."""
    design = _habit_terms(logged[:-1], weekend[1:], time[1:])
    target = logged[1:]
    width = design.shape[1]
    penalty = np.diag([0.0] + [HABIT_SHRINK] * (width - 1))
    coefficients = np.zeros(width)
    for _ in range(25):
        chance = _chance(design @ coefficients)
        gradient = design.T @ (target - chance) - penalty @ coefficients
        curvature = design.T @ (design * (chance * (1 - chance))[:, None]) + penalty
        step = np.linalg.solve(curvature + 1e-9 * np.eye(width), gradient)
        coefficients = coefficients + step
        if float(np.abs(step).max()) < 1e-8:
            break
    return coefficients


def _habit_terms(yesterday: Floats, weekend: Floats | float, time: Floats | float) -> Floats:
    """The habit model's columns: intercept, yesterday, weekend, drift (and, with
    ``HABIT_BEND``, a bend in the drift and the drift by yesterday's state)."""
    yesterday = np.asarray(yesterday, dtype=np.float64)
    ones = np.ones_like(yesterday)
    columns = [ones, yesterday, weekend * ones, time * ones]
    if HABIT_BEND:
        columns += [time**2 * ones, yesterday * time]
    return np.column_stack(columns)


class _Series:
    """One outcome's check-in days, with the drift and weekday already taken out."""

    def __init__(self, in_window: Mapping[date, CheckInDay], outcome: str, first: date) -> None:
        observed = sorted(
            (day, value)
            for day, check_in in in_window.items()
            if (value := getattr(check_in, outcome)) is not None
        )
        self.outcome = outcome
        self.positions = np.array([(day - first).days for day, _ in observed], dtype=np.intp)
        self.values = np.array([value for _, value in observed], dtype=np.float64)
        weekdays = np.array([day.weekday() for day, _ in observed], dtype=np.intp)
        if len(observed) < 2 * MIN_DAYS:  # never compared (see _reason)
            self.taking_out = self.values_left = np.zeros((0, 0))
            return
        design = _design(self.positions, weekdays)
        self.spent = design.shape[1] + 1  # the terms and the practice
        whitening = _whitening(self.positions, self.values, design)
        whitened_design = whitening @ design
        residual_maker = np.eye(len(observed)) - whitened_design @ np.linalg.pinv(whitened_design)
        # Applied to a practice-day series (or the outcome): whitened, then drift and weekday out.
        self.taking_out = residual_maker @ whitening
        self.values_left = self.taking_out @ self.values

    def compare(self, draws: Floats) -> Comparison:
        on_days = draws[0, self.positions].astype(bool)
        n_with, n_without = int(on_days.sum()), int((~on_days).sum())
        reason = self._reason(n_with, n_without)
        if reason:
            return Comparison(self.outcome, n_with, n_without, reason=reason)
        base = Comparison(
            self.outcome,
            n_with,
            n_without,
            mean_with=float(self.values[on_days].mean()),
            mean_without=float(self.values[~on_days].mean()),
        )
        practice_left = draws[:, self.positions] @ self.taking_out.T
        if float(practice_left[0] @ practice_left[0]) < 1e-9:
            return replace(base, reason="it falls on the same weekdays throughout")
        statistics, estimate, spread = _studentized(practice_left, self.values_left, self.spent)
        better = BETTER[self.outcome] * statistics  # one-sided: the better-days direction
        p_value = float(np.mean(better >= better[0] - 1e-9))
        size = abs(estimate) / spread if spread > 0 else 0.0
        return replace(base, adjusted=estimate, p_value=p_value, size_words=_size(size))

    def _reason(self, n_with: int, n_without: int) -> str:
        if n_with == 0 and n_without == 0:
            return f"no check-in in this window has {self.outcome}"
        if n_without == 0:
            return "it was logged on every check-in day: there are no days without it to compare"
        if n_with < MIN_DAYS or n_without < MIN_DAYS:
            return (
                f"{n_with} check-in day{'s' if n_with != 1 else ''} with it and {n_without} "
                f"without; comparing needs at least {MIN_DAYS} of each"
            )
        if float(np.ptp(self.values)) == 0:
            return f"your {self.outcome} was {self.values[0]:g} on every check-in day"
        return ""


def _design(positions: npt.NDArray[np.intp], weekdays: npt.NDArray[np.intp]) -> Floats:
    """Intercept, day number and weekday (the columns of a weekday never seen are zero; the
    pseudo-inverses below cope)."""
    n = len(positions)
    time = (positions - positions.mean()) / max(1.0, float(np.ptp(positions)))
    columns = [np.ones(n), time]
    if TREND_DEGREE >= 2:
        columns.append(time**2 - float(np.mean(time**2)))
    if WEEKDAY_TERMS:
        columns += [(weekdays == w).astype(np.float64) for w in range(1, 7)]
    else:
        columns.append((weekdays >= 5).astype(np.float64))
    return np.column_stack(columns)


def _whitening(positions: npt.NDArray[np.intp], values: Floats, design: Floats) -> Floats:
    """The GLS transform for day-to-day carry-over (AR(1) over calendar days, gaps allowed):
    each day's value less the carry-over from the previous check-in, rescaled so that every
    row has the same variance. The carry-over is read from consecutive days of the outcome
    after drift and weekday, with a small-sample correction (it is biased low)."""
    n = len(positions)
    residuals = values - design @ (np.linalg.pinv(design) @ values)
    next_day = np.flatnonzero(np.diff(positions) == 1)
    spread = float(residuals @ residuals)
    carry = 0.0
    if len(next_day) >= 5 and spread > 0:
        raw = float(residuals[next_day] @ residuals[next_day + 1]) / spread * n / len(next_day)
        carry = raw + (1 + 3 * max(raw, 0.0)) / n + CARRY_BIAS * design.shape[1] / n
    carry = min(max(carry, 0.0), MAX_CARRY)
    whitening = np.eye(n)
    for row in range(1, n):
        kept = carry ** int(positions[row] - positions[row - 1])
        scale = 1 / math.sqrt(1 - kept**2)
        whitening[row, row] = scale
        whitening[row, row - 1] = -kept * scale
    return whitening


def _studentized(
    practice_left: Floats, values_left: Floats, spent: int
) -> tuple[Floats, float, float]:
    """Per row: the practice coefficient over its standard error (the rows are whitened, so the
    ordinary one). Also row 0's coefficient and the residual spread, for the size words."""
    n = practice_left.shape[1]
    spread_x = np.einsum("ij,ij->i", practice_left, practice_left)
    safe = np.where(spread_x > 1e-9, spread_x, np.inf)
    coefficient = (practice_left @ values_left) / safe
    residuals = values_left[None, :] - coefficient[:, None] * practice_left
    variance = np.maximum(
        np.einsum("ij,ij->i", residuals, residuals) / max(1, n - spent), ROUNDING_VARIANCE
    )
    # Newey-West over the whitened scores: what carry-over the whitening missed.
    scores = practice_left * residuals
    long_run = np.einsum("ij,ij->i", scores, scores)
    for lag in range(1, HAC_LAGS + 1):
        weight = 1 - lag / (HAC_LAGS + 1)
        long_run += 2 * weight * np.einsum("ij,ij->i", scores[:, lag:], scores[:, :-lag])
    with np.errstate(invalid="ignore"):
        robust = np.maximum(long_run * n / max(1, n - spent), variance * safe) / safe**2
    # A drawn series whose practice days the weekday explains fully has no statistic: 0, not NaN.
    statistics = np.where(
        np.isfinite(safe), coefficient / np.sqrt(np.maximum(np.nan_to_num(robust), 1e-12)), 0.0
    )
    return statistics, float(coefficient[0]), float(np.sqrt(variance[0]))


def _size(standardised: float) -> str:
    if standardised < 0.5:
        return "small"
    if standardised < 0.8:
        return "moderate"
    return "large"


def _holm(results: list[PracticePattern]) -> list[PracticePattern]:
    """Mood by Holm's step-down across practices; anxiety only where mood is clear, at that
    practice's share. Size words stay only on clear differences."""
    tested = sorted(
        (r.mood.p_value, index) for index, r in enumerate(results) if r.mood.p_value is not None
    )
    family = len(tested)
    clear_mood: set[int] = set()
    for rank, (p_value, index) in enumerate(tested):
        if p_value > ALPHA / (family - rank):
            break
        clear_mood.add(index)
    judged = []
    for index, result in enumerate(results):
        mood_clear = index in clear_mood
        anxiety = result.anxiety
        anxiety_clear = (
            mood_clear and anxiety.p_value is not None and anxiety.p_value <= ALPHA / family
        )
        judged.append(
            PracticePattern(
                result.name,
                _judged(result.mood, clear=mood_clear),
                _judged(anxiety, clear=anxiety_clear),
            )
        )
    return judged


def _judged(comparison: Comparison, *, clear: bool) -> Comparison:
    return replace(comparison, clear=clear, size_words=comparison.size_words if clear else "")


def _chance(odds: Floats) -> Floats:
    """The logistic function, without overflow for a habit that never breaks."""
    return 0.5 * (1 + np.tanh(odds / 2))
