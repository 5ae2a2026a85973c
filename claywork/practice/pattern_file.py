"""``claywork patterns --file DAYS.json|DAYS.csv``: one person's days, read for the patterns page's
rules. No database.

JSON, a list of days (or ``{"days": [...], "last_session": "YYYY-MM-DD"}``)::

    [{"date": "2026-03-02", "mood": 6, "anxiety": 3, "practices": ["Walk", "Yoga"]}, ...]

CSV, a header row then one row a day::

    date,mood,anxiety,practices
    2026-03-02,6,3,Walk;Yoga
    2026-03-03,,,Walk

``mood`` and ``anxiety`` are whole numbers 0-10 or empty (``null``); a day without a mood is a
day without a check-in (its practices still count: they are where the practice days are).
One row per date, in any order; other keys and columns are ignored. Every problem is reported
with the row and the field (``days[4].mood: must be a whole number from 0 to 10, not 11``;
in a CSV file ``line 6.mood``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from claywork.practice.patterns import CheckInDay

SCORE_RANGE = (0, 10)


class DaysFileError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class Days:
    check_ins: dict[date, CheckInDay] = field(default_factory=dict)
    practice_days: dict[str, set[date]] = field(default_factory=dict)
    last_session: date | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def last_day(self) -> date | None:
        days = set(self.check_ins).union(*self.practice_days.values())
        return max(days) if days else None


def read_days(text: str, *, csv_format: bool) -> Days:
    rows, last_session = _csv_rows(text) if csv_format else _json_rows(text)
    found = Days()
    if last_session is not None:
        found.last_session = _date(last_session, "last_session", found.errors)
    seen: set[date] = set()
    for index, row in enumerate(rows):
        where = f"line {index + 2}" if csv_format else f"days[{index}]"  # CSV: after the header
        _row(row, where, found, seen)
    return found


def _json_rows(text: str) -> tuple[list[Any], Any]:
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise DaysFileError(f"not valid JSON ({error})") from None
    if isinstance(raw, dict) and isinstance(raw.get("days"), list):
        return raw["days"], raw.get("last_session")
    if not isinstance(raw, list):
        raise DaysFileError('must hold a JSON list of days, or {"days": [...]}')
    return raw, None


def _csv_rows(text: str) -> tuple[list[Any], Any]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    if "date" not in header:
        raise DaysFileError("the first row must name the columns: date,mood,anxiety,practices")
    rows = []
    for raw in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        row["practices"] = [p.strip() for p in row.get("practices", "").split(";") if p.strip()]
        for score in ("mood", "anxiety"):
            row[score] = _csv_number(row.get(score, ""))
        rows.append(row)
    return rows, None


def _csv_number(text: str) -> Any:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return text


def _row(row: Any, where: str, found: Days, seen: set[date]) -> None:
    if not isinstance(row, dict) or "date" not in row:
        found.errors.append(f"{where}: must be an object with a 'date'")
        return
    day = _date(row["date"], f"{where}.date", found.errors)
    mood = _score(row.get("mood"), f"{where}.mood", found.errors)
    anxiety = _score(row.get("anxiety"), f"{where}.anxiety", found.errors)
    practices = row.get("practices", [])
    if not isinstance(practices, list) or not all(
        isinstance(name, str) and name.strip() for name in practices
    ):
        found.errors.append(f"{where}.practices: must be a list of names")
        practices = []
    if day is None:
        return
    if day in seen:
        found.errors.append(f"{where}.date: {day.isoformat()} is listed twice; keep one a day")
        return
    seen.add(day)
    if mood is not None:
        found.check_ins[day] = CheckInDay(float(mood), None if anxiety is None else float(anxiety))
    for name in practices:
        found.practice_days.setdefault(name.strip(), set()).add(day)


def _date(value: Any, where: str, errors: list[str]) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    errors.append(f"{where}: {value!r} is not a date (YYYY-MM-DD)")
    return None


def _score(value: Any, where: str, errors: list[str]) -> int | None:
    low, high = SCORE_RANGE
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append(f"{where}: must be a whole number from {low} to {high}, not {value!r}")
        return None
    return value
