"""How long the lift lasted: the course's durability and, when the data can tell, each session's.

Measured against the **pre-course baseline** (the level of the two weeks before the course's
first session), never against a session's own eve, which inside a course is already lifted by
the session before. A *level* of check-ins is their interquartile mean (the mean of the middle
half): not stuck on whole and half points as a median of whole numbers is, and a bad day or
two at either end does not move it.

* the *settled level* after a session is the highest level of any 14 days starting in the four
  weeks after it (up to the next session): mood often goes on rising for days after a course;
  a median over those four weeks under ``min_lift`` mood points above the baseline is "no
  clear lift";
* the *line* is the pre-course level plus ``1 - lost_fraction`` of the lift (by default half);
* mood is smoothed with a centred 13-day trimmed mean (a single day moves it little): it says
  when the lift was reached, and whether the data end under the line;
* the estimate is **retrospective** and by **change point** (``change_point.py``): on the raw
  check-ins from the day the smoothed mood first reached the line, "no change" against "the
  level, then a linear slide over 1-14 days to a lower level" (levels fitted, noise the
  patient's own robust spread). The benefit has *ended* when the posterior mass of a change
  whose lower level is under the line is at least ``END_PROBABILITY``, on the posterior median
  of the day the slide crossed the line, and the later data confirm it: they reach
  ``confirm_days`` past that day (before a next session, one check-in from it will do), and
  when they end within four weeks of it they end with the smoothed mood under the line (a bad
  week that recovers is not an end: the single-change model fits its recovery badly);
* **the PHQ-9 as a second witness** (decision 0006, tenth amendment): the change point also
  weighs the PHQ-9s answered from the day mood reached the line (each the mean of the two weeks
  it asks about, its own levels, the instrument's error); mood's "no clear lift" is overruled
  when the PHQ-9 fell from before the course by a partial response (25%) and the instrument's
  reliable change; and an end whose PHQ-9s 7-28 days later regained under a tenth of the
  course's PHQ-9 fall over their level before it is not an end. Without PHQ-9s nothing changes;
* (decision 0006, eleventh amendment) **a next session given while the smoothed mood was under
  the line** ends the lift on the first day of that run: no later data can tell more, as the
  next session starts its own lift; and a four weeks' median under ``min_lift`` is not "no
  clear lift" when the first two weeks' median was twice ``min_lift`` over the baseline (a
  relapse in the first weeks pulls the four weeks' median down);
* (decision 0006, fourteenth amendment; on by default, ``SLIDE_FIT``) **the course's lift and
  each booster's are dated by a slide-and-floor fit** (``slide_fit.py``) instead of the line,
  the smoothing and the change point above: the patient's own usual level and lift, fitted
  with a straight slide to a floor (or none) and a possible bad week, to the check-ins before
  the course and after the session and the PHQ-9s together; the lift has ended when the fit
  says so more likely than not, dated on the most likely day; "no clear lift" is a lift under
  1.5 of its own standard errors (or under 0.3 mood points), unless the PHQ-9 says there was
  one. The clinician sees what was fitted (``Benefit.fitted``). The steps above still serve
  sessions of an earlier course;
* until then it is "still holding after N days" (N counts to the last check-in, not to today:
  a patient who stopped checking in is not said to be holding);
* a session followed by the next within ``session_gap_days`` cannot be told apart from it:
  inside a course only the course as a whole is measured.

Sessions closer than ``course_gap_days`` form a course; "the course" is the latest one with
two or more sessions, and sessions after it (boosters) are measured one by one.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import replace
from datetime import date, timedelta
from statistics import fmean, median

from claywork.measures import change_point, slide_fit
from claywork.measures.effect import (
    HOLDING,
    LASTED,
    NO_LIFT,
    NOT_ENOUGH_DATA,
    TOO_CLOSE,
    UNSURE,
    UNTIL_NEXT,
    Benefit,
    CourseBenefit,
    EffectInputs,
    EffectParams,
)
from claywork.measures.fading import PRE_COURSE_DAYS

SETTLED_DAYS = 14
SETTLED_SEARCH_DAYS = 28
SMOOTHING_HALF_WIDTH = 6
SMOOTHING_MIN_POINTS = 3
# A change-point loss whose data end within four weeks of it must end with the smoothed mood
# under the line (a bad week that has not had time to pass looks like a loss).
CONFIRM_WINDOW_DAYS = 28
# The posterior mass of "the lift ended" (claywork/measures/change_point.py) that dates a loss.
END_PROBABILITY = 0.5
# Cut short by the next session, a change-point loss needs this many check-ins from its day.
ANSWERED_MIN_CHECK_INS = 1
# The PHQ-9 as a second series (decision 0006, tenth amendment). Each 0 turns its part off.
# The change point also weighs the PHQ-9s answered from the day mood reached the line: each
# is the mean over the two weeks it asks about, with its own levels and the instrument's error.
PHQ9_IN_CHANGE_POINT = 1.0
# Mood says "no clear lift" but the PHQ-9 fell from before the course by at least this share
# (a partial response) and by the instrument's reliable change: the lift is measured anyway.
PHQ9_LIFT_SHARE = 0.25
# An end the PHQ-9s answered 7-28 days after it contradict (they regained less than this
# share of the course's PHQ-9 fall over their level before the end) is not an end.
PHQ9_CONFIRM_SHARE = 0.1
PHQ9_CONFIRM_FROM_DAYS, PHQ9_CONFIRM_TO_DAYS = 7, 28
# The PHQ-9 after the course: the median of those answered 10-35 days after the session.
PHQ9_AFTER_FROM_DAYS, PHQ9_AFTER_TO_DAYS = 10, 35
# Decision 0006, eleventh amendment. A relapse in the first weeks after the course pulls the
# four weeks' median under ``min_lift``; the first two weeks' median this many times
# ``min_lift`` over the pre-course level says the lift was there (0 turns it off).
EARLY_LIFT_DAYS = 14
EARLY_LIFT_FACTOR = 2.0
# The next session came while the smoothed mood was under the line: the lift had ended, on the
# first day of that run (0 turns it off: "too recently to tell", which no later data resolve).
ANSWERED_UNDER_LINE_ENDS = 1
# Decision 0006, fourteenth amendment: the end dated by a slide-and-floor fitted to the
# patient's own check-ins and PHQ-9s (``slide_fit.py``); 0 keeps the change point above.
SLIDE_FIT = 1


def courses(sessions: list[date], gap_days: int) -> list[list[date]]:
    """Sessions grouped into courses: a gap of ``gap_days`` or more starts a new one."""
    groups: list[list[date]] = []
    for day in sessions:
        if groups and (day - groups[-1][-1]).days < gap_days:
            groups[-1].append(day)
        else:
            groups.append([day])
    return groups


def _pre_level(mood: dict[date, int], first: date, params: EffectParams) -> float | None:
    values = [
        value
        for offset in range(1, PRE_COURSE_DAYS + 1)
        if (value := mood.get(first - timedelta(days=offset))) is not None
    ]
    if len(values) < params.min_usual_points:
        return None
    return _level(values)


def _level(values: list[int]) -> float:
    """A level of whole-number check-ins: the mean of the middle half (the interquartile
    mean). Unlike a median it is not stuck on whole and half points, and unlike a mean a bad
    day or two at either end does not move it."""
    ordered = sorted(values)
    cut = len(ordered) // 4
    return fmean(ordered[cut : len(ordered) - cut])


def _trimmed_mean(values: list[int]) -> float:
    """The mean without the highest and the lowest value: a single odd day moves it little,
    and it is not stuck on whole numbers as a median of whole numbers is."""
    ordered = sorted(values)
    return fmean(ordered[1:-1])


def _smoothed(mood: dict[date, int], after: date, last: date) -> list[tuple[date, float]]:
    """The centred trimmed mean (``SMOOTHING_HALF_WIDTH`` days each side) of each check-in day
    in (after, last]. Each window is a slice of the sorted days (found by bisection), so a long
    follow-up costs linear time."""
    days = sorted(day for day in mood if after < day <= last)
    half_width = timedelta(days=SMOOTHING_HALF_WIDTH)
    points = []
    for day in days:
        first, stop = bisect_left(days, day - half_width), bisect_right(days, day + half_width)
        if stop - first >= SMOOTHING_MIN_POINTS:
            points.append((day, _trimmed_mean([mood[d] for d in days[first:stop]])))
    return points


def _settled_level(
    mood: dict[date, int], session_day: date, last: date, params: EffectParams
) -> float | None:
    """The level the lift reached: the highest median of any 14 days (with enough check-ins)
    starting in the four weeks after the session. A median, so no single good day sets it; the
    highest, as mood often goes on rising for days after a course."""
    levels: list[float] = []
    for offset in range(1, SETTLED_SEARCH_DAYS + 1):
        first = session_day + timedelta(days=offset)
        if first + timedelta(days=SETTLED_DAYS - 1) > last and levels:
            break
        values = [
            value
            for step in range(SETTLED_DAYS)
            if (day := first + timedelta(days=step)) <= last
            and (value := mood.get(day)) is not None
        ]
        if len(values) >= params.min_usual_points:
            levels.append(_level(values))
    return max(levels) if levels else None


def _window(mood: dict[date, int], after: date, days: int, last: date) -> list[int]:
    """The check-ins of the ``days`` days after ``after``, up to ``last``."""
    found = []
    for offset in range(1, days + 1):
        day = after + timedelta(days=offset)
        if day <= last and (value := mood.get(day)) is not None:
            found.append(value)
    return found


def measure(
    mood: dict[date, int],
    *,
    session_day: date,
    next_day: date | None,
    pre: float | None,
    today: date,
    params: EffectParams,
    phq9: list[tuple[date, int]] | None = None,
    phq9_pre: float | None = None,
    pre_values: list[tuple[date, int]] | None = None,
    phq9_pre_values: list[int] | None = None,
) -> Benefit:
    """The benefit of one session (or of a course, from its last session) over ``pre``."""
    phq9 = phq9 or []
    last = min(today, next_day - timedelta(days=1)) if next_day else today
    if SLIDE_FIT and pre_values:
        return _fitted(
            mood,
            session_day=session_day,
            next_day=next_day,
            last=last,
            today=today,
            params=params,
            pre_values=pre_values,
            phq9=phq9,
            phq9_pre_values=phq9_pre_values or [],
            phq9_pre=phq9_pre,
        )
    base = Benefit(session_day, NOT_ENOUGH_DATA, pre_level=pre, next_session_day=next_day)
    settled = _settled_level(mood, session_day, last, params) if pre is not None else None
    if pre is None or settled is None:
        return base
    base = replace(base, settled_level=settled)
    # Whether there was a lift at all is asked of the whole first four weeks, not of their best
    # fortnight, which noise alone lifts a little above the pre-course level. A lift of one
    # noise spread can hide in four weeks of check-ins; a PHQ-9 that fell by a partial response
    # and the instrument's reliable change says it was there, and so does a first fortnight
    # twice the minimum lift over it (a relapse in the third or fourth week hides it too).
    phq9_after = _phq9_after(phq9, session_day, last)
    mood_lift = median(_window(mood, session_day, SETTLED_SEARCH_DAYS, last)) - pre
    if (
        mood_lift < params.min_lift
        and not _early_lift(mood, session_day, last, pre, params)
        and not _phq9_says_lift(phq9_pre, phq9_after, params)
    ):
        return replace(base, status=NO_LIFT)
    answered = next_day is not None and next_day <= today
    line = pre + (settled - pre) * (1 - params.lost_fraction)
    points = _smoothed(mood, session_day, last)
    # A lift is lost only once it was there: the days before mood first reached the line
    # (it often goes on rising for days after a course) are not a loss.
    reached = next((i for i, (_, level) in enumerate(points) if level >= line), len(points))
    points = points[reached:]
    if points:
        below_since = _change_point_loss(
            mood,
            points,
            pre=pre,
            line=line,
            last=last,
            answered=answered,
            params=params,
            phq9=phq9,
            phq9_levels=(phq9_pre, phq9_after)
            if phq9_pre is not None and phq9_after is not None
            else None,
        )
    else:
        below_since = None
    if below_since is not None:
        held = (below_since - session_day).days
        return replace(base, status=LASTED, days=held, lost_on=below_since)
    below_since = _trailing_dip(points, line)
    if below_since is not None and answered and ANSWERED_UNDER_LINE_ENDS:
        # Mood had been under the line since that day when the next session came: no later
        # data can tell more (the next session starts its own lift), and a patient who stays
        # well is rarely under the line just then (bench/README.md, "Eleventh pass").
        held = (below_since - session_day).days
        return replace(base, status=LASTED, days=held, lost_on=below_since)
    if below_since is not None:
        return replace(base, status=UNSURE, days=(below_since - session_day).days)
    if answered and next_day is not None:
        return replace(base, status=UNTIL_NEXT, days=(next_day - session_day).days)
    held = (points[-1][0] - session_day).days if points else 0
    return replace(base, status=HOLDING, days=held)


def _fitted(
    mood: dict[date, int],
    *,
    session_day: date,
    next_day: date | None,
    last: date,
    today: date,
    params: EffectParams,
    pre_values: list[tuple[date, int]],
    phq9: list[tuple[date, int]],
    phq9_pre_values: list[int],
    phq9_pre: float | None,
) -> Benefit:
    """The benefit by the slide-and-floor fit (``slide_fit.py``)."""
    base = Benefit(session_day, NOT_ENOUGH_DATA, next_session_day=next_day)
    days = sorted(day for day in mood if session_day < day <= last)
    offsets = [(day - session_day).days for day in days]
    later = [
        (d, t)
        for d, t in phq9
        if session_day + timedelta(days=slide_fit.SECOND_WINDOW_DAYS) <= d <= last
    ]
    found = slide_fit.fit(
        [(day - session_day).days for day, _ in pre_values],
        [float(v) for _, v in pre_values],
        offsets,
        [float(mood[day]) for day in days],
        last=(last - session_day).days,
        min_lift=params.min_lift,
        lost_fraction=params.lost_fraction,
        phq9_pre=[float(t) for t in phq9_pre_values] if later and phq9_pre_values else None,
        phq9_offsets=[(d - session_day).days for d, _ in later],
        phq9_values=[float(t) for _, t in later],
        phq9_noise=_phq9_noise(params),
        answered=next_day is not None and next_day <= today,
    )
    if found is None:
        return base
    base = replace(
        base,
        pre_level=found.usual,
        settled_level=found.usual + found.lift,
        fitted=fit_detail(found, session_day),
    )
    phq9_after = _phq9_after(phq9, session_day, last)
    if not found.lifted and not _phq9_says_lift(phq9_pre, phq9_after, params):
        return replace(base, status=NO_LIFT)
    answered = next_day is not None and next_day <= today
    if found.end_day is not None:
        ended = session_day + timedelta(days=found.end_day)
        return replace(base, status=LASTED, days=found.end_day, lost_on=ended)
    if answered and next_day is not None:
        return replace(base, status=UNTIL_NEXT, days=(next_day - session_day).days)
    if found.recent_day is not None:
        return replace(base, status=UNSURE, days=found.recent_day)
    held = offsets[-1] if offsets else 0
    return replace(base, status=HOLDING, days=held)


def fit_detail(found: slide_fit.SlideFit, session_day: date) -> str:
    """What was fitted, in a sentence for the clinician: the levels, the lift against the
    patient's own noise, and the slide (or how likely an end is so far)."""
    text = (
        f"Fitted to the check-ins: mood about {found.usual:.1f} before the course and "
        f"{found.usual + found.lift:.1f} after it (a lift of {found.lift:.1f}, "
        f"{found.lift_z:.1f} times its standard error"
        f"{'' if found.lifted else ': not clear'})"
    )
    if found.end_day is not None and found.onset_day is not None:
        onset = session_day + timedelta(days=found.onset_day)
        return (
            f"{text}; from {onset.day} {onset:%b %Y} a slide over {found.slide_days} days down to "
            f"{round(100 * (found.floor or 0))}% of the lift; an end {found.probability:.0%} "
            "likely"
        )
    if found.recent_day is not None:
        return f"{text}; a slide in the last days, too recent to confirm"
    return f"{text}; an end {found.probability:.0%} likely so far"


def _change_point_loss(
    mood: dict[date, int],
    points: list[tuple[date, float]],
    *,
    pre: float,
    line: float,
    last: date,
    answered: bool,
    params: EffectParams,
    phq9: list[tuple[date, int]] | None = None,
    phq9_levels: tuple[float, float] | None = None,
) -> date | None:
    """The day the lift ended by the change point on the raw check-ins from the day mood
    reached the line, when the posterior mass of an end is at least ``END_PROBABILITY`` and
    the later data confirm it: they reach ``confirm_days`` past it (before a next session,
    ``ANSWERED_MIN_CHECK_INS`` check-in from it will do), the PHQ-9s after it (if any) share
    the fall, and when they end within ``CONFIRM_WINDOW_DAYS`` of it they end with the
    smoothed mood under the line."""
    start = points[0][0]
    days = sorted(day for day in mood if start <= day <= last)
    offsets = [(day - start).days for day in days]
    second = None
    if PHQ9_IN_CHANGE_POINT and phq9:
        kept = [(d, t) for d, t in phq9 if start <= d <= last]
        second = change_point.Second(
            [(d - start).days for d, _ in kept],
            [float(t) for _, t in kept],
            _phq9_noise(params),
        )
    found = change_point.lift_end(
        offsets,
        [float(mood[day]) for day in days],
        pre=pre,
        lost_fraction=params.lost_fraction,
        second=second,
    )
    if found.day is None or found.probability < END_PROBABILITY:
        return None
    ended = start + timedelta(days=found.day)
    after = sum(1 for day in days if day >= ended)
    if days[-1] < ended + timedelta(days=params.confirm_days - 1) and not (
        answered and after >= ANSWERED_MIN_CHECK_INS
    ):
        return None
    if _phq9_contradicts(phq9, ended, start=start, last=last, levels=phq9_levels):
        return None
    within_window = days[-1] < ended + timedelta(days=CONFIRM_WINDOW_DAYS - 1)
    if within_window and not answered and points[-1][1] >= line:
        return None
    return ended


def _phq9_contradicts(
    phq9: list[tuple[date, int]] | None,
    ended: date,
    *,
    start: date,
    last: date,
    levels: tuple[float, float] | None,
) -> bool:
    """The PHQ-9s answered 7-28 days after an end regained under ``PHQ9_CONFIRM_SHARE`` of the
    course's PHQ-9 fall over their level before it: a fall in the check-ins they do not share
    is noise or a bad week. They are compared with the PHQ-9s from ``start`` to the end (or,
    without any, the PHQ-9 after the course, the second of ``levels``)."""
    if not PHQ9_CONFIRM_SHARE or not phq9 or levels is None:
        return False
    pre_phq9, after_phq9 = levels
    later = [
        t
        for d, t in phq9
        if ended + timedelta(days=PHQ9_CONFIRM_FROM_DAYS)
        <= d
        <= min(last, ended + timedelta(days=PHQ9_CONFIRM_TO_DAYS))
    ]
    held = [t for d, t in phq9 if start <= d < ended]
    before = median(held) if held else after_phq9
    fall = pre_phq9 - before
    return bool(later) and fall > 0 and median(later) - before < PHQ9_CONFIRM_SHARE * fall


def _phq9_noise(params: EffectParams) -> float:
    """The error of one PHQ-9 total, from the instrument's reliable change (Jacobson-Truax:
    1.96 x sqrt 2 x the standard error of measurement): 6 points give 2.2."""
    return params.phq9_reliable_change / (1.96 * math.sqrt(2))


def _phq9_after(phq9: list[tuple[date, int]], session_day: date, last: date) -> float | None:
    """The PHQ-9 after the session: the median of those answered in the weeks after it."""
    first = session_day + timedelta(days=PHQ9_AFTER_FROM_DAYS)
    stop = min(last, session_day + timedelta(days=PHQ9_AFTER_TO_DAYS))
    after = [total for day, total in phq9 if first <= day <= stop]
    return float(median(after)) if after else None


def _early_lift(
    mood: dict[date, int], session_day: date, last: date, pre: float, params: EffectParams
) -> bool:
    """The first ``EARLY_LIFT_DAYS`` days' median at least ``EARLY_LIFT_FACTOR`` times the
    minimum lift over the pre-course level: a clear lift that an early relapse pulled out of
    the four weeks' median."""
    if not EARLY_LIFT_DAYS or not EARLY_LIFT_FACTOR:
        return False
    early = _window(mood, session_day, EARLY_LIFT_DAYS, last)
    if len(early) < params.min_usual_points:
        return False
    return median(early) - pre >= EARLY_LIFT_FACTOR * params.min_lift


def _phq9_says_lift(pre: float | None, after: float | None, params: EffectParams) -> bool:
    """The PHQ-9 fell from before the course by a partial response (``PHQ9_LIFT_SHARE``) and
    by at least the instrument's reliable change."""
    if not PHQ9_LIFT_SHARE or pre is None or after is None or pre <= 0:
        return False
    fall = pre - after
    return fall >= PHQ9_LIFT_SHARE * pre and fall >= params.phq9_reliable_change


def _trailing_dip(points: list[tuple[date, float]], line: float) -> date | None:
    """The first day of the run under the line that the data end in, if they end in one."""
    below_since: date | None = None
    for day, level in points:
        below_since = (below_since or day) if level < line else None
    return below_since


def benefits(
    inputs: EffectInputs, params: EffectParams
) -> tuple[CourseBenefit | None, list[Benefit]]:
    """The course's durability (after its last session) and each session's own benefit."""
    if not inputs.sessions:
        return None, []
    mood = dict(inputs.mood)
    groups = courses(inputs.sessions, params.course_gap_days)
    course = next((g for g in reversed(groups) if len(g) >= 2), groups[-1])
    pre = _pre_level(mood, course[0], params)
    # The PHQ-9 before the course: the latest answered in its two weeks before.
    phq9_pre = next(
        (
            float(t)
            for d, t in reversed(inputs.phq9)
            if course[0] - timedelta(days=PRE_COURSE_DAYS) <= d < course[0]
        ),
        None,
    )
    pre_values = [
        (day, value)
        for offset in range(PRE_COURSE_DAYS, 0, -1)
        if (value := mood.get(day := course[0] - timedelta(days=offset))) is not None
    ]
    phq9_pre_values = [
        t for d, t in inputs.phq9 if course[0] - timedelta(days=PRE_COURSE_DAYS) <= d < course[0]
    ][-1:]
    sessions = inputs.sessions
    per_session = []
    for index, day in enumerate(sessions):
        following = sessions[index + 1] if index + 1 < len(sessions) else None
        baseline = pre if day >= course[0] else _pre_level(mood, _course_of(groups, day), params)
        if following and (following - day).days < params.session_gap_days:
            per_session.append(Benefit(day, TOO_CLOSE, next_session_day=following))
            continue
        per_session.append(
            measure(
                mood,
                session_day=day,
                next_day=following,
                pre=baseline,
                today=inputs.today,
                params=params,
                phq9=inputs.phq9,
                phq9_pre=phq9_pre,
                pre_values=pre_values if day >= course[0] else None,
                phq9_pre_values=phq9_pre_values,
            )
        )
    position = sessions.index(course[-1])
    course_benefit = CourseBenefit(
        first_session=course[0],
        last_session=course[-1],
        sessions=len(course),
        benefit=per_session[position],
    )
    return course_benefit, per_session


def _course_of(groups: list[list[date]], day: date) -> date:
    return next(group[0] for group in groups if day in group)
