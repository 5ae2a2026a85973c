"""``claywork effect --file COHORT.json``: the app's effect rules on anyone's cohort. No database.

The file is a JSON list of patients::

    [{"id": "p1", "sessions": ["2026-01-05", ...],
      "check_ins": [{"date": "2026-01-06", "mood": 6}, ...],
      "scores": [{"date": "2026-01-12", "instrument": "phq9", "total": 7}, ...]}, ...]

Each list oldest first, one entry per day (per instrument and day for scores); instruments are
the installed ones (``claywork check``), written as their code or as people write them
("PHQ-9", "gad_7", "PCL 5": case, hyphens, underscores and spaces do not matter). Other keys
are ignored. A patient is judged up to the
last date in their data. Each problem is reported with the patient and the field
(``patient "p3": check_ins[4].date: 2026-02-01 comes before 2026-02-03 ...``); that patient is
left out, every other one is still evaluated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from claywork.measures import effect, instruments

REQUIRED = ("id", "sessions", "check_ins", "scores")
MOOD_RANGE = (0, 10)


class CohortError(ValueError):
    """The file as a whole cannot be read (not JSON, not a list)."""


@dataclass
class CohortPatient:
    id: str
    inputs: effect.EffectInputs | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def result(self, params: effect.EffectParams) -> dict[str, Any]:
        """The patient's output line: the evaluation, or what was wrong."""
        if self.errors or self.inputs is None:
            return {"id": self.id, "error": "; ".join(self.errors)}
        return {"id": self.id} | effect.evaluate(self.inputs, params).as_dict()


def read_cohort(text: str) -> list[CohortPatient]:
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise CohortError(f"not valid JSON ({error})") from None
    if not isinstance(raw, list):
        raise CohortError("must hold a JSON list of patients, [{...}, ...]")
    return [_patient(position, entry) for position, entry in enumerate(raw)]


def _patient(position: int, entry: Any) -> CohortPatient:
    if not isinstance(entry, dict):
        return CohortPatient(f"#{position + 1}", errors=["must be a JSON object"])
    raw_id = entry.get("id")
    valid_id = isinstance(raw_id, str | int) and not isinstance(raw_id, bool) and str(raw_id)
    patient = CohortPatient(str(raw_id) if valid_id else f"#{position + 1}")
    missing = [name for name in REQUIRED if name not in entry]
    if missing:
        patient.errors.append(f"missing field{'s' if len(missing) > 1 else ''} {_names(missing)}")
    elif not valid_id:
        patient.errors.append("id: must be a non-empty string or a number")
    if patient.errors:
        return patient
    sessions = _sessions(entry["sessions"], patient.errors)
    mood = _check_ins(entry["check_ins"], patient.errors)
    phq9, score_days = _scores(entry["scores"], patient.errors)
    if patient.errors:
        return patient
    days = sessions + [d for d, _ in mood] + score_days
    if not days:
        patient.warnings.append("sessions, check_ins and scores are all empty: nothing to judge")
    today = max(days) if days else date.min
    patient.inputs = effect.EffectInputs(phq9=phq9, mood=mood, sessions=sessions, today=today)
    return patient


def _names(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _list(value: Any, name: str, errors: list[str]) -> list[Any]:
    if not isinstance(value, list):
        errors.append(f"{name}: must be a list")
        return []
    return value


def _date(value: Any, where: str, errors: list[str]) -> date | None:
    if not isinstance(value, str):
        errors.append(f"{where}: must be a date as a string, YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{where}: {value!r} is not a date (YYYY-MM-DD)")
        return None


def _in_order(days: list[tuple[date, str]], name: str, errors: list[str]) -> None:
    """Oldest first, one a day: the rules read a day's value as that day's, once."""
    for (before, _), (day, where) in zip(days, days[1:], strict=False):
        if day == before:
            errors.append(f"{where}: {day.isoformat()} is listed twice; keep one a day")
        elif day < before:
            errors.append(
                f"{where}: {day.isoformat()} comes before {before.isoformat()}; "
                f"list {name} oldest first"
            )


def _sessions(value: Any, errors: list[str]) -> list[date]:
    found = []
    for index, raw in enumerate(_list(value, "sessions", errors)):
        if (day := _date(raw, f"sessions[{index}]", errors)) is not None:
            found.append((day, f"sessions[{index}]"))
    _in_order(found, "sessions", errors)
    return [day for day, _ in found]


def _whole(value: Any, where: str, low: int, high: int, errors: list[str]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append(f"{where}: must be a whole number from {low} to {high}, not {value!r}")
        return None
    return value


def _record(raw: Any, where: str, keys: tuple[str, ...], errors: list[str]) -> bool:
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be an object with {_names(list(keys))}")
        return False
    missing = [key for key in keys if key not in raw]
    if missing:
        errors.append(f"{where}: missing field{'s' if len(missing) > 1 else ''} {_names(missing)}")
        return False
    return True


def _check_ins(value: Any, errors: list[str]) -> list[tuple[date, int]]:
    found: list[tuple[date, str]] = []
    mood: list[tuple[date, int]] = []
    for index, raw in enumerate(_list(value, "check_ins", errors)):
        where = f"check_ins[{index}]"
        if not _record(raw, where, ("date", "mood"), errors):
            continue
        day = _date(raw["date"], f"{where}.date", errors)
        value_ = _whole(raw["mood"], f"{where}.mood", *MOOD_RANGE, errors)
        if day is not None:
            found.append((day, f"{where}.date"))
            if value_ is not None:
                mood.append((day, value_))
    _in_order(found, "check_ins", errors)
    return mood


def _instrument_code(name: Any, installed: dict[str, Any]) -> str | None:
    """The installed instrument a cohort file names: its code, or the name as clinicians
    write it ("PHQ-9" is phq9)."""
    if not isinstance(name, str):
        return None
    if name in installed:
        return name
    wanted = _squeezed(name)
    return next((code for code in installed if _squeezed(code) == wanted), None)


def _squeezed(name: str) -> str:
    return "".join(character for character in name.lower() if character not in "-_ ")


def _scores(value: Any, errors: list[str]) -> tuple[list[tuple[date, int]], list[date]]:
    """Every score is checked against its instrument; the PHQ-9s are what the rules read.
    Returns them and the days of all scores."""
    installed = instruments.registry()
    by_instrument: dict[str, list[tuple[date, str]]] = {}
    phq9: list[tuple[date, int]] = []
    for index, raw in enumerate(_list(value, "scores", errors)):
        where = f"scores[{index}]"
        if not _record(raw, where, ("date", "instrument", "total"), errors):
            continue
        code = _instrument_code(raw["instrument"], installed)
        if code is None:
            known = ", ".join(sorted(installed))
            errors.append(
                f"{where}.instrument: unknown instrument {raw['instrument']!r} (one of {known})"
            )
            continue
        instrument = installed[code]
        day = _date(raw["date"], f"{where}.date", errors)
        total = _whole(raw["total"], f"{where}.total", 0, instrument.max_total, errors)
        if day is None:
            continue
        by_instrument.setdefault(code, []).append((day, f"{where}.date"))
        if code == "phq9" and total is not None:
            phq9.append((day, total))
    for code, days in by_instrument.items():
        _in_order(days, f"the {code} scores", errors)
    return phq9, [day for days in by_instrument.values() for day, _ in days]
