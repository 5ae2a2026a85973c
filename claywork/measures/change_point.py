"""When did the lift end? A Bayesian change point on a patient's daily mood after a session.

The check-ins after the lift was reached are compared under two models (Barry & Hartigan,
1993; Fearnhead, 2006, for a single change):

* **no change**: one level plus noise;
* **a change**: the level until day ``onset``, then a linear slide over ``slide`` days (a step
  when ``slide`` is 1) to a lower level that stays. The two levels are fitted by least squares
  for each (onset, slide); the onset is any day with enough check-ins on each side, the slide
  one of ``SLIDES`` days (relapses go over days to two weeks).

The noise is the patient's own: a robust spread (the median absolute day-to-day difference of
consecutive check-ins, which a fall or a bad week moves little), times ``NOISE_INFLATION``
(1: widening it for the day-to-day correlation of mood made dating worse on the dev seeds). Each
(onset, slide) has the same prior weight; "a change" as a whole has prior odds
``CHANGE_PRIOR_ODDS`` against "no change". The posterior weight of each hypothesis is its
prior times ``exp(-RSS / 2 sigma^2)``.

A change **ends the lift** only when its lower level is under the line (the pre-course level
plus ``1 - lost_fraction`` of the fitted upper level's lift); it ended on the first day the
fitted slide is under the line. The estimate is the posterior median of that day over the
hypotheses that end the lift, and ``probability`` their posterior mass. Tuned on the
simulation's dev seeds 1-5 (bench/README.md, "Seventh pass").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SLIDES = (1, 4, 7, 10, 14)
MIN_POINTS_BEFORE = 4  # check-ins at the upper level a change needs before it
MIN_POINTS_AFTER = 3  # check-ins after the onset
NOISE_INFLATION = 1.0
NOISE_FLOOR = 0.5  # mood points: hand-built or very steady series are not noiseless
CHANGE_PRIOR_ODDS = 1.0


@dataclass(frozen=True)
class LiftEnd:
    """The posterior of "the lift ended" and, when it has mass, the day it most likely did."""

    probability: float
    day: int | None  # days from the series' day 0 (the session); None without mass


def spread(offsets: list[int], values: list[float]) -> float:
    """The noise of single check-ins: the median absolute difference of check-ins on
    consecutive days over sqrt(2) and 0.6745 (a normal's MAD), floored."""
    steps = [
        abs(values[i] - values[i - 1])
        for i in range(1, len(values))
        if offsets[i] - offsets[i - 1] == 1
    ]
    if len(steps) < 3:
        return max(NOISE_FLOOR, float(np.std(values)) if values else NOISE_FLOOR)
    return max(NOISE_FLOOR, float(np.median(steps)) / (0.6745 * math.sqrt(2)))


def lift_end(
    offsets: list[int],
    values: list[float],
    *,
    pre: float,
    lost_fraction: float,
    noise: float | None = None,
) -> LiftEnd:
    """The posterior that the lift ended, from check-ins at ``offsets`` (days, ascending)."""
    n = len(values)
    if n < MIN_POINTS_BEFORE + MIN_POINTS_AFTER:
        return LiftEnd(0.0, None)
    # Dense by day (a check-in or none), so each sum over "after the slide" is a suffix sum
    # and only the slide's own days (at most ``max(SLIDES)``) are added one by one: the cost
    # grows with the days times the slides, not with the days squared.
    span = offsets[-1] + max(SLIDES) + 1
    present = np.zeros(span)
    y = np.zeros(span)
    present[offsets] = 1.0
    y[offsets] = values
    count_from = np.concatenate([np.cumsum(present[::-1])[::-1], [0.0]])
    sum_from = np.concatenate([np.cumsum(y[::-1])[::-1], [0.0]])
    sy, syy = float(y.sum()), float((y * y).sum())
    sigma = NOISE_INFLATION * (noise if noise is not None else spread(offsets, values))
    two_var = 2 * sigma * sigma
    rss_none = syy - sy * sy / n
    # Onsets: from the day of the MIN_POINTS_BEFORE-th check-in to the day before the
    # MIN_POINTS_AFTER-th from the end (later ones cannot be fitted).
    onsets = np.arange(offsets[MIN_POINTS_BEFORE - 1], offsets[n - MIN_POINTS_AFTER])
    if onsets.size == 0:
        return LiftEnd(0.0, None)
    log_weights, ends, ended = [], [], []
    for slide in SLIDES:
        sw = count_from[onsets + slide].copy()  # w = 1 from the slide's end on
        sww, swy = sw.copy(), sum_from[onsets + slide].copy()
        for step in range(1, slide):
            weight = step / slide
            sw += weight * present[onsets + step]
            sww += weight * weight * present[onsets + step]
            swy += weight * y[onsets + step]
        denominator = n * sww - sw * sw
        usable = denominator > 1e-9
        drop = np.where(usable, (n * swy - sw * sy) / np.where(usable, denominator, 1.0), 0.0)
        upper = (sy - drop * sw) / n
        rss = syy - 2 * upper * sy - 2 * drop * swy + n * upper**2 + 2 * upper * drop * sw
        rss = np.maximum(rss + drop * drop * sww, 0.0)
        lower = upper + drop
        line = pre + (1 - lost_fraction) * (upper - pre)
        is_end = usable & (upper > line) & (lower < line)
        # The first day the slide is under the line: onset + slide x (how far down the line is).
        share = np.where(is_end, (upper - line) / np.where(drop < 0, -drop, 1.0), 1.0)
        end_day = onsets + np.maximum(1, np.floor(slide * share) + 1)
        log_weights.append(np.where(usable, -(rss - rss_none) / two_var, -np.inf))
        ends.append(end_day)
        ended.append(is_end)
    log_w = np.concatenate(log_weights)
    end_days = np.concatenate(ends)
    is_ended = np.concatenate(ended)
    # Each (onset, slide) has prior weight odds / count; "no change" has weight 1 (log 0).
    log_w = log_w + math.log(CHANGE_PRIOR_ODDS / log_w.size)
    top = max(0.0, float(log_w.max()))
    weights = np.exp(log_w - top)
    total = float(weights.sum()) + math.exp(-top)
    mass = float(weights[is_ended].sum())
    if mass <= 0:
        return LiftEnd(0.0, None)
    order = np.argsort(end_days[is_ended], kind="stable")
    cumulative = np.cumsum(weights[is_ended][order])
    median_day = int(end_days[is_ended][order][np.searchsorted(cumulative, mass / 2)])
    return LiftEnd(mass / total, median_day)
