"""Is the effect holding? The rules, as plain functions over hand-built numbers."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.test import override_settings

from claywork.measures import effect
from claywork.measures.effect import EffectInputs, EffectParams

ROOT = Path(__file__).resolve().parent.parent
DAY_ZERO = date(2026, 1, 5)  # the course's first session
# The worked examples below were written for an early warning at 5 and a confirmed PHQ-9 rise
# of 4, and for the alert tier before the relapse filter (decision 0006, fourth amendment): the
# sustained fall at 35 points over 10 days, a confirming PHQ-9 rise of 5, the filter off
# (tests/test_fading_relapse_probable.py has its own), and one PHQ-9 firing alone at the
# reliable change (the sixth amendment raised it to 10: below, the defaults).
PARAMS = EffectParams(
    mood_threshold=5.0,
    phq9_single_rise=0,
    phq9_confirmed_rise=4,
    alert_threshold=35.0,
    confirm_phq9_rise=5,
    relapse_probability=0.0,
)


def day(offset: int) -> date:
    return DAY_ZERO + timedelta(days=offset)


COURSE = [day(0), day(3), day(6)]


def daily(first: int, values: list[int]) -> list[tuple[date, int]]:
    """One mood a day from ``day(first)`` on."""
    return [(day(first + n), value) for n, value in enumerate(values)]


def lifted(until: int, *, pre: int = 3, after: int = 7) -> list[tuple[date, int]]:
    """``pre`` the two weeks before the course, 5 during it, ``after`` from day 7 to ``until``."""
    return daily(-14, [pre] * 14) + daily(0, [5] * 7) + daily(7, [after] * (until - 6))


def replace_days(
    mood: list[tuple[date, int]], changes: dict[int, int | None]
) -> list[tuple[date, int]]:
    """The same check-ins with some days changed (None: no check-in that day)."""
    wanted = {day(offset): value for offset, value in changes.items()}
    return [(d, wanted.get(d, v)) for d, v in mood if wanted.get(d, v) is not None]  # type: ignore[misc]


def inputs(
    mood: list[tuple[date, int]] | None = None,
    *,
    phq9: list[tuple[date, int]] | None = None,
    sessions: list[date] | None = None,
    today: int = 90,
) -> EffectInputs:
    return EffectInputs(
        phq9=phq9 or [],
        mood=mood or [],
        sessions=COURSE if sessions is None else sessions,
        today=day(today),
    )


def episodes(data: EffectInputs, params: EffectParams = PARAMS) -> list[effect.Episode]:
    return effect.evaluate(data, params).episodes


def low_from(start: int, length: int, value: int, *, until: int = 90) -> list[tuple[date, int]]:
    return replace_days(lifted(until), {start + n: value for n in range(length)})


# --- rolling_mean (the progress chart's line) ------------------------------------------------


def test_rolling_mean_needs_three_check_ins_in_the_window() -> None:
    points = daily(0, [4, 6, 8])
    assert effect.rolling_mean(points[:2]) == []
    assert effect.rolling_mean(points) == [(day(2), 6.0)]


def test_rolling_mean_covers_the_seven_days_ending_each_day() -> None:
    means = dict(effect.rolling_mean(daily(1, list(range(1, 11)))))  # day n has value n
    assert means[day(10)] == pytest.approx(7.0)  # days 4-10
    assert means[day(7)] == pytest.approx(4.0)  # days 1-7


# --- The mood early warning ------------------------------------------------------------------


def test_steady_mood_after_a_course_raises_nothing() -> None:
    assert episodes(inputs(lifted(90))) == []
    assert episodes(inputs(replace_days(lifted(90), {30: 4, 50: 3}))) == []  # single low days


def test_mood_two_below_its_usual_level_fires_on_the_fifth_low_check_in() -> None:
    (episode,) = episodes(inputs(low_from(40, 51, 5)))

    # Each day 2 below the usual 7 adds 2 - 1 (the slack): five such days reach 5.
    assert episode.start == day(44)
    assert episode.rule == effect.MOOD_EARLY_WARNING
    assert episode.detail == (
        f"mood 5.0 on average over 5 check-ins since {day(40).isoformat()}, 2.0 below its usual 7"
    )
    assert episode.is_open


def test_a_missed_day_adds_nothing_and_takes_nothing_away() -> None:
    gaps = {40 + n: (5 if n % 2 == 0 else None) for n in range(30)}  # every other day missing
    (episode,) = episodes(inputs(replace_days(lifted(90), gaps)))

    assert episode.start == day(48)  # the fifth low check-in, whatever the gaps between


def test_the_usual_level_is_a_median_so_a_few_great_days_do_not_raise_it() -> None:
    great_week = {30 + n: 10 for n in range(4)}
    plain = episodes(inputs(low_from(40, 30, 5)))
    after_great_days = episodes(inputs(replace_days(low_from(40, 30, 5), great_week)))

    assert [e.start for e in after_great_days] == [e.start for e in plain] == [day(44)]


def test_no_lift_over_the_pre_course_level_means_nothing_to_fade() -> None:
    no_lift = replace_days(lifted(90, pre=7), {40 + n: 5 for n in range(30)})
    assert episodes(inputs(no_lift)) == []


def test_a_replay_to_any_day_agrees_with_the_whole_history() -> None:
    mood = low_from(40, 30, 5)
    assert episodes(inputs(mood, today=43)) == []
    (so_far,) = episodes(inputs(mood, today=44))
    (whole,) = episodes(inputs(mood, today=90))
    assert so_far.start == whole.start == day(44)


def test_thresholds_come_from_the_settings() -> None:
    with override_settings(CLAYWORK_FADING_MOOD_THRESHOLD_TENTHS=30):
        params = EffectParams.from_settings()
    assert params.mood_threshold == 3.0
    assert params.phq9_reliable_change == 6  # from phq9.json, Jacobson-Truax
    (episode,) = episodes(inputs(low_from(40, 30, 5)), params)
    assert episode.start == day(42)


# --- Episodes: ending, merging, deepening ----------------------------------------------------


def test_an_episode_ends_when_mood_is_back_near_its_usual_level() -> None:
    (episode,) = episodes(inputs(low_from(40, 7, 5)))  # days 40-46 low, 7 again from 47

    assert episode.start == day(44)
    assert episode.end is not None and day(47) <= episode.end <= day(51)
    assert f"back to usual on {episode.end.isoformat()}" in episode.as_dict()["detail"]


def test_starting_again_within_fourteen_days_is_the_same_episode() -> None:
    # Back to usual on day 49; low again from day 55, which fires on day 59.
    mood = replace_days(low_from(40, 7, 5), {55 + n: 5 for n in range(36)})

    (episode,) = episodes(inputs(mood))

    assert episode.start == day(44)
    assert episode.reopened == (day(59),)
    assert episode.is_open
    assert episode.alert_days()[:2] == [day(44), day(59)]


def test_starting_again_after_fourteen_days_is_a_new_episode() -> None:
    mood = replace_days(low_from(40, 7, 5), {75 + n: 5 for n in range(16)})

    first, second = episodes(inputs(mood))

    assert first.end is not None and first.end < day(75)
    assert second.start == day(79) and second.is_open and not first.reopened


# --- The PHQ-9 -------------------------------------------------------------------------------


def weekly_phq9(*totals: int, first: int = 14) -> list[tuple[date, int]]:
    """A PHQ-9 before the course, then weekly from ``day(first)``."""
    return [(day(-3), 18)] + [(day(first + 7 * n), total) for n, total in enumerate(totals)]


def test_a_phq9_a_reliable_change_above_its_usual_level_fires_alone() -> None:
    (episode,) = episodes(inputs(phq9=weekly_phq9(5, 5, 5, 5, 11)))

    assert (episode.start, episode.rule) == (day(42), effect.PHQ9_RELIABLE_RISE)
    assert episode.detail == "PHQ-9 11, 6 above its usual 5 (a reliable change is 6 or more)"


def test_by_default_one_phq9_alerts_alone_only_ten_above_its_usual_level() -> None:
    defaults = EffectParams(relapse_probability=0.0)
    below = inputs(phq9=weekly_phq9(5, 5, 5, 5, 14))
    at = inputs(phq9=weekly_phq9(5, 5, 5, 5, 15))

    assert effect.evaluate(below, defaults).episodes == []
    (episode,) = effect.evaluate(at, defaults).episodes
    assert (episode.start, episode.rule) == (day(42), effect.PHQ9_RELIABLE_RISE)
    assert episode.detail == (
        "PHQ-9 15, 10 above its usual 5 (a reliable change is 6 or more; alerting at 10)"
    )


def test_one_phq9_five_above_its_usual_level_is_not_enough() -> None:
    assert episodes(inputs(phq9=weekly_phq9(5, 5, 5, 5, 10, 5))) == []


def test_two_phq9s_in_a_row_four_above_their_usual_level_fire() -> None:
    (episode,) = episodes(inputs(phq9=weekly_phq9(5, 5, 5, 5, 9, 9)))

    assert (episode.start, episode.rule) == (day(49), effect.PHQ9_CONFIRMED_RISE)
    assert episode.detail == "PHQ-9 9 then 9, both at least 4 above its usual 5"


def test_a_phq9_rise_after_a_mood_warning_deepens_the_same_episode() -> None:
    data = inputs(low_from(40, 51, 5), phq9=weekly_phq9(5, 5, 5, 5, 5, 12))

    (episode,) = episodes(data)

    assert (episode.start, episode.rule) == (day(44), effect.MOOD_EARLY_WARNING)
    (step,) = episode.deepened
    assert (step.day, step.rule) == (day(49), effect.PHQ9_RELIABLE_RISE)
    assert step.detail == "PHQ-9 12, 7 above its usual 5 (a reliable change is 6 or more)"
    assert episode.depth == 3 and episode.latest_rule == effect.PHQ9_RELIABLE_RISE
    assert (episode.tier, episode.alerted_on) == (effect.ALERT, day(49))
    assert "then on" in episode.as_dict()["detail"]


# --- Tiers: an early warning, then an alert on firmer evidence --------------------------------


def test_a_bad_week_gives_an_early_warning_and_no_alert() -> None:
    (episode,) = episodes(inputs(low_from(40, 7, 5)))  # 2 below usual for a week, then back

    assert (episode.rule, episode.tier) == (effect.MOOD_EARLY_WARNING, effect.EARLY_WARNING)
    assert episode.alerted_on is None and episode.end is not None
    assert episode.as_dict()["tier"] == "early_warning"


def test_a_sustained_fall_escalates_the_same_episode_to_an_alert() -> None:
    (episode,) = episodes(inputs(low_from(40, 50, 5)))  # 2 below usual from day 40 on

    assert (episode.start, episode.rule) == (day(44), effect.MOOD_EARLY_WARNING)
    (step,) = episode.deepened
    # The alert CUSUM (slack 1) sums 1 a day: 35 on day 74, its 35th day of the fall.
    assert (step.day, step.rule) == (day(74), effect.MOOD_SUSTAINED_FALL)
    assert (episode.tier, episode.alerted_on) == (effect.ALERT, day(74))
    assert step.detail.startswith("mood 5.0 on average over 35 check-ins since")


def test_a_deep_fall_escalates_once_it_has_lasted_the_alert_days() -> None:
    (episode,) = episodes(inputs(low_from(40, 50, 1)))  # 6 below usual: 5 a day

    (step,) = episode.deepened
    assert (step.day, step.rule) == (day(49), effect.MOOD_SUSTAINED_FALL)  # 10 days, not 5


def test_a_phq9_reliable_rise_alerts_at_once() -> None:
    (episode,) = episodes(inputs(phq9=weekly_phq9(5, 5, 5, 5, 11)))

    assert (episode.tier, episode.alerted_on) == (effect.ALERT, episode.start)
    assert episode.as_dict()["alerted_on"] == day(42).isoformat()


# --- How long the lift lasted ----------------------------------------------------------------


def course_benefit(data: EffectInputs) -> effect.Benefit:
    course = effect.evaluate(data, PARAMS).course
    assert course is not None
    return course.benefit


def test_a_lift_that_holds_is_still_holding_up_to_the_last_check_in() -> None:
    benefit = course_benefit(inputs(lifted(60), today=90))

    assert (benefit.status, benefit.days) == (effect.HOLDING, 54)  # last check-in day 60
    assert (benefit.pre_level, benefit.settled_level) == (3, 7)
    assert benefit.summary == "Still holding after 54 days"


def test_the_lift_ended_when_mood_stayed_under_halfway_back() -> None:
    benefit = course_benefit(inputs(low_from(40, 50, 3)))

    assert benefit.status == effect.LASTED
    assert benefit.lost_on == day(40) and benefit.days == 34  # after the last session, day 6
    assert benefit.summary == "The lift lasted about 34 days"


def test_a_hard_week_that_passes_is_not_the_end_of_the_lift() -> None:
    benefit = course_benefit(inputs(low_from(40, 7, 3)))
    assert benefit.status == effect.HOLDING


def test_a_bad_week_of_ten_days_under_the_line_that_recovers_is_not_the_end() -> None:
    # Ten days at the pre-course level, then back: the later weeks say it passed.
    benefit = course_benefit(inputs(low_from(40, 10, 3)))
    assert benefit.status == effect.HOLDING


def test_a_bad_week_near_the_end_of_the_data_is_not_told_as_an_end_once_it_recovers() -> None:
    # Low for ten days to day 74, then back up for the eleven days before the data end: less
    # than four weeks to confirm a loss, and the data end above the line.
    benefit = course_benefit(inputs(low_from(65, 10, 3, until=85), today=85))
    assert benefit.status == effect.HOLDING


def test_a_loss_with_a_few_good_days_in_it_is_dated_from_its_first_day() -> None:
    # Under the line from day 40 for good, with two good days in a row on days 48-49: the
    # later weeks confirm the loss, so it is dated from the fall (within two days), not after
    # the good days. (Four good days after eight low ones read as a bad week that passed to
    # the slide-and-floor fit, decision 0006, fourteenth amendment: a lift that went does not
    # come back without a session.)
    mood = replace_days(low_from(40, 50, 2), {48: 8, 49: 8})
    benefit = course_benefit(inputs(mood))
    assert benefit.status == effect.LASTED and benefit.lost_on is not None
    assert abs((benefit.lost_on - day(40)).days) <= 2


def test_no_lift_over_the_pre_course_level_is_said_plainly() -> None:
    benefit = course_benefit(inputs(lifted(90, pre=7)))
    assert benefit.status == effect.NO_LIFT
    assert benefit.summary == "No clear lift in mood over where it was before the course"


def test_without_check_ins_before_the_course_there_is_no_baseline() -> None:
    mood = [(d, v) for d, v in lifted(90) if d >= day(0)]
    assert course_benefit(inputs(mood)).status == effect.NOT_ENOUGH_DATA


def test_sessions_inside_a_course_are_measured_together_and_a_booster_on_its_own() -> None:
    booster = day(50)
    mood = replace_days(lifted(90), {40 + n: 3 for n in range(9)})  # under the line to day 48
    report = effect.evaluate(inputs(mood, sessions=[*COURSE, booster]), PARAMS)

    assert [b.status for b in report.sessions[:2]] == [effect.TOO_CLOSE, effect.TOO_CLOSE]
    assert report.sessions[0].summary.startswith("The next session came 3 days later")
    assert report.course is not None and report.course.last_session == day(6)
    # Under the line until the booster came: the course's lift ended then.
    assert (report.course.benefit.status, report.course.benefit.lost_on) == (
        effect.LASTED,
        day(40),
    )
    assert report.sessions[-1].session_day == booster
    assert report.sessions[-1].status == effect.HOLDING


def test_still_holding_when_the_next_session_came() -> None:
    report = effect.evaluate(inputs(lifted(90), sessions=[*COURSE, day(50)]), PARAMS)
    assert report.course is not None
    assert (report.course.benefit.status, report.course.benefit.days) == (effect.UNTIL_NEXT, 44)


# --- The command's output form ---------------------------------------------------------------


def test_the_report_reads_as_the_commands_json() -> None:
    report = effect.evaluate(inputs(low_from(40, 50, 3)), PARAMS).as_dict()

    (episode,) = report["episodes"]
    assert set(episode) == {"start", "rule", "detail", "tier", "alerted_on"}
    # 4 below usual, slack 1: 3 a day, 35 on the fall's 12th day (day 51).
    assert (episode["tier"], episode["alerted_on"]) == ("alert", day(51).isoformat())
    assert set(report["benefit"]) == {"course", "sessions"}
    assert report["benefit"]["course"]["status"] == "lasted"
    assert report["benefit"]["course"]["first_session"] == day(0).isoformat()


# --- Documentation ---------------------------------------------------------------------------


def test_every_measures_setting_is_explained_in_docs_measures() -> None:
    source = (ROOT / "claywork" / "settings.py").read_text()
    section = source.split("# --- Measures", 1)[1].split("# ---", 1)[0]
    names = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', section))
    assert {"CLAYWORK_FADING_MOOD_SLACK_TENTHS", "CLAYWORK_BENEFIT_LOST_PERCENT"} <= names
    documented = set(
        re.findall(r"^\| `([A-Z0-9_]+)` \|", (ROOT / "docs" / "measures.md").read_text(), re.M)
    )
    assert names <= documented, f"explain in docs/measures.md: {sorted(names - documented)}"


def test_the_parameters_defaults_are_the_settings_defaults() -> None:
    """The simulation tunes ``EffectParams()``; the app runs ``from_settings()``: one set."""
    assert EffectParams.from_settings() == EffectParams()
