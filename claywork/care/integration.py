"""The integration window after a completed session, as plain functions of time.

Where the patient is ("hour 14 of the 12-24 h window", "day 7") and which reflection step is
current. Offsets come from settings so a clinic can change them without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

# How long the last follow-up step stays open before the timeline is finished.
LAST_STEP_DAYS = 7


@dataclass(frozen=True)
class IntegrationStep:
    key: str
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str

    def state(self, now: datetime, current_key: str | None) -> str:
        if self.key == current_key:
            return "current"
        return "upcoming" if now < self.starts_at else "past"


@dataclass(frozen=True)
class WindowPosition:
    headline: str
    detail: str
    current_step: str | None
    hours_since: int
    finished: bool


def integration_steps(
    completed_at: datetime,
    *,
    opens_hours: int | None = None,
    closes_hours: int | None = None,
    follow_up_days: list[int] | None = None,
) -> list[IntegrationStep]:
    opens = settings.CLAYWORK_WINDOW_OPENS_HOURS if opens_hours is None else opens_hours
    closes = settings.CLAYWORK_WINDOW_CLOSES_HOURS if closes_hours is None else closes_hours
    days = settings.CLAYWORK_FOLLOW_UP_DAYS if follow_up_days is None else follow_up_days
    days = [d for d in days if d * 24 >= closes]
    steps = [
        IntegrationStep(
            key="rest",
            title="Rest after the session",
            starts_at=completed_at,
            ends_at=completed_at + timedelta(hours=opens),
            description="Rest, hydrate and be gentle with yourself. Jot down anything vivid.",
        ),
        IntegrationStep(
            key="window",
            title=f"The {opens}-{closes} h integration window",
            starts_at=completed_at + timedelta(hours=opens),
            ends_at=completed_at + timedelta(hours=closes),
            description=(
                "Your mind is at its most open to new patterns. A good time to reflect on "
                "what came up and to choose one small change."
            ),
        ),
    ]
    for index, day in enumerate(days):
        starts = completed_at + timedelta(days=day)
        following = days[index + 1] if index + 1 < len(days) else day + LAST_STEP_DAYS
        steps.append(
            IntegrationStep(
                key=f"day_{day}",
                title=f"Day {day}",
                starts_at=starts,
                ends_at=completed_at + timedelta(days=following),
                description="Look back at what you noticed and what you have tried since.",
            )
        )
    return steps


def window_position(
    completed_at: datetime, now: datetime, *, to_patient: bool = True
) -> WindowPosition:
    """Where the patient is in their integration, in words for them (``to_patient``) or for
    their care team ("the session", not "your session")."""
    your, the = ("your", "Your") if to_patient else ("the", "The")
    steps = integration_steps(completed_at)
    elapsed = now - completed_at
    hours = max(0, int(elapsed.total_seconds() // 3600))
    opens = settings.CLAYWORK_WINDOW_OPENS_HOURS
    closes = settings.CLAYWORK_WINDOW_CLOSES_HOURS
    if hours < opens:
        return WindowPosition(
            headline=f"Hour {hours} after {your} session",
            detail=f"{the} {opens}-{closes} h integration window opens in {opens - hours} h.",
            current_step="rest",
            hours_since=hours,
            finished=False,
        )
    if hours < closes:
        return WindowPosition(
            headline=f"Hour {hours} of the {opens}-{closes} h window",
            detail=f"The window is open for about {closes - hours} more hours.",
            current_step="window",
            hours_since=hours,
            finished=False,
        )
    day = hours // 24
    current = None
    for step in steps:
        if step.starts_at <= now < step.ends_at:
            current = step.key
    if current is None and now < steps[-1].ends_at:
        # Between the window closing and the first follow-up day the window's reflection is
        # still the one to answer, so "where am I" always has an answer.
        current = "window"
    return WindowPosition(
        headline=f"Day {day} of {your} integration",
        detail=(
            "Keep going at your own pace."
            if current
            else "This session's timeline is complete. Your journal keeps everything."
        ),
        current_step=current,
        hours_since=hours,
        finished=current is None,
    )
