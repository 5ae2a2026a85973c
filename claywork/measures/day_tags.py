"""The ready-made tags of a daily check-in: what the day held, and how it felt (as in mood
diaries such as Daylio). A patient ticks any number, and may add their own words, which are
sealed. Keys are stable: stored per patient once used, and meant to be read back by
"patterns in my check-ins".
No Django here."""

from __future__ import annotations

from dataclasses import dataclass

ACTIVITY, FEELING = "activity", "feeling"
GROUP_LABELS = {ACTIVITY: "What you did", FEELING: "How it felt"}


@dataclass(frozen=True)
class DayTag:
    key: str
    label: str
    group: str


CATALOGUE: tuple[DayTag, ...] = (
    DayTag("walk-outside", "Walk outside", ACTIVITY),
    DayTag("exercise", "Exercise", ACTIVITY),
    DayTag("meditation", "Meditation", ACTIVITY),
    DayTag("journaling", "Journaling", ACTIVITY),
    DayTag("creative", "Made something", ACTIVITY),
    DayTag("friends", "Friends", ACTIVITY),
    DayTag("family", "Family", ACTIVITY),
    DayTag("rest", "Rest", ACTIVITY),
    DayTag("work", "Work", ACTIVITY),
    DayTag("good-meal", "Good meal", ACTIVITY),
    DayTag("screens-late", "Screens late", ACTIVITY),
    DayTag("alcohol", "Alcohol", ACTIVITY),
    DayTag("calm", "Calm", FEELING),
    DayTag("hopeful", "Hopeful", FEELING),
    DayTag("grateful", "Grateful", FEELING),
    DayTag("connected", "Connected", FEELING),
    DayTag("tired", "Tired", FEELING),
    DayTag("anxious", "Anxious", FEELING),
    DayTag("sad", "Sad", FEELING),
    DayTag("irritable", "Irritable", FEELING),
    DayTag("lonely", "Lonely", FEELING),
    DayTag("overwhelmed", "Overwhelmed", FEELING),
)
BY_KEY = {tag.key: tag for tag in CATALOGUE}

# The five faces of the one-tap check-in and the point of the 0-10 mood scale each saves: the
# middle of its fifth of the scale, so charts, "is the effect holding?" and earlier 0-10
# check-ins keep one scale (decision 0012).
FACES: tuple[tuple[int, str], ...] = (
    (1, "Awful"),
    (3, "Low"),
    (5, "Okay"),
    (7, "Good"),
    (9, "Great"),
)


def face_for(mood: int) -> int:
    """The face (its mood value) nearest a stored 0-10 mood, ties to the lower face."""
    return min((value for value, _ in FACES), key=lambda value: (abs(value - mood), value))


def face_label(mood: int) -> str:
    return dict(FACES)[face_for(mood)]
