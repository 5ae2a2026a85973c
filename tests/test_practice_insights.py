"""The "what helps me" statistics, checked against numbers worked by hand."""

from __future__ import annotations

import math

import pytest

from claywork.practice import insights


def test_welch_interval_matches_the_hand_worked_example() -> None:
    # Means 4 and 6, both sample variances 28/6, n = 7 each: se = sqrt(4/3), Welch df = 12,
    # t(0.975, 12) = 2.179, so the interval is -2 ± 2.179 * 1.1547.
    result = insights.compare([1, 2, 3, 4, 5, 6, 7], [3, 4, 5, 6, 7, 8, 9])

    assert result is not None
    assert result.difference == pytest.approx(-2.0)
    assert result.ci_low == pytest.approx(-2 - 2.179 * math.sqrt(4 / 3), abs=1e-9)
    assert result.ci_high == pytest.approx(-2 + 2.179 * math.sqrt(4 / 3), abs=1e-9)
    assert result.effect_size == pytest.approx(-2 / math.sqrt(28 / 6))
    assert (result.n_with, result.n_without) == (7, 7)
    assert not result.interval_excludes_zero


def test_a_clear_difference_has_an_interval_away_from_zero() -> None:
    result = insights.compare([7, 8, 7, 8, 7, 8, 7, 8], [3, 4, 3, 4, 3, 4, 3, 4])

    assert result is not None
    assert result.difference == pytest.approx(4.0)
    assert result.ci_low > 0
    assert result.interval_excludes_zero
    assert insights.effect_words(result.effect_size) == "a large"


@pytest.mark.parametrize(("n_with", "n_without"), [(6, 30), (30, 6), (0, 0), (6, 6)])
def test_nothing_is_claimed_with_fewer_than_seven_days_on_a_side(
    n_with: int, n_without: int
) -> None:
    assert insights.compare([5.0] * n_with, [4.0] * n_without) is None


def test_no_spread_gives_a_point_interval_and_no_effect_size() -> None:
    result = insights.compare([5] * 7, [5] * 7)

    assert result is not None
    assert (result.ci_low, result.ci_high, result.effect_size) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("df", "quantile"), [(1, 12.706), (12.9, 2.179), (35, 2.042), (59, 2.021), (500, 1.96)]
)
def test_t_quantile_rounds_degrees_of_freedom_down(df: float, quantile: float) -> None:
    assert insights.t_quantile_975(df) == quantile


def test_effect_words_use_plain_labels() -> None:
    assert insights.effect_words(0.1) == "little or no"
    assert insights.effect_words(-0.3) == "a small"
    assert insights.effect_words(0.6) == "a moderate"
