"""Validated scales as data: one JSON definition per instrument, checked when it is loaded.

Claywork ships only instruments whose authors allow free reproduction (PHQ-9, GAD-7, PCL-5).
A clinic licensed to use another scale adds its own definition file in a directory named by
``CLAYWORK_INSTRUMENT_DIRS``; see docs/instruments.md. A definition with a missing item, a
duplicate link id or an invalid scoring rule fails loudly, naming the file and the field.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

SHIPPED_DIR = Path(__file__).parent / "instruments"
REDISTRIBUTION = ("free", "restricted")
# The code goes into URLs (``/scales/<slug>/``) and ``ScaleResponse.instrument`` (40 chars).
CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class InstrumentError(ValueError):
    """A definition file is malformed. The message names the file and the field."""


class InvalidAnswer(ValueError):
    """An answer is not one of the item's options, or names no item of the instrument."""


@dataclass(frozen=True)
class AnswerOption:
    value: int
    text: str
    loinc: str | None = None


@dataclass(frozen=True)
class Item:
    link_id: str
    text: str
    loinc: str | None = None
    safety_flag: str | None = None
    flag_when_at_least: int | None = None


@dataclass(frozen=True)
class Band:
    minimum: int
    maximum: int
    label: str


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    title: str
    name: str
    stem: str
    licence: str
    licence_notice: str
    panel_loinc: str | None
    total_loinc: str | None
    answers: tuple[AnswerOption, ...]
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    response_drop_fraction: float
    remission_below: int | None
    meaningful_change: int
    source: str = field(default="", compare=False)

    @property
    def max_total(self) -> int:
        return max(option.value for option in self.answers) * len(self.items)

    def option(self, value: int) -> AnswerOption | None:
        return next((option for option in self.answers if option.value == value), None)

    def band_for(self, total: int) -> str:
        for band in self.bands:
            if band.minimum <= total <= band.maximum:
                return band.label
        raise InstrumentError(f"{self.source}: no severity band covers a total of {total}")


@dataclass(frozen=True)
class Score:
    total: int
    band: str
    flags: tuple[str, ...]


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if not isinstance(data, dict):
        raise InstrumentError(f"{where}: must be a JSON object")
    if key not in data:
        raise InstrumentError(f"{where}: missing field '{key}'")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InstrumentError(f"{where}: field '{key}' must be {kind.__name__}")
    return value


def parse_instrument(data: dict[str, Any], source: str) -> Instrument:
    code = _require(data, "code", str, source)
    if not CODE_PATTERN.fullmatch(code):
        raise InstrumentError(
            f"{source}: field 'code' must be 1-40 lower-case letters, digits, '-' or '_'"
        )
    licence = _require(data, "licence", dict, source)
    redistribution = _require(licence, "redistribution", str, f"{source} licence")
    if redistribution not in REDISTRIBUTION:
        raise InstrumentError(f"{source}: licence.redistribution must be one of {REDISTRIBUTION}")
    answers = tuple(
        AnswerOption(
            value=_require(raw, "value", int, f"{source} answers[{index}]"),
            text=_require(raw, "text", str, f"{source} answers[{index}]"),
            loinc=raw.get("loinc"),
        )
        for index, raw in enumerate(_require(data, "answers", list, source))
    )
    if not answers or len({option.value for option in answers}) != len(answers):
        raise InstrumentError(f"{source}: answers must be present and have distinct values")
    if any(option.value < 0 for option in answers):
        raise InstrumentError(f"{source}: answers[].value must not be negative")
    items: list[Item] = []
    for index, raw in enumerate(_require(data, "items", list, source)):
        where = f"{source} items[{index}]"
        link_id = _require(raw, "link_id", str, where)
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InstrumentError(f"{where}: missing field 'text' (item {link_id!r})")
        safety = raw.get("safety") or {}
        if safety:
            # A safety rule that cannot fire must not pass silently: it guards item answers
            # the care team has to hear about.
            _require(safety, "flag", str, f"{where} safety")
            _require(safety, "flag_when_at_least", int, f"{where} safety")
        items.append(
            Item(
                link_id=link_id,
                text=text,
                loinc=raw.get("loinc"),
                safety_flag=safety.get("flag"),
                flag_when_at_least=safety.get("flag_when_at_least"),
            )
        )
    if not items:
        raise InstrumentError(f"{source}: field 'items' is empty")
    seen: set[str] = set()
    for item in items:
        if item.link_id in seen:
            raise InstrumentError(f"{source}: duplicate link_id {item.link_id!r} in items")
        seen.add(item.link_id)
    scoring = _require(data, "scoring", dict, source)
    if scoring.get("method") != "sum":
        raise InstrumentError(f"{source}: scoring.method must be 'sum'")
    for key in ("remission_below", "meaningful_change"):
        if key in scoring:
            _require(scoring, key, int, f"{source} scoring")
    drop = scoring.get("response_drop_fraction", 0.5)
    if isinstance(drop, bool) or not isinstance(drop, int | float) or not 0 < drop <= 1:
        raise InstrumentError(f"{source}: scoring.response_drop_fraction must be in (0, 1]")
    bands = tuple(
        Band(
            minimum=_require(raw, "min", int, f"{source} scoring.bands[{index}]"),
            maximum=_require(raw, "max", int, f"{source} scoring.bands[{index}]"),
            label=_require(raw, "label", str, f"{source} scoring.bands[{index}]"),
        )
        for index, raw in enumerate(_require(scoring, "bands", list, f"{source} scoring"))
    )
    instrument = Instrument(
        code=code,
        version=str(_require(data, "version", str, source)),
        title=_require(data, "title", str, source),
        name=_require(data, "name", str, source),
        stem=_require(data, "stem", str, source),
        licence=redistribution,
        licence_notice=str(licence.get("notice", "")),
        panel_loinc=(data.get("loinc") or {}).get("panel"),
        total_loinc=(data.get("loinc") or {}).get("total"),
        answers=answers,
        items=tuple(items),
        bands=bands,
        response_drop_fraction=float(drop),
        remission_below=scoring.get("remission_below"),
        meaningful_change=int(scoring.get("meaningful_change", 5)),
        source=source,
    )
    _check_bands(instrument)
    return instrument


def _check_bands(instrument: Instrument) -> None:
    """The bands must cover every possible total exactly once, from 0 to the maximum."""
    expected = 0
    for band in sorted(instrument.bands, key=lambda band: band.minimum):
        if band.minimum != expected or band.maximum < band.minimum:
            raise InstrumentError(
                f"{instrument.source}: scoring.bands must cover 0-{instrument.max_total} "
                f"without gaps or overlaps (problem at {band.label!r})"
            )
        expected = band.maximum + 1
    if expected != instrument.max_total + 1:
        raise InstrumentError(
            f"{instrument.source}: scoring.bands end at {expected - 1}, "
            f"but the highest possible total is {instrument.max_total}"
        )


def load_instrument_file(path: Path, *, shipped: bool) -> Instrument:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InstrumentError(f"{path.name}: cannot be read as JSON ({error})") from None
    if not isinstance(data, dict):
        raise InstrumentError(f"{path.name}: must hold one JSON object")
    instrument = parse_instrument(data, path.name)
    if shipped and instrument.licence != "free":
        raise InstrumentError(
            f"{path.name}: licence.redistribution is {instrument.licence!r}, but Claywork ships "
            "only freely reproducible instruments; a clinic loads licensed ones from its own "
            "CLAYWORK_INSTRUMENT_DIRS"
        )
    return instrument


@functools.cache
def registry() -> dict[str, Instrument]:
    found: dict[str, Instrument] = {}
    sources = [(SHIPPED_DIR, True)] + [(Path(d), False) for d in settings.CLAYWORK_INSTRUMENT_DIRS]
    for directory, shipped in sources:
        if not directory.is_dir():
            # A mistyped path would otherwise drop a clinic's scales without a word.
            raise InstrumentError(f"CLAYWORK_INSTRUMENT_DIRS: {directory} is not a directory")
        for path in sorted(directory.glob("*.json")):
            instrument = load_instrument_file(path, shipped=shipped)
            if instrument.code in found:
                raise InstrumentError(f"{path.name}: instrument code {instrument.code!r} is taken")
            found[instrument.code] = instrument
    return found


def check_definitions(**kwargs: Any) -> list[checks.CheckMessage]:
    """System check: a broken definition stops ``claywork serve`` before the first request."""
    try:
        registry()
    except InstrumentError as error:
        return [checks.Error(str(error), id="measures.E001")]
    return []


def get_instrument(code: str) -> Instrument:
    try:
        return registry()[code]
    except KeyError:
        raise InvalidAnswer(f"unknown instrument {code!r}") from None


def validate_answers(instrument: Instrument, answers: dict[str, int]) -> None:
    link_ids = {item.link_id for item in instrument.items}
    for link_id, value in answers.items():
        if link_id not in link_ids:
            raise InvalidAnswer(f"{instrument.title} has no item {link_id!r}")
        is_integer = isinstance(value, int) and not isinstance(value, bool)
        if not is_integer or instrument.option(value) is None:
            allowed = ", ".join(str(option.value) for option in instrument.answers)
            raise InvalidAnswer(
                f"item {link_id} of {instrument.title}: {value!r} is not one of {allowed}"
            )


def missing_items(instrument: Instrument, answers: dict[str, int]) -> list[str]:
    return [item.link_id for item in instrument.items if item.link_id not in answers]


def score(instrument: Instrument, answers: dict[str, int]) -> Score:
    """Total, severity band and safety flags of a complete set of answers."""
    validate_answers(instrument, answers)
    missing = missing_items(instrument, answers)
    if missing:
        raise InvalidAnswer(
            f"{instrument.title} is incomplete: items {', '.join(missing)} unanswered"
        )
    total = sum(answers[item.link_id] for item in instrument.items)
    return Score(
        total=total, band=instrument.band_for(total), flags=safety_flags(instrument, answers)
    )


def safety_flags(instrument: Instrument, answers: dict[str, int]) -> tuple[str, ...]:
    """Flags raised by the answers given so far: a half-finished form is checked too."""
    return tuple(
        item.safety_flag
        for item in instrument.items
        if item.safety_flag
        and item.flag_when_at_least is not None
        and item.link_id in answers
        and answers[item.link_id] >= item.flag_when_at_least
    )


def is_response(instrument: Instrument, *, baseline: int, current: int) -> bool:
    """At least the instrument's fraction (50%) lower than baseline."""
    return baseline > 0 and (baseline - current) >= instrument.response_drop_fraction * baseline


def is_remission(instrument: Instrument, *, current: int) -> bool:
    return instrument.remission_below is not None and current < instrument.remission_below


def is_meaningful_change(instrument: Instrument, *, before: int, after: int) -> bool:
    """A change of at least the instrument's meaningful change (PHQ-9: 5 points), either way."""
    return abs(after - before) >= instrument.meaningful_change
