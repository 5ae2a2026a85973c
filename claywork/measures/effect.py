"""Is the effect holding? Plain functions over a patient's numbers; no database, no HTTP.

The rules (thresholds are settings; docs/measures.md explains them):

* **Fading, PHQ-9**: since the first completed session, the latest PHQ-9 is at least
  ``CLAYWORK_FADING_PHQ9_RISE`` points above the lowest score reached before it.
* **Fading, mood**: after the latest session, the 7-day mean of daily mood has been at least
  ``CLAYWORK_FADING_MOOD_DROP`` points below its post-session high on each of the latest
  ``CLAYWORK_FADING_MOOD_DAYS`` or more consecutive days (a day without a check-in breaks the
  run; a run that has ended no longer signals).
* **How long a session's benefit lasted**: the pre-session level is the mean mood of the 7 days
  before it. The benefit starts once the 7-day mean rises above that level plus a margin, and
  ends on the first later day it is back within the margin.

Claywork only flags these for the care team; it never suggests a dose or a treatment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from django.conf import settings

WINDOW_DAYS = 7
MIN_POINTS_IN_WINDOW = 3


@dataclass(frozen=True)
class EffectInputs:
    phq9: list[tuple[date, int]]  # completed PHQ-9 totals, oldest first
    mood: list[tuple[date, int]]  # daily check-in mood 0-10, oldest first
    sessions: list[date]  # days of completed sessions, oldest first
    today: date


@dataclass(frozen=True)
class FadingSignal:
    reason: str
    since: date


@dataclass(frozen=True)
class SessionBenefit:
    session_day: date
    pre_level: float | None
    peak: float | None
    lasted_days: int | None
    status: str  # "lasted", "holding", "no_lift", "not_enough_data"

    @property
    def summary(self) -> str:
        if self.status == "lasted":
            return f"Benefit lasted about {self.lasted_days} days"
        if self.status == "holding":
            return f"Still holding after {self.lasted_days} days"
        if self.status == "no_lift":
            return "No clear lift in mood after this session"
        return "Not enough check-ins around this session to tell"


def rolling_mean(
    points: list[tuple[date, int]], window: int = WINDOW_DAYS
) -> list[tuple[date, float]]:
    """For each day with a value, the mean of the values in the window ending that day."""
    means: list[tuple[date, float]] = []
    start = 0
    for end, (day, _) in enumerate(points):
        while points[start][0] <= day - timedelta(days=window):
            start += 1
        values = [value for _, value in points[start : end + 1]]
        if len(values) >= min(MIN_POINTS_IN_WINDOW, window):
            means.append((day, fmean(values)))
    return means


def _phq9_fading(inputs: EffectInputs, rise: int) -> FadingSignal | None:
    first = inputs.sessions[0]
    since_course = [(day, total) for day, total in inputs.phq9 if day >= first]
    if len(since_course) < 2:
        return None
    low_day, low = min(since_course, key=lambda point: (point[1], point[0]))
    latest_day, latest = since_course[-1]
    if latest_day > low_day and latest - low >= rise:
        # ``since`` is the first of the run of raised scores that ends with the latest, so the
        # weekly PHQ-9s of one fading episode share one alert (its dedupe key holds ``since``).
        since = latest_day
        for day, total in reversed(since_course):
            if day <= low_day or total - low < rise:
                break
            since = day
        return FadingSignal(
            reason=f"PHQ-9 is {latest}, {latest - low} points above its low of {low}",
            since=since,
        )
    return None


def _mood_fading(inputs: EffectInputs, drop: int, days: int) -> FadingSignal | None:
    last_session = inputs.sessions[-1]
    means = [(day, mean) for day, mean in rolling_mean(inputs.mood) if day > last_session]
    high = 0.0
    run_start: date | None = None
    run_length = 0
    previous: date | None = None
    for day, mean in means:
        high = mean if previous is None else max(high, mean)
        consecutive = previous is not None and day - previous == timedelta(days=1)
        if high - mean >= drop:
            if not (consecutive and run_length):
                run_start, run_length = day, 0
            run_length += 1
        else:
            run_start, run_length = None, 0
        previous = day
    # Only a run that is still going counts: once mood has come back, the signal is over.
    if run_start is None or run_length < days:
        return None
    mean = means[-1][1]
    return FadingSignal(
        reason=f"7-day mood mean {mean:.1f}, {high - mean:.1f} below its post-session high "
        f"for {run_length} days",
        since=run_start,
    )


def fading_signal(
    inputs: EffectInputs,
    *,
    phq9_rise: int | None = None,
    mood_drop: int | None = None,
    mood_days: int | None = None,
) -> FadingSignal | None:
    if not inputs.sessions:
        return None
    rise = settings.CLAYWORK_FADING_PHQ9_RISE if phq9_rise is None else phq9_rise
    drop = settings.CLAYWORK_FADING_MOOD_DROP if mood_drop is None else mood_drop
    days = settings.CLAYWORK_FADING_MOOD_DAYS if mood_days is None else mood_days
    return _phq9_fading(inputs, rise) or _mood_fading(inputs, drop, days)


def benefit_durations(inputs: EffectInputs, *, margin: float | None = None) -> list[SessionBenefit]:
    margin = settings.CLAYWORK_BENEFIT_MARGIN_TENTHS / 10 if margin is None else margin
    means = rolling_mean(inputs.mood)
    results: list[SessionBenefit] = []
    for index, session_day in enumerate(inputs.sessions):
        following = inputs.sessions[index + 1] if index + 1 < len(inputs.sessions) else None
        before = [
            value
            for day, value in inputs.mood
            if session_day - timedelta(days=WINDOW_DAYS) <= day < session_day
        ]
        after = [
            (day, mean)
            for day, mean in means
            if day > session_day and (following is None or day < following)
        ]
        if len(before) < MIN_POINTS_IN_WINDOW or not after:
            results.append(SessionBenefit(session_day, None, None, None, "not_enough_data"))
            continue
        pre = fmean(before)
        peak = max(mean for _, mean in after)
        lifted_on = next((day for day, mean in after if mean > pre + margin), None)
        if lifted_on is None:
            results.append(SessionBenefit(session_day, pre, peak, None, "no_lift"))
            continue
        ended_on = next(
            (day for day, mean in after if day > lifted_on and mean <= pre + margin), None
        )
        if ended_on is None:
            last_day = after[-1][0]
            results.append(
                SessionBenefit(session_day, pre, peak, (last_day - session_day).days, "holding")
            )
        else:
            results.append(
                SessionBenefit(session_day, pre, peak, (ended_on - session_day).days, "lasted")
            )
    return results
