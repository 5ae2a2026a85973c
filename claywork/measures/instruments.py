"""Validated scales as data: one JSON definition per instrument, checked when it is loaded
(``definitions.py``; their shape: ``instrument_types.py``), and what answers mean: scoring,
skip logic, risk levels, response and remission, subscales.

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
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

from claywork.measures.definitions import load_instrument_file as load_instrument_file
from claywork.measures.definitions import parse_instrument as parse_instrument
from claywork.measures.instrument_types import FOLLOW_UP as FOLLOW_UP
from claywork.measures.instrument_types import RISK_SCREEN as RISK_SCREEN
from claywork.measures.instrument_types import ROUTINE as ROUTINE
from claywork.measures.instrument_types import SUM as SUM
from claywork.measures.instrument_types import AnswerOption as AnswerOption
from claywork.measures.instrument_types import Band as Band
from claywork.measures.instrument_types import Condition as Condition
from claywork.measures.instrument_types import Instrument as Instrument
from claywork.measures.instrument_types import InstrumentError as InstrumentError
from claywork.measures.instrument_types import InvalidAnswer as InvalidAnswer
from claywork.measures.instrument_types import Item as Item
from claywork.measures.instrument_types import ProvisionalPattern as ProvisionalPattern
from claywork.measures.instrument_types import RiskLevel as RiskLevel
from claywork.measures.instrument_types import Score as Score
from claywork.measures.instrument_types import Subscale as Subscale
from claywork.measures.instrument_types import SubscaleScore as SubscaleScore

SHIPPED_DIR = Path(__file__).parent / "instruments"


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
