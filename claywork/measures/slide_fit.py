"""When did the lift end? A slide-and-floor fitted to a patient's own check-ins and PHQ-9s.

Decision 0006, fourteenth amendment. After a session (the course's last, or a booster) mood is
modelled as

* before the course: the patient's own usual level ``P`` (the check-ins of the two weeks
  before it);
* after the session: ``P + A x share(day)``, where ``A`` is the lift and ``share`` is 1 while
  it holds, then, from an onset day, a straight slide over ``slide`` days (``SLIDES``) down to
  a **floor** (``FLOORS``: 0-30% of the lift that stays; a relapse that loses the lift and
  gets it back without a session is a bad week, below);
* "no end": ``share`` is 1 all along (the lift holds).

``P`` and ``A`` are fitted by least squares for each (onset, slide, floor), from the check-ins
before the course *and* after the session together: the usual level and the lift are the
patient's own, fitted with the end, not a line estimated first and then crossed. The PHQ-9s,
when there are any, are a second series with the same timing (each the mean share over the two
weeks it asks about, its own level and fall fitted, the instrument's error as its noise,
weighed by ``SECOND_WEIGHT``); a slide the PHQ-9s say was an improvement does not count.

**A bad week** (mood down for 3-8 days and two to recover, by a fitted depth, anywhere) may be
in any hypothesis, "no end" included, with prior probability ``BAD_WEEK_PRIOR``: a bad week
then is not an end, and a bad week before a relapse does not pull the end early.

The noise is the patient's own robust spread of check-ins (``change_point.spread``, the larger
of before the course and after the session), widened by ``NOISE_INFLATION`` (mood is
correlated from day to day). Each hypothesis weighs ``exp(-RSS / 2 sigma^2)``; "no end" has
prior odds ``HOLD_PRIOR_ODDS`` against all the slides together. A slide's **end** is the first
day its share is under ``1 - lost_fraction`` (half the lift gone by default). The lift has
ended when the slides whose end the data can show (at least ``CONFIRM_DAYS`` of data after
it, or any before a next session) carry ``END_PROBABILITY`` of the posterior
(``ANSWERED_END_PROBABILITY`` before a next session: nothing later will tell more); the day
told is the day that gathers the most posterior mass within ``WINDOW_DAYS`` either side. Slides
ending in the last ``CONFIRM_DAYS`` with that much mass are "too recently to tell".

Whether there was a lift at all is asked of the same fit, relative to the patient's own noise:
the best hypothesis's lift at least ``LIFT_Z`` standard errors over the usual level and
``MIN_LIFT_SHARE`` of the ``min_lift`` setting. Tuned on the simulation's dev seeds 1-5 and
11-13 (bench/README.md, "Fifteenth pass").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from claywork.measures.change_point import spread

SLIDES = (3, 5, 7, 9, 11, 14)
FLOORS = (0.0, 0.1, 0.2, 0.3)
# Days after the session before the fit starts: the course's gain settles over about five days.
SETTLE_DAYS = 3
# Mood is correlated from day to day, so the check-ins' evidence is less than independent
# days' would be: the spread is widened by this.
NOISE_INFLATION = 1.4
# Check-ins are kept within this many spreads of the median of the week around them (0: off).
CLIP_SPREADS = 2.5
CLIP_HALF_WIDTH = 3
HOLD_PRIOR_ODDS = 1.0
# Any hypothesis may hold one bad week (mood lower by a fitted depth for 3-8 days and two to
# recover) with this prior probability (0 turns bad weeks off); ``BAD_WEEK_IN_SLIDES`` 0 keeps
# them to "no end" only.
BAD_WEEK_PRIOR = 0.95
BAD_WEEK_DAYS = (3, 4, 5, 6, 7, 8)
# Mood points: a bad week is a dip, not the whole lift gone and more.
BAD_WEEK_MAX_DEPTH = 3.0
BAD_WEEK_IN_SLIDES = 1
# The posterior mass of the slides whose end the data show that tells "the lift ended"...
END_PROBABILITY = 0.6
# ...and before a next session: the data up to it are all there will ever be.
ANSWERED_END_PROBABILITY = 0.2
# Slides whose end is past the data (or too recent to confirm) count for "no end" (1) or
# for neither (0).
UNDATED_IS_NO_END = 1
# The end told is the day with the most posterior mass within this many days of it.
WINDOW_DAYS = 5
# A lift: at least this many standard errors over the usual level, and this share of the
# ``min_lift`` setting (mood points).
LIFT_Z = 1.5
MIN_LIFT_SHARE = 0.3
# Check-ins a fit needs after the session, and before the end it dates.
MIN_POINTS_AFTER = 8
MIN_POINTS_BEFORE_END = 4
# An end needs this many days of data after it (a bad week lasts 3-8 days and recovers in
# two: an end in the last days of the data is as likely a bad week that has not passed)...
CONFIRM_DAYS = 12
# ...or, when the next session came (it starts its own lift: no later data will tell more),
# this many.
ANSWERED_CONFIRM_DAYS = 0
# The PHQ-9 asks about two weeks; its squared errors weigh this share of what the
# instrument's error says (a PHQ-9 is also a judgement over two weeks, not a daily reading).
SECOND_WINDOW_DAYS = 14
SECOND_WEIGHT = 0.5
# A long follow-up is fitted in windows this long, this far apart (a lift that held for
# months is judged on its latest months, against the usual level before the course).
FIT_WINDOW_DAYS = 120
FIT_STEP_DAYS = 60


@dataclass(frozen=True)
class SlideFit:
    """The fit's verdict: ``usual`` and ``lift`` (those of the best hypothesis), the lift's
    size in standard errors (``lift_z``) and whether it counts (``lifted``), the posterior
    ``probability`` of an end the data show; when the lift ended, ``end_day`` (days after the
    session) and the slide of the heaviest hypothesis ending that day: ``onset_day``,
    ``slide_days``, ``floor`` (the share of the lift left)."""

    usual: float
    lift: float
    lift_z: float
    probability: float
    end_day: int | None = None
    onset_day: int | None = None
    slide_days: int | None = None
    floor: float | None = None
    lifted: bool = True
    # A slide ending in the data's last days, too recent to confirm: its most likely day.
    recent_day: int | None = None


def _lost(days: np.ndarray, onsets: np.ndarray, slide: int) -> np.ndarray:
    """How far down the slide each day (columns) is, 0 to 1, for each onset (rows): the share
    of the lift left is ``1 - (1 - floor) lost``, the same course for every floor."""
    since = days[None, :] - onsets[:, None]
    return np.clip(since / slide, 0.0, 1.0)


def _asked_pairs(
    z_days: np.ndarray, after: np.ndarray, onsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (days from onset to PHQ-9, first PHQ-9 with the same days after the
    session) over every onset (rows) and PHQ-9 (columns), and which pair each cell is. The
    14 days a PHQ-9 asks about, less the onset, are the same whole numbers either way, so a
    pair's share is the one computed per onset and PHQ-9."""
    _, pattern, same = np.unique(after, axis=0, return_index=True, return_inverse=True)
    first_like = pattern[same.reshape(-1)]  # the first PHQ-9 whose days after match
    gap = (z_days[None, :] - onsets[:, None]).astype(int)
    # One whole number per (days, PHQ-9): one-dimensional keys sort much faster than rows.
    low, size = int(gap.min()), z_days.size
    keys, pair_of = np.unique((gap - low) * size + first_like[None, :], return_inverse=True)
    pairs = np.stack([keys // size + low, keys % size], axis=1)
    return pairs.astype(float), pair_of.reshape(gap.shape)


def _end_day(onsets: np.ndarray, slide: int, floor: float, lost: float) -> np.ndarray:
    """The first day the share is under ``1 - lost``: ``onset + k`` with
    ``(1 - floor) k / slide > lost``."""
    k = math.floor(slide * lost / (1.0 - floor)) + 1
    return onsets + k


def _fit(
    x: np.ndarray, y: np.ndarray, c: np.ndarray, extra: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Least squares of ``y = P c + A x`` (rows of ``x``, one per hypothesis; ``c`` is a
    column of ones), with the points before the course (``x = 0``) as the sums ``extra`` =
    (their count, sum, sum of squares): the RSS, ``A``, ``P`` and ``A``'s standard error per
    unit noise."""
    scc = extra[0] + float((c * c).sum())
    scy = extra[1] + float((c * y).sum())
    syy = extra[2] + float((y * y).sum())
    scx = x @ c
    sxx = (x * x).sum(axis=1)
    sxy = x @ y
    den = scc * sxx - scx * scx
    ok = den > 1e-9
    safe = np.where(ok, den, 1.0)
    a = np.where(ok, (scc * sxy - scx * scy) / safe, 0.0)
    p = np.where(ok, (sxx * scy - scx * sxy) / safe, scy / scc)
    rss = np.maximum(syy - p * scy - a * sxy, 0.0)
    unit_se = np.sqrt(scc / np.where(ok, den, np.inf))
    return rss, a, p, unit_se


def _clipped(days: np.ndarray, values: np.ndarray, reach: float) -> np.ndarray:
    """Each check-in kept within ``reach`` of the median of the week around it: a day or two
    far from their neighbours (a good day in a relapse) would otherwise move a least-squares
    fit more than a week of ordinary days."""
    first = np.searchsorted(days, days - CLIP_HALF_WIDTH, side="left")
    stop = np.searchsorted(days, days + CLIP_HALF_WIDTH, side="right")
    # Each week's check-ins in a row, sorted, padded with +inf: the median is the middle one
    # (or the mean of the middle two), as np.median gives it, for every day at once.
    count = stop - first
    at = first[:, None] + np.arange(int(count.max()))[None, :]
    week = np.where(at < stop[:, None], values[np.minimum(at, values.size - 1)], np.inf)
    week.sort(axis=1)
    rows = np.arange(values.size)
    middle = (week[rows, (count - 1) // 2] + week[rows, count // 2]) / 2
    return np.clip(values, middle - reach, middle + reach)


def _log_bad_week(
    days: np.ndarray, residuals: np.ndarray, two_var: float, before: np.ndarray | None = None
) -> np.ndarray:
    """For each row of ``residuals`` (one per hypothesis, on ``days``), the log weight of
    "this, and perhaps a bad week" against "this alone": a run of ``BAD_WEEK_DAYS`` plus two
    days lower by a fitted depth (up to ``BAD_WEEK_MAX_DEPTH``), on any day, with probability
    ``BAD_WEEK_PRIOR``, or none. With ``before`` (a day per row: a slide's onset) the bad week
    must be over by then: one that runs into the slide would only blur where it begins."""
    rows = residuals.reshape(-1, days.size)
    if not BAD_WEEK_PRIOR or days.size == 0:
        return np.zeros(rows.shape[0])
    first, stop = int(days[0]), int(days[-1]) + 1
    at = (days - first).astype(int) + 1
    dense = np.zeros((rows.shape[0], stop - first + 1))
    count = np.zeros(stop - first + 1)
    dense[:, at] = rows
    count[at] = 1.0
    cum, cum_n = np.cumsum(dense, axis=1), np.cumsum(count)
    gains = []
    for length in BAD_WEEK_DAYS:
        width = min(length + 2, stop - first)
        total = cum[:, width:] - cum[:, :-width]
        n = cum_n[width:] - cum_n[:-width]
        # The best depth is the mean shortfall, up to BAD_WEEK_MAX_DEPTH: the RSS falls by
        # 2 depth |sum| - depth^2 n.
        n_safe = np.maximum(n, 1.0)
        depth = np.clip(-total / n_safe, 0.0, BAD_WEEK_MAX_DEPTH)
        gain = np.where(n > 0, 2 * depth * (-total) - depth * depth * n, 0.0)
        if before is not None:
            last_day = first + np.arange(gain.shape[1]) + width - 1
            gain = np.where(last_day[None, :] < before[:, None], gain, 0.0)
        gains.append(gain / two_var)
    every = np.concatenate(gains, axis=1)
    top = every.max(axis=1)
    mean = np.exp(top) * np.exp(every - top[:, None]).mean(axis=1)
    return np.log((1 - BAD_WEEK_PRIOR) + BAD_WEEK_PRIOR * mean)


# Slides whose bad weeks are weighed together: rows of onsets close enough to share most of
# their windows (a block's cost is its rows times the windows before its last onset).
BAD_WEEK_BLOCK_ROWS = 256


def _bad_week_windows(
    days: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Every place a bad week can be (``_log_bad_week``'s runs, every length and start) that
    holds a check-in, by last day: that day, the check-ins' count and their sum; and the
    number of places, check-ins or not (each counts in the mean over places)."""
    first, stop = int(days[0]), int(days[-1]) + 1
    at = (days - first).astype(int) + 1
    dense = np.zeros(stop - first + 1)
    count = np.zeros(stop - first + 1)
    dense[at] = values
    count[at] = 1.0
    cum, cum_n = np.cumsum(dense), np.cumsum(count)
    last, n, total = [], [], []
    for length in BAD_WEEK_DAYS:
        width = min(length + 2, stop - first)
        n.append(cum_n[width:] - cum_n[:-width])
        total.append(cum[width:] - cum[:-width])
        last.append(first + np.arange(n[-1].size) + width - 1)
    last_all, n_all, total_all = np.concatenate(last), np.concatenate(n), np.concatenate(total)
    held = n_all > 0
    order = np.argsort(last_all[held], kind="stable")
    return last_all[held][order], n_all[held][order], total_all[held][order], last_all.size


def _slides_bad_week(
    days: np.ndarray, raw: np.ndarray, onsets: np.ndarray, level: np.ndarray, two_var: float
) -> np.ndarray:
    """``_log_bad_week`` of each slide (its ``onset``, its fit ``level`` = usual + lift before
    it), the bad week over before the onset, computed from the windows' sums of ``raw``.

    Before its onset a slide's fit is ``level`` on every day, so a window's shortfall is
    ``n level - sum``: a window's gain depends only on its count and sum, and windows alike
    (check-ins are whole points) are weighed once, times how many of them end before the
    onset. Residuals per slide and day were most of the fit's cost (bench/README.md,
    "Fifteenth pass"). Equal to ``_log_bad_week`` up to rounding."""
    out = np.zeros(onsets.size)
    if not BAD_WEEK_PRIOR or days.size == 0 or onsets.size == 0:
        return out
    last, n, total, places = _bad_week_windows(days, raw)
    if last.size == 0:
        return out
    kinds, seen = _kinds_so_far(n, total)
    # The windows over before each onset are a prefix of ``last``.
    before = np.searchsorted(last, onsets, side="left")
    rows = np.argsort(before, kind="stable")
    kind_n, kind_total = kinds[:, 0], kinds[:, 1]
    for start in range(0, rows.size, BAD_WEEK_BLOCK_ROWS):
        block = rows[start : start + BAD_WEEK_BLOCK_ROWS]
        # Kinds are numbered by first appearance: those before the block's last onset.
        width = int(seen[int(before[block].max())].astype(bool).sum())
        if width == 0:
            continue
        times = seen[before[block], :width]
        shortfall = kind_n[None, :width] * level[block, None] - kind_total[None, :width]
        depth = np.clip(shortfall / kind_n[None, :width], 0.0, BAD_WEEK_MAX_DEPTH)
        gain = depth * (2 * shortfall - depth * kind_n[None, :width]) / two_var
        gain = np.where(times > 0, gain, -np.inf)
        top = np.maximum(gain.max(axis=1), 0.0)
        # The other places (after the onset, or without a check-in) gain nothing: e^0 each.
        rest = places - before[block]
        weighed = (times * np.exp(gain - top[:, None])).sum(axis=1)
        mean = (weighed + rest * np.exp(-top)) / places
        out[block] = np.log((1 - BAD_WEEK_PRIOR) + BAD_WEEK_PRIOR * np.exp(top) * mean)
    return out


def _kinds_so_far(n: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (count, sum) of the windows, numbered by first appearance, and how many of
    each are among the first ``j`` windows (row ``j``)."""
    pairs, first, inverse = np.unique(
        np.stack([n, total], axis=1), axis=0, return_index=True, return_inverse=True
    )
    rank = np.empty(first.size, dtype=int)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    seen = np.zeros((n.size + 1, first.size))
    seen[np.arange(1, n.size + 1), rank[inverse.reshape(-1)]] = 1.0
    kinds = np.empty_like(pairs)
    kinds[rank] = pairs
    return kinds, np.cumsum(seen, axis=0)


def fit(
    pre_offsets: list[int],
    pre_values: list[float],
    offsets: list[int],
    values: list[float],
    *,
    last: int,
    min_lift: float,
    lost_fraction: float = 0.5,
    phq9_pre: list[float] | None = None,
    phq9_offsets: list[int] | None = None,
    phq9_values: list[float] | None = None,
    phq9_noise: float = 2.2,
    answered: bool = False,
) -> SlideFit | None:
    """The fit from the check-ins before the course (``pre_values`` on ``pre_offsets`` days,
    counted like ``offsets`` from the session) and those ``offsets`` days after the session,
    up to ``last`` (the last day the data can speak for: the day before a next session, when
    ``answered``), with the PHQ-9s before the course (``phq9_pre``) and those answered two
    weeks or more after the session (``phq9_offsets``, ``phq9_values``), if any. None when
    there are too few check-ins to fit.

    A long follow-up is fitted in windows of ``FIT_WINDOW_DAYS`` days every ``FIT_STEP_DAYS``
    (the first end is in the first window that shows one), so the cost grows with the days,
    not with their square. Whether there was a lift is the first window's answer."""
    after = [(o, v) for o, v in zip(offsets, values, strict=True) if SETTLE_DAYS <= o <= last]
    if len(pre_values) < 4 or len(after) < MIN_POINTS_AFTER:
        return None
    second = list(zip(phq9_offsets or [], phq9_values or [], strict=True))
    first: SlideFit | None = None
    start = SETTLE_DAYS
    while True:
        stop = min(last, start + FIT_WINDOW_DAYS - 1)
        final = stop >= last
        window = [(o, v) for o, v in after if start <= o <= stop]
        asked = [(o, v) for o, v in second if start <= o <= stop]
        found = _fit_window(
            pre_offsets,
            pre_values,
            [o for o, _ in window],
            [v for _, v in window],
            last=stop,
            min_lift=min_lift,
            lost_fraction=lost_fraction,
            phq9_pre=phq9_pre,
            phq9_offsets=[o for o, _ in asked],
            phq9_values=[v for _, v in asked],
            phq9_noise=phq9_noise,
            answered=answered and final,
        )
        if first is None:
            first = found
        if found is not None and first is not None and (found.end_day is not None or final):
            if found is first:
                return found
            return replace(
                found, usual=first.usual, lift=first.lift, lift_z=first.lift_z, lifted=first.lifted
            )
        if final:
            return first
        start += FIT_STEP_DAYS


def _fit_window(
    pre_offsets: list[int],
    pre_values: list[float],
    offsets: list[int],
    values: list[float],
    *,
    last: int,
    min_lift: float,
    lost_fraction: float = 0.5,
    phq9_pre: list[float] | None = None,
    phq9_offsets: list[int] | None = None,
    phq9_values: list[float] | None = None,
    phq9_noise: float = 2.2,
    answered: bool = False,
) -> SlideFit | None:
    """``fit`` on one window of days."""
    kept = list(zip(offsets, values, strict=True))
    if len(pre_values) < 4 or len(kept) < MIN_POINTS_AFTER:
        return None
    days = np.array([o for o, _ in kept], dtype=float)
    raw = np.array([v for _, v in kept], dtype=float)
    pre = np.array(pre_values, dtype=float)
    extra = (float(pre.size), float(pre.sum()), float((pre * pre).sum()))
    ones = np.ones(raw.size)
    # The patient's own noise: the larger of the spreads before the course and after it.
    noise = max(spread(pre_offsets, list(pre_values)), spread(list(days), list(raw)))
    if CLIP_SPREADS:
        raw = _clipped(days, raw, CLIP_SPREADS * noise)
    sigma = NOISE_INFLATION * noise
    two_var = 2 * sigma * sigma

    # "No end": the lift holds on every day after the session.
    rss_hold, a_hold, p_hold, se_hold = _fit(ones[None, :], raw, ones, extra)

    use_second = bool(phq9_offsets) and phq9_pre is not None and len(phq9_pre) >= 1
    if use_second:
        assert phq9_offsets is not None and phq9_values is not None and phq9_pre is not None
        z_pre = np.array(phq9_pre, dtype=float)
        z_extra = (float(z_pre.size), float(z_pre.sum()), float((z_pre * z_pre).sum()))
        z_days = np.array(phq9_offsets, dtype=float)
        z_y = np.array(phq9_values, dtype=float)
        window = np.arange(SECOND_WINDOW_DAYS, dtype=float)
        two_var_second = 2 * phq9_noise * phq9_noise / SECOND_WEIGHT
        # The PHQ-9's "no end": its share is the share of the 14 days it asks about that came
        # after the session (the course's gain, taken as whole from the session on).
        asked = z_days[:, None] - window[None, :]
        hold_share = (asked > 0).mean(axis=1)[None, :]
        z_c = np.ones(z_y.size)
        rss_hold_second, _, _, _ = _fit(hold_share, z_y, z_c, z_extra)
        rss_hold = rss_hold + rss_hold_second * (two_var / two_var_second)

    onsets = np.arange(int(days[0]), int(days[-1]) + 1, dtype=float)
    if use_second:
        # A PHQ-9's share depends on an onset only through the days between them (and which
        # of its 14 days came after the session): each such pair is computed once.
        asked_days = z_days[:, None] - window[None, :]  # (m, 14)
        pairs, pair_of = _asked_pairs(z_days, asked_days > 0, onsets)
        pair_since = pairs[:, :1] - window[None, :]  # (pairs, 14): days since the onset
        pair_after = asked_days[pairs[:, 1].astype(int)] > 0
    log_w, ends, params = [], [], []
    for slide in SLIDES:
        # The slide's course is shared by its floors: each floor only scales it.
        lost = _lost(days, onsets, slide)
        if use_second:
            pair_lost = np.clip(pair_since / slide, 0.0, 1.0)
        for floor in FLOORS:
            share = 1.0 - (1.0 - floor) * lost
            rss, a, p, se = _fit(share, raw, ones, extra)
            # Only a fall counts: a fitted lift under the one of "no end" is a rise, not an end.
            bad = a <= 0
            if use_second:
                # Each PHQ-9 is the mean share over the two weeks it asks about.
                z_share = ((1.0 - (1.0 - floor) * pair_lost) * pair_after).mean(axis=1)[pair_of]
                rss_second, g, _, _ = _fit(z_share, z_y, z_c, z_extra)
                # A PHQ-9 that rises with the lift is not the lift going.
                bad = bad | (g > 0)
                rss = rss + rss_second * (two_var / two_var_second)
            log_w.append(np.where(bad, -np.inf, -(rss - rss_hold[0]) / two_var))
            ends.append(_end_day(onsets, slide, floor, lost_fraction))
            params.append(
                np.stack(
                    [onsets, np.full_like(onsets, slide), np.full_like(onsets, floor), a, p, se],
                    axis=1,
                )
            )
    log_w_all = np.concatenate(log_w)
    end_all = np.concatenate(ends)
    param_all = np.concatenate(params)
    if BAD_WEEK_IN_SLIDES:
        # A slide may have a bad week in it too (before it, most often): without one, a bad
        # week early on pulls the end there.
        weighed = np.isfinite(log_w_all)
        level = param_all[weighed, 4] + param_all[weighed, 3]
        log_w_all[weighed] += _slides_bad_week(days, raw, param_all[weighed, 0], level, two_var)
    # The lift and usual level: those of the best-fitting hypothesis ("no end" or a slide,
    # whatever its end day), so a relapse does not pull the lift down as an average would.
    best_row = int(np.argmax(log_w_all))
    if log_w_all[best_row] > 0:
        lift, usual, unit_se = (float(v) for v in param_all[best_row, 3:6])
    else:
        lift, usual, unit_se = float(a_hold[0]), float(p_hold[0]), float(se_hold[0])
    z = lift / (sigma * unit_se) if unit_se > 0 else 0.0
    # Only ends inside the data, with enough check-ins before them, can be dated.
    before = np.searchsorted(days, end_all)
    confirm = ANSWERED_CONFIRM_DAYS if answered else CONFIRM_DAYS
    datable = (end_all <= min(last, int(days[-1])) - confirm) & (before >= MIN_POINTS_BEFORE_END)
    log_w_all = log_w_all + math.log(1.0 / (HOLD_PRIOR_ODDS * log_w_all.size))
    log_no_end = float(_log_bad_week(days, raw - float(p_hold[0] + a_hold[0]), two_var)[0])
    top = max(log_no_end, float(log_w_all.max()))
    every = np.exp(log_w_all - top)
    weights = np.where(datable, every, 0.0)
    # A slide whose end the data cannot show yet says "not ended so far", as "no end" does.
    undated = float(every[~datable].sum()) if UNDATED_IS_NO_END else 0.0
    total = float(weights.sum()) + math.exp(log_no_end - top) + undated
    mass = float(weights.sum())
    probability = mass / total
    lifted = z >= LIFT_Z and lift >= MIN_LIFT_SHARE * min_lift
    base = SlideFit(usual=usual, lift=lift, lift_z=z, probability=probability, lifted=lifted)
    if mass <= 0 or probability < (ANSWERED_END_PROBABILITY if answered else END_PROBABILITY):
        # A slide ending in the data's last days, not yet confirmed: "too recently to tell".
        recent = np.where(
            ~datable & (end_all <= min(last, int(days[-1]))) & (before >= MIN_POINTS_BEFORE_END),
            every,
            0.0,
        )
        if float(recent.sum()) / total >= END_PROBABILITY:
            return replace(base, recent_day=_most_likely_day(end_all, recent)[0])
        return base
    best, top_row = _most_likely_day(end_all, weights)
    onset, slide, floor = param_all[top_row, :3]
    return replace(
        base, end_day=best, onset_day=int(onset), slide_days=int(slide), floor=float(floor)
    )


def _most_likely_day(end_days: np.ndarray, weights: np.ndarray) -> tuple[int, int]:
    """The day with the most posterior mass within ``WINDOW_DAYS`` of it (the day a clinician
    would most likely be right to name), and the heaviest hypothesis that ends on it."""
    held = weights > 0
    first = int(end_days[held].min())
    size = int(end_days[held].max()) - first + 1
    by_day = np.bincount(
        (end_days[held] - first).astype(int), weights=weights[held], minlength=size
    )
    window_mass = np.convolve(by_day, np.ones(2 * WINDOW_DAYS + 1), mode="same")
    best = first + int(np.argmax(window_mass))
    return best, int(np.argmax(np.where(end_days == best, weights, -1.0)))
