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

A **second series** (``Second``: the PHQ-9, decision 0006, tenth amendment) can share the
timing: each of its values is its own level plus a rise times the mean share of the slide done
over the ``SECOND_WINDOW_DAYS`` days it asks about, both fitted by least squares per (onset,
slide), with its own noise; its log-likelihood against its own "no change" is added. Only a
rise counts (a PHQ-9 falling while mood falls is no evidence of an end). A handful of weekly
values, each far less noisy than a check-in relative to the lift, so it mostly says *whether*
mood's fall was the lift going; mood still says *when*.
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
# A second series (the PHQ-9): each value is the mean of the shape over the days it asks about.
SECOND_WINDOW_DAYS = 14


@dataclass(frozen=True)
class Second:
    """A sparse second series that rises when the lift goes (the PHQ-9): offsets (days from
    the series' day 0), values, and its noise. Its levels are its own (fitted per hypothesis);
    only the timing of the change is shared with the mood."""

    offsets: list[int]
    values: list[float]
    noise: float


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


def _ramp_sum(days_since: int, slide: int) -> float:
    """The running sum, up to ``days_since`` days after an onset, of the share of a slide of
    ``slide`` days done each day (``k / slide`` on its k-th day, 1 from its end on)."""
    if days_since <= 0:
        return 0.0
    if days_since < slide:
        return days_since * (days_since + 1) / (2 * slide)
    return (slide + 1) / 2 + days_since - slide


def lift_end(
    offsets: list[int],
    values: list[float],
    *,
    pre: float,
    lost_fraction: float,
    noise: float | None = None,
    second: Second | None = None,
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
    use_second = second is not None and len(second.values) >= 2
    if use_second:
        assert second is not None
        # Dense by day, like the mood, so each sum is a suffix sum plus the days a value's
        # window overlaps the slide (at most max(SLIDES) + SECOND_WINDOW_DAYS per onset).
        second_span = (
            max(second.offsets[-1], int(onsets[-1])) + max(SLIDES) + 2 * (SECOND_WINDOW_DAYS)
        )
        asked = np.zeros(second_span)
        z_by_day = np.zeros(second_span)
        asked[second.offsets] = 1.0
        z_by_day[second.offsets] = second.values
        asked_from = np.cumsum(asked[::-1])[::-1]
        z_from = np.cumsum(z_by_day[::-1])[::-1]
        m = float(len(second.values))
        sz = float(z_by_day.sum())
        szz = float((z_by_day * z_by_day).sum())
        rss_none_second = szz - sz * sz / m
        two_var_second = 2 * second.noise * second.noise
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
        log_w_slide = np.where(usable, -(rss - rss_none) / two_var, -np.inf)
        if use_second:
            # A value k days after the onset: the mean share of the slide done over the
            # SECOND_WINDOW_DAYS days up to it; 1 from k = slide + SECOND_WINDOW_DAYS - 1 on.
            full = slide + SECOND_WINDOW_DAYS - 1
            tw = asked_from[onsets + full].copy()
            tww, twz = tw.copy(), z_from[onsets + full].copy()
            for k in range(1, full):
                g = (_ramp_sum(k, slide) - _ramp_sum(k - SECOND_WINDOW_DAYS, slide)) / (
                    SECOND_WINDOW_DAYS
                )
                at = asked[onsets + k]
                tw += g * at
                tww += g * g * at
                twz += g * z_by_day[onsets + k]
            den = m * tww - tw * tw
            ok = den > 1e-9
            rise = np.where(ok, (m * twz - tw * sz) / np.where(ok, den, 1.0), 0.0)
            # only a rise (the lift going) is evidence; a fall fits as "no change"
            rise = np.maximum(rise, 0.0)
            base = (sz - rise * tw) / m
            rss_second = (
                szz
                - 2 * base * sz
                - 2 * rise * twz
                + m * base**2
                + 2 * base * rise * tw
                + rise * rise * tww
            )
            log_w_slide = log_w_slide - (rss_second - rss_none_second) / two_var_second
        log_weights.append(log_w_slide)
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
