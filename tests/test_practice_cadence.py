"""Gentle streaks: rest days never break a run, and today is never counted as a miss."""

from __future__ import annotations

from datetime import date, timedelta

from claywork.practice import cadence

TODAY = date(2026, 3, 18)  # a Wednesday


def days_ago(*offsets: int) -> list[date]:
    return [TODAY - timedelta(days=offset) for offset in offsets]


def test_daily_streak_counts_consecutive_days() -> None:
    streak = cadence.daily_streak(days_ago(0, 1, 2), today=TODAY)

    assert (streak.count, streak.done_now) == (3, True)


def test_today_not_done_yet_does_not_break_the_run() -> None:
    streak = cadence.daily_streak(days_ago(1, 2, 3), today=TODAY)

    assert (streak.count, streak.done_now) == (3, False)


def test_two_rest_days_in_a_row_keep_the_run() -> None:
    streak = cadence.daily_streak(days_ago(0, 3, 4, 7), today=TODAY)

    assert streak.count == 4


def test_three_missed_days_in_a_row_start_a_new_run() -> None:
    streak = cadence.daily_streak(days_ago(0, 4, 5), today=TODAY)

    assert streak.count == 1


def test_a_long_pause_gives_zero_not_a_penalty() -> None:
    assert cadence.daily_streak(days_ago(10, 11), today=TODAY).count == 0
    assert cadence.daily_streak([], today=TODAY).count == 0


def test_future_days_are_ignored() -> None:
    assert cadence.daily_streak([TODAY + timedelta(days=1)], today=TODAY).count == 0


def test_weekly_streak_counts_weeks_meeting_the_target_with_a_rest_week() -> None:
    # This week: not yet met (in progress). Last week met twice, the week before rested,
    # the week before that met: one rest week keeps the run.
    last_week = cadence.week_start(TODAY) - timedelta(weeks=1)
    done = [last_week, last_week + timedelta(days=2), last_week - timedelta(weeks=2)]

    streak = cadence.weekly_streak(done, today=TODAY, per_week=2)

    assert streak.count == 1  # three weeks back met only once: below the target of two
    assert not streak.done_now
    assert cadence.weekly_streak(done, today=TODAY, per_week=1).count == 2


def test_two_missed_weeks_start_a_new_run() -> None:
    week = cadence.week_start(TODAY)
    done = [week, week - timedelta(weeks=3)]

    assert cadence.weekly_streak(done, today=TODAY).count == 1


def test_period_progress_counts_this_week_for_weekly_goals() -> None:
    week = cadence.week_start(TODAY)
    done = [week, TODAY, week - timedelta(days=1)]

    assert cadence.period_progress(done, today=TODAY, cadence="weekly") == 2
    assert cadence.period_progress(done, today=TODAY, cadence="daily") == 1
