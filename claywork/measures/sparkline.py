"""Fourteen days of mood as a small line, for the patient page and the caseload alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from claywork.measures.overview import MOOD_MAX

SPARKLINE_DAYS = 14


@dataclass(frozen=True)
class MoodPoint:
    day: date
    mood: int | None


@dataclass(frozen=True)
class Sparkline:
    """14 days of mood (0-10) as SVG polylines: a day without a check-in breaks the line."""

    points: list[MoodPoint]
    width: int = 140
    height: int = 40

    def segments(self) -> list[str]:
        return self._segments

    @cached_property
    def _segments(self) -> list[str]:
        # Worked out once: the dots are read from the segments (a caseload draws 200 lines).
        step = self.width / max(len(self.points) - 1, 1)
        runs: list[list[str]] = [[]]
        for index, point in enumerate(self.points):
            if point.mood is None:
                runs.append([])
                continue
            y = self.height - 2 - (self.height - 4) * point.mood / MOOD_MAX
            runs[-1].append(f"{index * step:.1f},{y:.1f}")
        return [" ".join(run) for run in runs if run]

    def dots(self) -> list[tuple[str, str]]:
        """Single days between gaps, which a polyline would not draw."""
        return [
            (segment.partition(",")[0], segment.partition(",")[2])
            for segment in self.segments()
            if " " not in segment
        ]

    @property
    def summary(self) -> str:
        values = [str(point.mood) if point.mood is not None else "none" for point in self.points]
        return f"Mood, last {len(self.points)} days, oldest first: " + ", ".join(values)

    @property
    def is_empty(self) -> bool:
        return all(point.mood is None for point in self.points)


def sparkline_for(moods: dict[date, int], today: date) -> Sparkline:
    """The line for the 14 days up to ``today`` from a patient's moods by day."""
    start = today - timedelta(days=SPARKLINE_DAYS - 1)
    days = [start + timedelta(days=n) for n in range(SPARKLINE_DAYS)]
    return Sparkline([MoodPoint(day, moods.get(day)) for day in days])
