"""Emotional tone of a text: an estimate from VADER's word list, which ships inside the
``vaderSentiment`` package (MIT licence). No Django, no network.

The score runs from -1 (very negative words) to +1 (very positive words). It reads words, not
people: sarcasm, other languages and quoting someone else all fool it, so it is only ever shown
as an estimate beside the patient's own check-ins."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Any

# Tone is read from the start of a long entry only: VADER is word by word, in Python.
MAX_CHARS = 5_000
_WORD = re.compile(r"[A-Za-z]{2,}")


@functools.cache
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def tone_of(text: str) -> float | None:
    """The compound score, or None when there is nothing to read (empty, numbers only).
    VADER reads emoji too, through the emoji list that ships with it."""
    sample = text[:MAX_CHARS].strip()
    if not sample:
        return None
    compound = float(_analyzer().polarity_scores(sample)["compound"])
    if compound == 0.0 and not _WORD.search(sample):
        return None
    return round(compound, 3)


@dataclass(frozen=True)
class WeeklyTone:
    week_of: date  # the Monday
    tone: float | None
    entries: int
    mood: float | None  # mean daily mood check-in (0-10) that week
    check_ins: int


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(
    tones: Iterable[tuple[date, float | None]], moods: Iterable[tuple[date, int]]
) -> list[WeeklyTone]:
    """Per-week mean tone beside the mean mood check-in, oldest first, weeks with either."""
    tone_by_week: dict[date, list[float]] = defaultdict(list)
    entries_by_week: dict[date, int] = defaultdict(int)
    for day, tone in tones:
        entries_by_week[monday(day)] += 1
        if tone is not None:
            tone_by_week[monday(day)].append(tone)
    mood_by_week: dict[date, list[int]] = defaultdict(list)
    for day, mood in moods:
        mood_by_week[monday(day)].append(mood)
    weeks = sorted(set(entries_by_week) | set(mood_by_week))
    return [
        WeeklyTone(
            week_of=week,
            tone=round(fmean(tone_by_week[week]), 3) if tone_by_week.get(week) else None,
            entries=entries_by_week.get(week, 0),
            mood=round(fmean(mood_by_week[week]), 1) if mood_by_week.get(week) else None,
            check_ins=len(mood_by_week.get(week, [])),
        )
        for week in weeks
    ]


def describe(tone: float | None) -> str:
    """Words for a score, kept deliberately mild."""
    if tone is None:
        return "no words to read"
    if tone >= 0.5:
        return "mostly warm words"
    if tone >= 0.05:
        return "somewhat warm words"
    if tone > -0.05:
        return "mixed or neutral words"
    if tone > -0.5:
        return "somewhat heavy words"
    return "mostly heavy words"
