"""The shape of an instrument definition: its items, answers, bands, levels and subscales.

Plain frozen dataclasses, read from the JSON files by ``definitions.py`` and used through
``instruments.py`` (registry, scoring). No Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SUM, RISK_SCREEN = "sum", "risk_screen"
METHODS = (SUM, RISK_SCREEN)
# A follow-up instrument is never listed or scheduled: Claywork offers it after a triggering
# answer (see ``claywork/measures/follow_up.py``).
ROUTINE, FOLLOW_UP = "routine", "follow_up"
ADMINISTRATIONS = (ROUTINE, FOLLOW_UP)
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
