"""The posterior probability that a relapse has begun, from a patient's own check-ins.

A small forward filter (a hidden Markov model; Shiryaev, 1963; Tartakovsky, Nikiforov &
Basseville, 2014, ch. 7), the app's port of the bench's flat-onset oracle
(``bench/effect_oracle.py --flat-onset``) with everything the oracle was given replaced by
estimates from the patient's own data (``fading._Replay``):

* the usual level and the lift over the pre-course level (interquartile means, of the usual
  days of the last eight weeks and of the two weeks before the course; decision 0006, fifth
  amendment: medians of whole numbers cost most of the filter's gap to the oracle);
* the spread of the check-ins (their standard deviation less the rounding's share) and their
  day-to-day correlation (lag-1, from the usual days' consecutive check-ins, clipped to 0-0.8);
* the PHQ-9: its usual level, its points per mood point (the pre-course PHQ-9's distance to the
  usual one over the lift) and its noise (from the instrument's reliable change).

Two hidden processes: the relapse (not yet; or begun k days ago, sliding over s days to a floor
of 15% of the lift), entered with a constant daily hazard (when relapses come is not known);
and the bad week (none; or day j of a dip of depth d over L days, two recovery days after).
A check-in's likelihood is that of a Gaussian AR(1) around the state's level given the previous
check-in (however many days ago; older than ``MAX_LAG`` days counts as independent), rounded to
whole points and clipped to 0-10, mixed with a small uniform share so one odd check-in cannot
decide alone. The probability is the posterior weight of "begun".
"""

from __future__ import annotations

import math
from statistics import fmean, median

import numpy as np

SLIDES = (3, 5, 7, 10, 14)
FLOOR = 0.15  # the share of the lift a relapse keeps
DEPTHS = (1.5, 2.5)  # a bad week's dip, mood points (not sized by the lift)
LENGTHS = (3, 5, 8)
BAD_WEEK_RATE = 1 / 80  # a bad week about once in 80 days
HAZARD = 1 / 100  # a relapse's onset: any day, this likely each day
MAX_LAG = 10
HISTORY = 14  # a PHQ-9 asks about two weeks
OUTLIER_SHARE = 0.02  # a check-in that fits no state: uniform over 0-10
MIN_SPREAD = 0.7
DEFAULT_INERTIA = 0.3  # the lag-1 correlation when too few consecutive check-ins tell it
MAX_INERTIA = 0.8


def _grid() -> tuple[np.ndarray, ...]:
    slide, since = [0], [-1]
    entry, moves_from, moves_to, fallen = [], [], [], []
    for s in SLIDES:
        for k in range(s + 1):
            row = len(since)
            slide.append(s)
            since.append(k)
            if k == 0:
                entry.append(row)
            else:
                moves_from.append(row - 1)
                moves_to.append(row)
            if k == s:
                fallen.append(row)
    depth, length, day = [0.0], [0], [0]
    week_entry, week_from, week_to, week_last = [], [], [], []
    for d in DEPTHS:
        for n in LENGTHS:
            for j in range(1, n + 3):
                col = len(day)
                depth.append(d)
                length.append(n)
                day.append(j)
                if j == 1:
                    week_entry.append(col)
                else:
                    week_from.append(col - 1)
                    week_to.append(col)
                if j == n + 2:
                    week_last.append(col)
    return tuple(
        np.array(a)
        for a in (
            slide, since, entry, moves_from, moves_to, fallen,
            depth, length, day, week_entry, week_from, week_to, week_last,
        )
    )  # fmt: skip


(
    _SLIDE, _SINCE, _ENTRY, _MOVES_FROM, _MOVES_TO, _FALLEN,
    _DEPTH, _LENGTH, _DAY, _WEEK_ENTRY, _WEEK_FROM, _WEEK_TO, _WEEK_LAST,
) = _grid()  # fmt: skip
_STARTED = _SINCE >= 0


def _loss(lag: int) -> np.ndarray:
    """Each relapse state's share of the lift lost ``lag`` days earlier."""
    k = _SINCE - lag
    lost = np.minimum(1.0, k / np.maximum(_SLIDE, 1)) * (1 - FLOOR)
    return np.where(_STARTED & (k >= 0), lost, 0.0)


def _dip(lag: int) -> np.ndarray:
    """Each bad-week state's dip ``lag`` days earlier (none before it began)."""
    j, n, d = _DAY - lag, _LENGTH, _DEPTH
    dip = np.where(j <= n, d * np.minimum(1.0, j / 2), d * (1 - (j - n) / 3))
    return np.where((_DAY >= 1) & (j >= 1) & (j <= n + 2), dip, 0.0)


_LOSSES = [_loss(lag) for lag in range(max(MAX_LAG, HISTORY) + 1)]
_DIPS = [_dip(lag) for lag in range(max(MAX_LAG, HISTORY) + 1)]
_PHQ9_LOSS: np.ndarray = np.asarray(sum(_LOSSES[:HISTORY]) / HISTORY)
_PHQ9_DIP: np.ndarray = np.asarray(sum(_DIPS[:HISTORY]) / HISTORY)


A5 = 1.061405429


def _ndtr(z: np.ndarray) -> np.ndarray:
    """The standard normal CDF (Abramowitz & Stegun 7.1.26, error under 1.5e-7)."""
    x = np.abs(z) / math.sqrt(2)
    t = 1 / (1 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * A5))))
    erf = 1 - poly * np.exp(-x * x)
    return 0.5 * (1 + np.sign(z) * erf)


def spread(values: list[int]) -> float:
    """1.4826 x the median absolute deviation, at least ``MIN_SPREAD``."""
    middle = median(values)
    return max(MIN_SPREAD, 1.4826 * median([abs(v - middle) for v in values]))


def level(values: list[int]) -> float:
    """A level of whole-number check-ins: the mean of the middle half (the interquartile
    mean). Unlike a median it is not stuck on whole and half points; unlike a mean a bad day
    or two at either end does not move it."""
    ordered = sorted(values)
    cut = len(ordered) // 4
    return fmean(ordered[cut : len(ordered) - cut])


def level_spread(values: list[int]) -> float:
    """The check-ins' spread for the filter's model: their standard deviation less the
    rounding's share (a whole point's width: 1/12 of variance), at least ``MIN_SPREAD``. Not
    the median absolute deviation, which on whole numbers takes only a few values (0.74, 1.48,
    2.22) for a spread that runs from 0.8 to 1.5 (bench/README.md, "Fifth pass")."""
    if len(values) < 2:
        return MIN_SPREAD
    middle = fmean(values)
    variance = sum((v - middle) ** 2 for v in values) / (len(values) - 1)
    return max(MIN_SPREAD, math.sqrt(max(0.0, variance - 1 / 12)))


def inertia(pairs: list[tuple[int, int]]) -> float:
    """The lag-1 correlation of consecutive check-ins, clipped to 0-``MAX_INERTIA``."""
    if len(pairs) < 6:
        return DEFAULT_INERTIA
    mean_x = sum(x for x, _ in pairs) / len(pairs)
    mean_y = sum(y for _, y in pairs) / len(pairs)
    xy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    xx = sum((x - mean_x) ** 2 for x, _ in pairs)
    yy = sum((y - mean_y) ** 2 for _, y in pairs)
    if xx == 0 or yy == 0:
        return DEFAULT_INERTIA
    return min(MAX_INERTIA, max(0.0, xy / math.sqrt(xx * yy)))


class RelapseFilter:
    """The posterior over one patient's hidden states, day by day, around a frozen model:
    ``usual`` mood, ``lift`` over the pre-course level, ``sd`` and ``rho`` of the check-ins,
    and optionally the PHQ-9's ``phq9_usual``, ``phq9_per_point`` and ``phq9_sd``."""

    def __init__(
        self,
        usual: float,
        lift: float,
        sd: float,
        rho: float,
        phq9: tuple[float, float, float] | None = None,
    ) -> None:
        self.usual, self.lift, self.sd, self.rho, self.phq9_model = usual, lift, sd, rho, phq9
        self.weights = np.zeros((len(_SINCE), len(_DAY)))
        self.weights[0, 0] = 1.0
        self.previous: tuple[int, int] | None = None  # (days ago, mood) of the last check-in

    def step(self) -> None:
        """One day passes."""
        w = self.weights
        moved = np.zeros_like(w)
        moved[0] = w[0] * (1 - HAZARD)
        moved[_ENTRY] = HAZARD / len(_ENTRY) * w[0][None, :]
        moved[_MOVES_TO] = w[_MOVES_FROM]
        moved[_FALLEN] += w[_FALLEN]
        out = np.empty_like(w)
        out[:, 0] = moved[:, 0] * (1 - BAD_WEEK_RATE) + moved[:, _WEEK_LAST].sum(axis=1)
        out[:, _WEEK_ENTRY] = moved[:, [0]] * (BAD_WEEK_RATE / len(_WEEK_ENTRY))
        out[:, _WEEK_TO] = moved[:, _WEEK_FROM]
        self.weights = out
        if self.previous is not None:
            self.previous = (self.previous[0] + 1, self.previous[1])

    def _mean(self, lag: int) -> np.ndarray:
        return self.usual - self.lift * _LOSSES[lag][:, None] - _DIPS[lag][None, :]

    def check_in(self, mood: int) -> None:
        mean = self._mean(0)
        variance = self.sd**2
        if self.previous is not None and self.previous[0] <= MAX_LAG:
            lag, before = self.previous
            carry = self.rho**lag
            mean = mean + carry * (before - self._mean(lag))
            variance = self.sd**2 * (1 - carry**2) + carry**2 / 12
        sd = math.sqrt(variance + 1 / 12)
        if 0 < mood < 10:
            # A whole point's width of the density: the rounding's interval, nearly (the
            # rounding's own variance is in ``sd``); only the clipped ends need the CDF.
            z = (mood - mean) / sd
            likelihood = np.exp(-0.5 * z * z) / (sd * math.sqrt(2 * math.pi))
        elif mood >= 10:
            likelihood = 1 - _ndtr((mood - 0.5 - mean) / sd)
        else:
            likelihood = _ndtr((mood + 0.5 - mean) / sd)
        self._observe((1 - OUTLIER_SHARE) * likelihood + OUTLIER_SHARE / 11)
        self.previous = (0, mood)

    def phq9(self, total: int) -> None:
        if self.phq9_model is None:
            return
        usual, per_point, sd = self.phq9_model
        fall = self.lift * _PHQ9_LOSS[:, None] + _PHQ9_DIP[None, :]
        mean = usual + per_point * fall
        upper = np.inf if total >= 27 else (total + 0.5 - mean) / sd
        lower = -np.inf if total <= 0 else (total - 0.5 - mean) / sd
        likelihood = _ndtr(np.asarray(upper)) - _ndtr(np.asarray(lower))
        self._observe((1 - OUTLIER_SHARE) * likelihood + OUTLIER_SHARE / 28)

    def _observe(self, likelihood: np.ndarray) -> None:
        self.weights *= likelihood
        self.weights /= self.weights.sum()

    def probability(self) -> float:
        """The posterior probability that a relapse has begun."""
        return 1.0 - float(self.weights[0].sum())
