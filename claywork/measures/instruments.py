"""Validated scales as data: one JSON definition per instrument, checked when it is loaded.

Claywork ships only instruments whose authors allow free reproduction (PHQ-9, GAD-7, PCL-5)
and a safety follow-up screener in its own words.
A clinic licensed to use another scale adds its own definition file in a directory named by
``CLAYWORK_INSTRUMENT_DIRS``; see docs/instruments.md. A definition with a missing item, a
duplicate link id or an invalid scoring rule fails loudly, naming the file and the field.

Two extensions serve screeners: an item may be asked only when an earlier answer calls for it
(``enable_when``, the skip logic), and ``"method": "risk_screen"`` gives a risk level from an
ordered rule table instead of a severity band of the total. An item that is not asked has no
answer: it is neither scored nor missing.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

SHIPPED_DIR = Path(__file__).parent / "instruments"
REDISTRIBUTION = ("free", "restricted")
SUM, RISK_SCREEN = "sum", "risk_screen"
METHODS = (SUM, RISK_SCREEN)
# A follow-up instrument is never listed or scheduled: Claywork offers it after a triggering
# answer (see ``claywork/measures/follow_up.py``).
ROUTINE, FOLLOW_UP = "routine", "follow_up"
ADMINISTRATIONS = (ROUTINE, FOLLOW_UP)
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
class Condition:
    """One item's answer: ``{"link_id": "2", "answer": 1}`` holds when item 2 is answered 1."""

    link_id: str
    answer: int

    def holds(self, answers: dict[str, int]) -> bool:
        return answers.get(self.link_id) == self.answer


@dataclass(frozen=True)
class Item:
    link_id: str
    text: str
    loinc: str | None = None
    safety_flag: str | None = None
    flag_when_at_least: int | None = None
    # Shown before the text instead of the item's position, e.g. "6b" for a follow-up part.
    prefix: str | None = None
    # Asked only when any of these holds (each about an earlier item); empty: always asked.
    enable_when: tuple[Condition, ...] = ()
    # An item with its own answer options (the PHQ-9's closing "how difficult…" question);
    # empty: the instrument's.
    answers: tuple[AnswerOption, ...] = ()
    scored: bool = True  # counted in the total
    required: bool = True  # a questionnaire without it is incomplete


@dataclass(frozen=True)
class Subscale:
    """A part of the total: the DSM-5 clusters of the PCL-5 (B 1-5, C 6-7, D 8-14, E 15-20)."""

    code: str
    label: str
    link_ids: tuple[str, ...]


@dataclass(frozen=True)
class ProvisionalPattern:
    """A symptom pattern read from item answers, e.g. the PCL-5's provisional PTSD diagnosis:
    an item answered at ``endorsed_at`` or more is a symptom, and each subscale needs at least
    its number of them. Not a diagnosis: a pattern for the clinician to assess."""

    label: str
    endorsed_at: int
    minimum: tuple[tuple[str, int], ...]  # (subscale code, symptoms needed)


@dataclass(frozen=True)
class SubscaleScore:
    subscale: Subscale
    total: int
    maximum: int
    symptoms: int  # items answered at the pattern's "endorsed" level or above
    needed: int | None  # symptoms the pattern needs in this subscale


@dataclass(frozen=True)
class RiskLevel:
    """A risk screen's level: reached when any ``when`` condition holds; the last has none."""

    label: str
    when: tuple[Condition, ...]
    flag: str | None = None


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
    # The smallest change of the total beyond measurement error (Jacobson & Truax's reliable
    # change), when the scale's literature gives one; see docs/measures.md.
    reliable_change: int | None = None
    # The total from which a baseline is a case: response and remission are judged only from
    # a baseline at or above it (PHQ-9 and GAD-7: 10; PCL-5: 33).
    case_threshold: int | None = None
    method: str = SUM
    levels: tuple[RiskLevel, ...] = ()  # risk screens only, highest first
    administration: str = ROUTINE
    subscales: tuple[Subscale, ...] = ()
    pattern: ProvisionalPattern | None = None

    @property
    def is_risk_screen(self) -> bool:
        return self.method == RISK_SCREEN

    @property
    def is_follow_up(self) -> bool:
        return self.administration == FOLLOW_UP

    @property
    def has_skip_logic(self) -> bool:
        return any(item.enable_when for item in self.items)

    def may_raise(self, flag: str) -> bool:
        """Whether some answer to this instrument can set ``flag``."""
        return any(item.safety_flag == flag for item in self.items) or any(
            level.flag == flag for level in self.levels
        )

    @property
    def max_total(self) -> int:
        return sum(
            max(option.value for option in self.options_for(item))
            for item in self.items
            if item.scored
        )

    def options_for(self, item: Item) -> tuple[AnswerOption, ...]:
        return item.answers or self.answers

    def option(self, value: int, item: Item | None = None) -> AnswerOption | None:
        options = self.options_for(item) if item is not None else self.answers
        return next((option for option in options if option.value == value), None)

    def item(self, link_id: str) -> Item | None:
        return next((item for item in self.items if item.link_id == link_id), None)

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
    administration = data.get("administration", ROUTINE)
    if administration not in ADMINISTRATIONS:
        raise InstrumentError(f"{source}: administration must be one of {ADMINISTRATIONS}")
    answers = _parse_answers(data, source)
    items = _parse_items(data, source, answers)
    scoring = _require(data, "scoring", dict, source)
    method = scoring.get("method")
    if method not in METHODS:
        raise InstrumentError(f"{source}: scoring.method must be 'sum' or 'risk_screen'")
    if method == RISK_SCREEN:
        unused = sorted(set(scoring) - {"method", "levels"})
        if unused:
            raise InstrumentError(
                f"{source}: scoring.{unused[0]} is for method 'sum'; a risk screen has levels"
            )
        levels = _parse_levels(scoring, source, items, answers)
        bands: tuple[Band, ...] = ()
    else:
        levels = ()
        bands = _parse_bands(scoring, source)
    for key in ("remission_below", "meaningful_change", "reliable_change", "case_threshold"):
        if key in scoring:
            _require(scoring, key, int, f"{source} scoring")
    drop = scoring.get("response_drop_fraction", 0.5)
    if isinstance(drop, bool) or not isinstance(drop, int | float) or not 0 < drop <= 1:
        raise InstrumentError(f"{source}: scoring.response_drop_fraction must be in (0, 1]")
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
        items=items,
        bands=bands,
        response_drop_fraction=float(drop),
        remission_below=scoring.get("remission_below"),
        meaningful_change=int(scoring.get("meaningful_change", 5)),
        source=source,
        reliable_change=scoring.get("reliable_change"),
        case_threshold=scoring.get("case_threshold"),
        method=method,
        levels=levels,
        administration=administration,
    )
    subscales = _parse_subscales(scoring, source, items)
    pattern = _parse_pattern(scoring, source, subscales)
    instrument = replace(instrument, subscales=subscales, pattern=pattern)
    if method == SUM:
        _check_bands(instrument)
    return instrument


def _parse_subscales(
    scoring: dict[str, Any], source: str, items: tuple[Item, ...]
) -> tuple[Subscale, ...]:
    known = {item.link_id for item in items}
    subscales = []
    for index, raw in enumerate(scoring.get("subscales", [])):
        where = f"{source} scoring.subscales[{index}]"
        link_ids = tuple(str(link_id) for link_id in _require(raw, "items", list, where))
        unknown = [link_id for link_id in link_ids if link_id not in known]
        if unknown or not link_ids:
            raise InstrumentError(f"{where}: items must name the instrument's items ({unknown})")
        subscales.append(
            Subscale(
                code=_require(raw, "code", str, where),
                label=_require(raw, "label", str, where),
                link_ids=link_ids,
            )
        )
    return tuple(subscales)


def _parse_pattern(
    scoring: dict[str, Any], source: str, subscales: tuple[Subscale, ...]
) -> ProvisionalPattern | None:
    raw = scoring.get("provisional_pattern")
    if raw is None:
        return None
    where = f"{source} scoring.provisional_pattern"
    minimum = _require(raw, "minimum", dict, where)
    codes = {subscale.code for subscale in subscales}
    for code, needed in minimum.items():
        if code not in codes or isinstance(needed, bool) or not isinstance(needed, int):
            raise InstrumentError(f"{where}: minimum.{code} must name a subscale and a number")
    return ProvisionalPattern(
        label=_require(raw, "label", str, where),
        endorsed_at=_require(raw, "endorsed_at", int, where),
        minimum=tuple(minimum.items()),
    )


def _parse_bands(scoring: dict[str, Any], source: str) -> tuple[Band, ...]:
    return tuple(
        Band(
            minimum=_require(raw, "min", int, f"{source} scoring.bands[{index}]"),
            maximum=_require(raw, "max", int, f"{source} scoring.bands[{index}]"),
            label=_require(raw, "label", str, f"{source} scoring.bands[{index}]"),
        )
        for index, raw in enumerate(_require(scoring, "bands", list, f"{source} scoring"))
    )


def _parse_answers(data: dict[str, Any], source: str) -> tuple[AnswerOption, ...]:
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
    return answers


def _parse_items(
    data: dict[str, Any], source: str, answers: tuple[AnswerOption, ...]
) -> tuple[Item, ...]:
    raw_items = _require(data, "items", list, source)
    known = [str(raw.get("link_id")) for raw in raw_items if isinstance(raw, dict)]
    items: list[Item] = []
    for index, raw in enumerate(raw_items):
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
        prefix = raw.get("prefix")
        if prefix is not None and (not isinstance(prefix, str) or not prefix.strip()):
            raise InstrumentError(f"{where}: field 'prefix' must be a non-empty str")
        enable_when: tuple[Condition, ...] = ()
        if "enable_when" in raw:
            # Only earlier items: the skip logic then reads top to bottom and cannot loop.
            earlier = [item.link_id for item in items]
            enable_when = _parse_conditions(
                raw["enable_when"], f"{where} enable_when", answers, known=known, allowed=earlier
            )
        own_answers = _parse_answers(raw, where) if "answers" in raw else ()
        flags = {}
        for key in ("scored", "required"):
            flags[key] = raw.get(key, True)
            if not isinstance(flags[key], bool):
                raise InstrumentError(f"{where}: field '{key}' must be true or false")
        if safety and not flags["required"]:
            raise InstrumentError(f"{where}: a safety item must be required")
        items.append(
            Item(
                link_id=link_id,
                text=text,
                loinc=raw.get("loinc"),
                safety_flag=safety.get("flag"),
                flag_when_at_least=safety.get("flag_when_at_least"),
                prefix=prefix,
                enable_when=enable_when,
                answers=own_answers,
                scored=flags["scored"],
                required=flags["required"],
            )
        )
    if not items:
        raise InstrumentError(f"{source}: field 'items' is empty")
    seen: set[str] = set()
    for item in items:
        if item.link_id in seen:
            raise InstrumentError(f"{source}: duplicate link_id {item.link_id!r} in items")
        seen.add(item.link_id)
    return tuple(items)


def _parse_conditions(
    raw: Any,
    where: str,
    answers: tuple[AnswerOption, ...],
    *,
    known: list[str],
    allowed: list[str],
) -> tuple[Condition, ...]:
    """``{"link_id": …, "answer": …}``, or a non-empty list of them meaning any of them.

    ``known`` are the instrument's link ids, ``allowed`` those a condition here may name.
    """
    listed = isinstance(raw, list)
    entries = raw if listed else [raw]
    if not entries:
        raise InstrumentError(f"{where}: must name at least one condition")
    values = {option.value for option in answers}
    conditions = []
    for index, entry in enumerate(entries):
        at = f"{where}[{index}]" if listed else where
        link_id = _require(entry, "link_id", str, at)
        answer = _require(entry, "answer", int, at)
        if link_id not in known:
            raise InstrumentError(f"{at}: unknown link_id {link_id!r}")
        if link_id not in allowed:
            raise InstrumentError(f"{at}: link_id {link_id!r} is not an earlier item")
        if answer not in values:
            options = ", ".join(str(value) for value in sorted(values))
            raise InstrumentError(f"{at}: answer {answer} is not one of {options}")
        conditions.append(Condition(link_id=link_id, answer=answer))
    return tuple(conditions)


def _parse_levels(
    scoring: dict[str, Any],
    source: str,
    items: tuple[Item, ...],
    answers: tuple[AnswerOption, ...],
) -> tuple[RiskLevel, ...]:
    """The levels, highest first; the last one, without ``when``, is reached otherwise."""
    raw_levels = _require(scoring, "levels", list, f"{source} scoring")
    if len(raw_levels) < 2:
        raise InstrumentError(f"{source}: scoring.levels must name at least two levels")
    link_ids = [item.link_id for item in items]
    levels = []
    for index, raw in enumerate(raw_levels):
        where = f"{source} scoring.levels[{index}]"
        label = _require(raw, "label", str, where)
        last = index == len(raw_levels) - 1
        if last and "when" in raw:
            raise InstrumentError(
                f"{where}: the last level is the one reached otherwise and has no 'when'"
            )
        if not last and "when" not in raw:
            raise InstrumentError(f"{where}: missing field 'when'")
        when = (
            ()
            if last
            else _parse_conditions(
                raw["when"], f"{where} when", answers, known=link_ids, allowed=link_ids
            )
        )
        flag = raw.get("flag")
        if flag is not None and not isinstance(flag, str):
            raise InstrumentError(f"{where}: field 'flag' must be str")
        levels.append(RiskLevel(label=label, when=when, flag=flag))
    labels = [level.label for level in levels]
    if len(set(labels)) != len(labels):
        raise InstrumentError(f"{source}: scoring.levels must have distinct labels")
    return tuple(levels)


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
        installed = registry()
    except InstrumentError as error:
        return [checks.Error(str(error), id="measures.E001")]
    return [
        checks.Error(
            f"CLAYWORK_SCHEDULED_INSTRUMENTS: {code!r} is a follow-up instrument; Claywork "
            "offers it after a triggering answer and never schedules it",
            id="measures.E002",
        )
        for code in settings.CLAYWORK_SCHEDULED_INSTRUMENTS
        if code in installed and installed[code].is_follow_up
    ]


def get_instrument(code: str) -> Instrument:
    try:
        return registry()[code]
    except KeyError:
        raise InvalidAnswer(f"unknown instrument {code!r}") from None


def validate_answers(instrument: Instrument, answers: dict[str, int]) -> None:
    for link_id, value in answers.items():
        item = instrument.item(link_id)
        if item is None:
            raise InvalidAnswer(f"{instrument.title} has no item {link_id!r}")
        is_integer = isinstance(value, int) and not isinstance(value, bool)
        if not is_integer or instrument.option(value, item) is None:
            allowed = ", ".join(str(option.value) for option in instrument.options_for(item))
            raise InvalidAnswer(
                f"item {link_id} of {instrument.title}: {value!r} is not one of {allowed}"
            )


def item_states(instrument: Instrument, answers: dict[str, int]) -> dict[str, bool | None]:
    """Whether each item is asked, given the answers so far.

    ``True``: asked (no ``enable_when``, or one of its conditions holds on an asked item).
    ``False``: skipped (every condition is about a skipped item or an answer that differs).
    ``None``: not decided yet, because an item it depends on is still unanswered.
    """
    states: dict[str, bool | None] = {}
    for item in instrument.items:
        state: bool | None = not item.enable_when
        for condition in item.enable_when:
            depends_on = states[condition.link_id]
            if depends_on is False:
                continue
            if depends_on is None or condition.link_id not in answers:
                state = None
            elif condition.holds(answers):
                state = True
                break
        states[item.link_id] = state
    return states


def asked_answers(instrument: Instrument, answers: dict[str, int]) -> dict[str, int]:
    """The answers without those to skipped items: a skipped question has no answer, even one
    given before an earlier answer changed (or in a browser that showed every question)."""
    states = item_states(instrument, answers)
    return {
        link_id: value for link_id, value in answers.items() if states.get(link_id) is not False
    }


def missing_items(instrument: Instrument, answers: dict[str, int]) -> list[str]:
    """Asked items without an answer. A skipped item is never missing, nor is one that waits
    on an unanswered item (that item is missing already, and decides whether it is asked)."""
    states = item_states(instrument, answers)
    return [
        item.link_id
        for item in instrument.items
        if item.required and states[item.link_id] is True and item.link_id not in answers
    ]


def score(instrument: Instrument, answers: dict[str, int]) -> Score:
    """Total, severity band (a risk screen: its risk level) and safety flags of a complete set
    of answers. Answers to skipped items are ignored."""
    validate_answers(instrument, answers)
    answers = asked_answers(instrument, answers)
    missing = missing_items(instrument, answers)
    if missing:
        raise InvalidAnswer(
            f"{instrument.title} is incomplete: items {', '.join(missing)} unanswered"
        )
    total = sum(
        answers[item.link_id]
        for item in instrument.items
        if item.scored and item.link_id in answers
    )
    band = (
        risk_level(instrument, answers).label
        if instrument.is_risk_screen
        else instrument.band_for(total)
    )
    return Score(total=total, band=band, flags=safety_flags(instrument, answers))


def risk_level(instrument: Instrument, answers: dict[str, int]) -> RiskLevel:
    """The first level, highest first, with a condition that holds; else the last one."""
    asked = asked_answers(instrument, answers)
    for level in instrument.levels[:-1]:
        if any(condition.holds(asked) for condition in level.when):
            return level
    return instrument.levels[-1]


def safety_flags(instrument: Instrument, answers: dict[str, int]) -> tuple[str, ...]:
    """Flags raised by the answers given so far: a half-finished form is checked too."""
    asked = asked_answers(instrument, answers)
    flags = [
        item.safety_flag
        for item in instrument.items
        if item.safety_flag
        and item.flag_when_at_least is not None
        and item.link_id in asked
        and asked[item.link_id] >= item.flag_when_at_least
    ]
    if instrument.is_risk_screen:
        level = risk_level(instrument, asked)
        # The last level is reached by default, so only a finished form can reach it.
        reached = bool(level.when) or not missing_items(instrument, asked)
        if level.flag and reached:
            flags.append(level.flag)
    return tuple(dict.fromkeys(flags))


def outcome_applies(instrument: Instrument, *, baseline: int) -> bool:
    """Whether response and remission mean anything from this baseline: at or above the
    scale's case threshold (a PHQ-9 of 3 cannot "remit", nor 4 -> 2 be a "response")."""
    threshold = instrument.case_threshold
    return baseline > 0 and (threshold is None or baseline >= threshold)


def is_response(instrument: Instrument, *, baseline: int, current: int) -> bool:
    """From a case-level baseline, at least the instrument's fraction (50%) lower. The caller
    also asks that ``current`` was completed after treatment began."""
    return (
        outcome_applies(instrument, baseline=baseline)
        and (baseline - current) >= instrument.response_drop_fraction * baseline
    )


def is_remission(instrument: Instrument, *, baseline: int, current: int) -> bool:
    """From a case-level baseline, a total under the remission line (PHQ-9, GAD-7: under 5)."""
    return (
        instrument.remission_below is not None
        and outcome_applies(instrument, baseline=baseline)
        and current < instrument.remission_below
    )


def is_meaningful_change(instrument: Instrument, *, before: int, after: int) -> bool:
    """A change of at least the instrument's meaningful change (PHQ-9: 5 points), either way."""
    return abs(after - before) >= instrument.meaningful_change


def subscale_scores(instrument: Instrument, answers: dict[str, int]) -> list[SubscaleScore]:
    """Each subscale's total and its symptoms (items at the pattern's level or above)."""
    pattern = instrument.pattern
    needed = dict(pattern.minimum) if pattern else {}
    scores = []
    for subscale in instrument.subscales:
        values = [answers.get(link_id, 0) for link_id in subscale.link_ids]
        items = [instrument.item(link_id) for link_id in subscale.link_ids]
        scores.append(
            SubscaleScore(
                subscale=subscale,
                total=sum(values),
                maximum=sum(
                    max(o.value for o in instrument.options_for(item)) for item in items if item
                ),
                symptoms=sum(1 for v in values if pattern and v >= pattern.endorsed_at),
                needed=needed.get(subscale.code),
            )
        )
    return scores


def provisional_pattern(instrument: Instrument, answers: dict[str, int]) -> bool | None:
    """Whether the answers meet the instrument's symptom pattern (the PCL-5: at least one
    intrusion, one avoidance, two mood and two arousal symptoms, each answered "Moderately" or
    more); None when the instrument has no pattern or the answers are incomplete."""
    if instrument.pattern is None or missing_items(instrument, answers):
        return None
    return all(
        score.needed is None or score.symptoms >= score.needed
        for score in subscale_scores(instrument, answers)
    )
