"""The slide-and-floor fit of when a lift ended (claywork/measures/slide_fit.py; decision 0006,
fourteenth amendment), on hand-built series: plain functions, no database."""

from __future__ import annotations

import random

import numpy as np

from claywork.measures import slide_fit

PRE_DAYS = list(range(-20, -6))  # two weeks before a course whose last session is day 0


def noisy(levels: list[float], *, seed: int = 7, spread: float = 1.0) -> list[float]:
    """Whole-number check-ins around ``levels``, with a seeded noise."""
    rng = random.Random(seed)
    return [float(max(0, min(10, round(level + rng.gauss(0, spread))))) for level in levels]


def slide(days: int, onset: int, length: int, *, upper: float, lower: float) -> list[float]:
    """``upper`` until ``onset``, then a straight slide over ``length`` days to ``lower``."""
    return [
        upper + (lower - upper) * min(1.0, max(0.0, (day - onset) / length)) for day in range(days)
    ]


def fitted(
    after: list[float], *, pre: float = 3.0, seed: int = 1, spread: float = 1.0, **kwargs: object
) -> slide_fit.SlideFit:
    """The fit on noisy check-ins at ``pre`` before the course and ``after`` from day 1."""
    offsets = list(range(1, len(after) + 1))
    found = slide_fit.fit(
        PRE_DAYS,
        noisy([pre] * len(PRE_DAYS), seed=seed + 100, spread=spread),
        offsets,
        after,
        last=kwargs.pop("last", offsets[-1]),  # type: ignore[arg-type]
        min_lift=1.0,
        **kwargs,  # type: ignore[arg-type]
    )
    assert found is not None
    return found


def test_a_slide_to_the_floor_is_dated_where_it_crosses_halfway() -> None:
    # 7 over a usual 3 until day 30, then down to 3.4 (a floor of 10%) over 10 days: under 5
    # (half the lift) from day 36.
    found = fitted(noisy(slide(75, 30, 10, upper=7, lower=3.4), seed=11))
    assert found.end_day is not None and abs(found.end_day - 36) <= 3
    assert found.onset_day is not None and found.slide_days is not None
    assert found.probability >= slide_fit.END_PROBABILITY


def test_a_lift_that_holds_has_no_end() -> None:
    found = fitted(noisy([7.0] * 75, seed=3))
    assert found.end_day is None and found.recent_day is None and found.lifted
    assert abs(found.usual - 3) < 1 and abs(found.lift - 4) < 1


def test_a_bad_week_that_recovers_is_not_an_end() -> None:
    levels = [7.0] * 75
    for day in range(35, 41):  # six days back at the usual level, then the lift again
        levels[day] = 4.0
    assert fitted(noisy(levels, seed=5)).end_day is None


def test_a_bad_week_before_a_relapse_does_not_pull_its_end_early() -> None:
    levels = slide(75, 40, 6, upper=7, lower=3.4)
    for day in range(20, 26):
        levels[day] = 4.0
    found = fitted(noisy(levels, seed=9))
    assert found.end_day is not None and abs(found.end_day - 43) <= 3


def test_a_partial_responders_small_lift_is_a_lift_and_its_end_is_dated() -> None:
    # A lift of 1.5 points with check-ins that spread by 0.8, lost from day 35 over 5 days.
    found = fitted(noisy(slide(75, 35, 5, upper=4.5, lower=3.1), seed=2, spread=0.8), spread=0.8)
    assert found.lifted
    assert found.end_day is not None and abs(found.end_day - 38) <= 4


def test_a_lift_within_the_patients_own_noise_is_not_a_lift() -> None:
    found = fitted(noisy([3.4] * 75, seed=6, spread=1.8), spread=1.8)
    assert not found.lifted


def test_a_fall_in_the_last_days_is_too_recent_to_confirm() -> None:
    found = fitted(noisy([7.0] * 68 + [3.0] * 6, seed=4, spread=0.6), spread=0.6)
    assert found.end_day is None and found.recent_day is not None and found.recent_day >= 65


def test_a_fall_cut_short_by_the_next_session_is_dated_from_the_days_before_it() -> None:
    # The next session on day 47: the check-ins up to it are all there will be.
    after = noisy(slide(46, 38, 4, upper=7, lower=3.2), seed=8)
    answered = fitted(after, answered=True)
    waiting = fitted(after)
    assert answered.end_day is not None and abs(answered.end_day - 40) <= 3
    assert waiting.end_day is None  # with no next session, a week of data is not enough


def test_too_few_check_ins_are_not_fitted() -> None:
    assert slide_fit.fit(PRE_DAYS, [3.0] * 14, [1, 2, 3], [7.0] * 3, last=3, min_lift=1) is None
    assert (
        slide_fit.fit([-3, -2], [3.0, 3.0], list(range(1, 30)), [7.0] * 29, last=29, min_lift=1)
        is None
    )


def test_a_long_follow_up_is_fitted_in_windows_and_still_finds_a_late_end() -> None:
    # Two years of a lift that holds, then a relapse on day 600: the window that holds it
    # dates it; the lift is the first window's.
    levels = slide(700, 600, 6, upper=7, lower=3.4)
    found = fitted(noisy(levels, seed=12))
    assert found.end_day is not None and abs(found.end_day - 603) <= 3
    assert found.lifted and abs(found.lift - 4) < 0.6


def _gappy_series(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Check-ins on most days of 90, whole points with a few clipped to fractions."""
    rng = random.Random(seed)
    days = np.array([d for d in range(3, 93) if rng.random() < 0.8], dtype=float)
    values = np.array([rng.randint(2, 9) + rng.choice([0.0, 0.0, 0.0, 0.4]) for _ in days])
    return days, values


def test_the_slides_bad_week_from_window_sums_equals_the_residuals_weighing() -> None:
    # The fit weighs each slide's bad week from the windows' sums (one pass for every slide);
    # it must give what weighing each slide's residuals day by day gives.
    for seed in range(5):
        days, raw = _gappy_series(seed)
        rng = np.random.default_rng(seed)
        onsets = rng.integers(int(days[0]), int(days[-1]) + 1, size=60).astype(float)
        level = rng.uniform(3.0, 9.0, size=60)
        two_var = 2 * (1.4 * rng.uniform(0.5, 1.5)) ** 2
        fast = slide_fit._slides_bad_week(days, raw, onsets, level, two_var)
        residuals = raw[None, :] - level[:, None]  # the fit is ``level`` before the onset
        slow = slide_fit._log_bad_week(days, residuals, two_var, onsets)
        assert np.allclose(fast, slow, rtol=1e-9, atol=1e-12)
        assert (slow > 0).any()


def test_the_clipping_medians_are_numpys() -> None:
    for seed in range(5):
        days, values = _gappy_series(seed)
        first = np.searchsorted(days, days - slide_fit.CLIP_HALF_WIDTH, side="left")
        stop = np.searchsorted(days, days + slide_fit.CLIP_HALF_WIDTH, side="right")
        middle = np.array([np.median(values[a:b]) for a, b in zip(first, stop, strict=True)])
        expected = np.clip(values, middle - 1.0, middle + 1.0)
        assert np.array_equal(slide_fit._clipped(days, values, 1.0), expected)
