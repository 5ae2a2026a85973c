"""Fourteen days of mood as a small line, for the patient page and the caseload alike.

A line is its 14 moods (None for a day without a check-in) and nothing else, so everything
drawn from it is worked out once per distinct run of moods and kept (``functools.lru_cache``):
a caseload of 200 draws the same 200 lines on every view until someone checks in, and a
check-in changes the moods, hence the key. Nothing needs to be forgotten by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from claywork.measures.overview import MOOD_MAX

SPARKLINE_DAYS = 14
WIDTH = 140
HEIGHT = 40
# Lines kept per process: a few caseloads' worth (a line is well under a kilobyte).
KEPT_LINES = 4096

Moods = tuple[int | None, ...]


@dataclass(frozen=True)
class MoodPoint:
    day: date
    mood: int | None


@dataclass(frozen=True)
class Sparkline:
    """14 days of mood (0-10) as SVG polylines: a day without a check-in breaks the line."""

    start: date
    moods: Moods
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def points(self) -> list[MoodPoint]:
        return [
            MoodPoint(self.start + timedelta(days=number), mood)
            for number, mood in enumerate(self.moods)
        ]

    def segments(self) -> list[str]:
        return list(line_segments(self.moods, self.width, self.height))

    def dots(self) -> list[tuple[str, str]]:
        """Single days between gaps, which a polyline would not draw."""
        return list(line_dots(self.moods, self.width, self.height))

    @property
    def summary(self) -> str:
        return line_summary(self.moods)

    @property
    def is_empty(self) -> bool:
        return all(mood is None for mood in self.moods)


@lru_cache(maxsize=KEPT_LINES)
def line_segments(moods: Moods, width: int, height: int) -> tuple[str, ...]:
    step = width / max(len(moods) - 1, 1)
    runs: list[list[str]] = [[]]
    for index, mood in enumerate(moods):
        if mood is None:
            runs.append([])
            continue
        y = height - 2 - (height - 4) * mood / MOOD_MAX
        runs[-1].append(f"{index * step:.1f},{y:.1f}")
    return tuple(" ".join(run) for run in runs if run)


@lru_cache(maxsize=KEPT_LINES)
def line_dots(moods: Moods, width: int, height: int) -> tuple[tuple[str, str], ...]:
    return tuple(
        (segment.partition(",")[0], segment.partition(",")[2])
        for segment in line_segments(moods, width, height)
        if " " not in segment
    )


@lru_cache(maxsize=KEPT_LINES)
def line_summary(moods: Moods) -> str:
    values = [str(mood) if mood is not None else "none" for mood in moods]
    return f"Mood, last {len(moods)} days, oldest first: " + ", ".join(values)


def sparkline_for(moods: dict[date, int], today: date) -> Sparkline:
    """The line for the 14 days up to ``today`` from a patient's moods by day."""
    start = today - timedelta(days=SPARKLINE_DAYS - 1)
    days = [start + timedelta(days=n) for n in range(SPARKLINE_DAYS)]
    return Sparkline(start, tuple(moods.get(day) for day in days))


@lru_cache(maxsize=64)
def _iso_days(today: date) -> tuple[date, tuple[str, ...]]:
    start = today - timedelta(days=SPARKLINE_DAYS - 1)
    return start, tuple((start + timedelta(days=n)).isoformat() for n in range(SPARKLINE_DAYS))


def sparkline_from_text(joined: str | None, today: date) -> Sparkline:
    """The line for the 14 days up to ``today`` from ``"YYYY-MM-DD:mood"`` pairs joined by
    commas, in any order (``triage.recent_moods``: one text per patient, read in the
    caseload's one query instead of a row per check-in)."""
    start, days = _iso_days(today)
    if not joined:
        return Sparkline(start, (None,) * SPARKLINE_DAYS)
    by_day = dict(pair.split(":") for pair in joined.split(","))
    return Sparkline(start, tuple(int(by_day[day]) if day in by_day else None for day in days))
