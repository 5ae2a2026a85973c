"""Instrument definition files, read and checked: a missing item, a duplicate link id or an
invalid scoring rule fails loudly, naming the file and the field (docs/instruments.md)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from claywork.measures.instrument_types import (
    ADMINISTRATIONS,
    CODE_PATTERN,
    METHODS,
    REDISTRIBUTION,
    RISK_SCREEN,
    ROUTINE,
    SUM,
    AnswerOption,
    Band,
    Condition,
    Instrument,
    InstrumentError,
    Item,
    ProvisionalPattern,
    RiskLevel,
    Subscale,
)


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
