"""Scoring discovered themes against a labelled corpus (``tests/data/themes``).

A planted theme is found when a discovered theme's key phrases share at least
``MIN_SHARED_WORDS`` (stemmed) words with the planted theme's marker words; planted and
discovered themes are paired one to one, best overlap first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from claywork.themes.pipeline import Theme, phrase_words, stem

MIN_SHARED_WORDS = 2
MIN_PURITY = 0.75


@dataclass(frozen=True)
class Score:
    planted: int
    found: int
    # Of the discovered themes marked recurring, how many are planted themes.
    recurring: int
    recurring_planted: int
    # Entries: of the entries carrying a found planted theme, how many its theme lists (recall),
    # and of the entries the theme lists, how many carry it (precision).
    entry_recall: float
    entry_precision: float
    distractor_recurring: int  # discovered themes made only of a one-off event, yet recurring

    @property
    def theme_recall(self) -> float:
        return self.found / self.planted if self.planted else 0.0


def shared_words(theme: Theme, markers: Sequence[str]) -> int:
    return len(phrase_words(theme.key_phrases) & {stem(marker) for marker in markers})


def pair_planted(themes: Sequence[Theme], planted: dict[str, Sequence[str]]) -> dict[str, int]:
    """{planted theme name: index of the discovered theme it was found as}."""
    pairs = sorted(
        (
            (shared_words(theme, markers), name, index)
            for name, markers in planted.items()
            for index, theme in enumerate(themes)
        ),
        reverse=True,
    )
    found: dict[str, int] = {}
    taken: set[int] = set()
    for shared, name, index in pairs:
        if shared < MIN_SHARED_WORDS:
            break
        if name not in found and index not in taken:
            found[name] = index
            taken.add(index)
    return found


def score(
    themes: Sequence[Theme],
    *,
    planted: dict[str, Sequence[str]],
    distractors: dict[str, Sequence[str]],
    truth: dict[str, set[str]],
) -> Score:
    """``truth`` maps each planted theme to the ids of the entries it was planted in."""
    found = pair_planted(themes, planted)
    hits = carried = listed = 0
    for name, index in found.items():
        listed_ids = set(themes[index].document_keys)
        hits += len(listed_ids & truth[name])
        carried += len(truth[name])
        listed += len(listed_ids)
    distractor_only = [
        theme
        for index, theme in enumerate(themes)
        if index not in found.values()
        and any(
            shared_words(theme, markers) >= MIN_SHARED_WORDS for markers in distractors.values()
        )
    ]
    return Score(
        planted=len(planted),
        found=len(found),
        recurring=sum(theme.recurring for theme in themes),
        recurring_planted=sum(themes[index].recurring for index in found.values()),
        entry_recall=hits / carried if carried else 0.0,
        entry_precision=hits / listed if listed else 0.0,
        distractor_recurring=sum(theme.recurring for theme in distractor_only),
    )


@dataclass(frozen=True)
class PlantedScore:
    """How one planted theme came out: as how many discovered themes (fragments), and how
    many of its entries the best of them lists (coverage)."""

    name: str
    entries: int
    fragments: int
    coverage: float
    recurring: bool  # the best fragment is marked recurring


@dataclass(frozen=True)
class FragmentScore:
    planted: list[PlantedScore]
    themes: int
    spurious_recurring: int  # recurring themes that are mostly no planted theme

    @property
    def recovered(self) -> int:
        return sum(score.fragments > 0 for score in self.planted)


def fragment_score(
    themes: Sequence[Theme], truth: dict[str, set[str]], *, min_purity: float = MIN_PURITY
) -> FragmentScore:
    """Scored by entries alone (no marker words): a discovered theme is a *fragment* of the
    planted theme most of its entries carry (at least ``min_purity`` of them); a recurring
    theme that is a fragment of none (filler, a one-off event, a mixture) is spurious."""
    owner: list[str | None] = []
    for theme in themes:
        listed = set(theme.document_keys)
        best = max(truth, key=lambda name: len(listed & truth[name]), default=None)
        pure = best is not None and len(listed & truth[best]) >= min_purity * len(listed)
        owner.append(best if pure else None)
    planted = []
    for name, entries in truth.items():
        mine = [index for index, who in enumerate(owner) if who == name]
        best_index = max(
            mine, key=lambda index: len(set(themes[index].document_keys) & entries), default=None
        )
        coverage = (
            len(set(themes[best_index].document_keys) & entries) / len(entries)
            if best_index is not None and entries
            else 0.0
        )
        planted.append(
            PlantedScore(
                name=name,
                entries=len(entries),
                fragments=len(mine),
                coverage=coverage,
                recurring=best_index is not None and themes[best_index].recurring,
            )
        )
    spurious = sum(
        theme.recurring and who is None for theme, who in zip(themes, owner, strict=True)
    )
    return FragmentScore(planted=planted, themes=len(themes), spurious_recurring=spurious)
