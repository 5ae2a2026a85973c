"""The crisis screen's semantic layer: a static sentence embedding and two logistic heads.

Rules (``screening.py``) catch the phrasings written into the lexicon; this layer catches
the ones nobody wrote down. Each sentence (a long one in overlapping windows) becomes the
mean of its WordPiece tokens' rows in a static table distilled from all-MiniLM-L6-v2
(``scripts/screening_distil.py``), and two logistic regressions score it:

- ``risk``: any at-risk statement (ideation, plan, self-harm, hopelessness, burden, ...);
- ``crisis``: the categories that alert the care team now (ideation, plan, means, intent,
  preparation, attempt, self-harm, risk to or from someone else).

Since the fifth round of issue 11 a third head, ``categories`` (``CategoryHead``), is a
multinomial logistic regression over the corpus's 23 categories (13 at risk, 10 kinds of
hard negative) on the same features: it learns what tells "past ideation" or "everyday
complaint" from the at-risk categories that share their words. Its probabilities summed over
the at-risk categories (over the crisis categories) are averaged with the ``risk``
(``crisis``) head, with the weight ``mix`` written in ``heads.json``; its weights are in
``categories.npz``.

The files are in ``data/semantic/``: ``tokenizer.json`` (the model's own), the table
``static_table.npz`` (float16), ``heads.json`` (weights over the embedding and the
thresholds chosen on the dev split by ``scripts/screening_train.py`` and
``scripts/screening_calibrate.py``) and ``word_weights.npz`` (the heads' weights over hashed
words and word pairs, which carry what an average loses: "used to", "not", "movie", "as
prescribed"; and over hashed character 3- to 5-grams, which carry misspellings and slang).
numpy and ``tokenizers`` only (the hashing is ours, ``hashed_grams``): no transformer, no
scikit-learn at run time, no download, the same input always gives the same scores. Loaded
once per process (``load``, called by ``SafetyConfig.ready``); when it cannot load,
``status()`` says why and the rules screen alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data" / "semantic"
# Sentences are read together up to this many tokens; a sentence longer than this is scored
# in overlapping windows, so one risky clause is not averaged away in a paragraph written
# without full stops.
WINDOW_TOKENS = 64
WINDOW_STRIDE = 32
_SURROGATE = re.compile("[\ud800-\udfff]")
# A word said three or more times running ("word word word ...", "the the the"): its copies
# after the first. The hashed grams' scale stands in for an L2 norm only when no gram
# repeats, so a long run of one word would weigh as if it were many different words and
# saturate the heads (decision 0003, limits). Blanked, not removed, so offsets still hold.
_REPEATED_WORD = re.compile(r"\b(\w+)((?:\W+\1\b){2,})", re.IGNORECASE)


def _one_of_each_run(text: str) -> str:
    """``text`` with the repeats of a word said three or more times running blanked out
    (spaces of the same length)."""
    return _REPEATED_WORD.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)


@dataclass(frozen=True)
class Head:
    weights: np.ndarray  # over the static embedding
    bias: float
    word_weights: np.ndarray | None = None  # over the hashed word n-grams (WORD_FEATURES)
    char_weights: np.ndarray | None = None  # over the hashed character n-grams (CHAR_FEATURES)

    def probability(
        self, features: np.ndarray, words: Grams | None = None, chars: Grams | None = None
    ) -> np.ndarray:
        logits = features @ self.weights + self.bias
        if self.word_weights is not None and words is not None:
            logits = logits + _dot(words, self.word_weights, len(logits))
        if self.char_weights is not None and chars is not None:
            logits = logits + _dot(chars, self.char_weights, len(logits))
        logits = np.clip(logits, -30.0, 30.0)
        return 1.0 / (1.0 + np.exp(-logits))


@dataclass(frozen=True)
class CategoryHead:
    """A multinomial head over the corpus's categories (decision 0003, fifth round)."""

    weights: np.ndarray  # (dimensions, categories) over the static embedding
    bias: np.ndarray  # (categories,)
    word_weights: np.ndarray  # (WORD_FEATURES, categories), float16
    char_weights: np.ndarray  # (CHAR_FEATURES, categories), float16
    at_risk: np.ndarray  # (categories,) bool: summed into the risk score
    crisis: np.ndarray  # (categories,) bool: summed into the crisis score
    mix: float  # the weight of this head's scores against the binary heads'

    def probabilities(self, features: np.ndarray, words: Grams, chars: Grams) -> np.ndarray:
        logits = features @ self.weights + self.bias
        logits = logits + _dot_many(words, self.word_weights, len(logits))
        logits = logits + _dot_many(chars, self.char_weights, len(logits))
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def blended(
        self, risk: np.ndarray, crisis: np.ndarray, probabilities: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The binary heads' scores averaged with this head's at-risk and crisis sums."""
        mine_risk = probabilities[:, self.at_risk].sum(axis=1)
        mine_crisis = probabilities[:, self.crisis].sum(axis=1)
        keep = 1.0 - self.mix
        return keep * risk + self.mix * mine_risk, keep * crisis + self.mix * mine_crisis

    def blended_rows(
        self,
        risk: np.ndarray,
        crisis: np.ndarray,
        rows: np.ndarray,
        features: np.ndarray,
        words: Grams,
        chars: Grams,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``blended`` for the windows ``rows`` only; the others get the binary heads'
        share alone (``SemanticModel.score_spans``, ``only_deciding``)."""
        keep = 1.0 - self.mix
        out_risk, out_crisis = keep * risk, keep * crisis
        if rows.size:
            texts = risk.size
            probabilities = self.probabilities(
                features[rows], _selected(words, rows, texts), _selected(chars, rows, texts)
            )
            out_risk[rows] += self.mix * probabilities[:, self.at_risk].sum(axis=1)
            out_crisis[rows] += self.mix * probabilities[:, self.crisis].sum(axis=1)
        return out_risk, out_crisis


# Words and word pairs, hashed (no vocabulary to ship): they carry what a static average
# loses, such as "used to", "not", "movie", "as prescribed".
WORD_FEATURES = 2**18
# Character 3- to 5-grams, hashed into a second block of the same size: they carry
# misspellings and slang the word block never saw ("sucidal", "kil myself", "unalive").
CHAR_FEATURES = 2**18
CHAR_NGRAMS = (3, 4, 5)
_NON_WORD = re.compile(r"[^\w'\x01]+")  # \x01 joins texts (see _codes)


Grams = tuple[np.ndarray, np.ndarray, np.ndarray]  # text index, bucket, per-text scale
# Written into heads.json by the training script: weights learnt over another hashing would
# score nonsense, so a model whose heads.json names another is refused at load.
FEATURES = "hashed_grams v1: words and word pairs, character 3-5-grams, 2**18 buckets each"
_PRIME = np.uint64(1_000_003)
_PRIME_INVERSE = np.uint64(pow(1_000_003, -1, 2**64))


def _mixed(values: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (MurmurHash3's): nearby inputs land in unrelated buckets."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    return values ^ (values >> np.uint64(33))


def _codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The texts lowercased, each run of non-word characters made one space, padded with a
    space at each end and joined by \\x01: code points, and per position the number of
    separators before it (the text it belongs to)."""
    joined = _NON_WORD.sub(" ", "\x01".join(text.replace("\x01", " ") for text in texts).lower())
    joined = " " + joined.replace("\x01", " \x01 ") + " "
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    separators = np.zeros(codes.size + 1, dtype=np.int64)
    np.cumsum(codes == 1, out=separators[1:])
    return codes, separators


def _scaled(texts: list[str], row: np.ndarray, column: np.ndarray, size: int) -> Grams:
    totals = np.bincount(row, minlength=len(texts)).astype(np.float32)
    bucket = (column & np.uint64(size - 1)).astype(np.int64)
    return row, bucket, 1.0 / np.sqrt(np.maximum(totals, 1.0))


def hashed_grams(texts: list[str]) -> tuple[Grams, Grams]:
    """Hashed words and word pairs, and hashed character 3- to 5-grams, of each text.

    Each is (text index, bucket) per gram and per text the scale 1 / sqrt(its number of
    grams), which stands in for an L2 norm (they agree when no gram repeats) and needs no
    sort. Plain numpy over the code points (rolling and prefix hashes): deterministic, and a
    10,000-character entry costs a few milliseconds, where scikit-learn's hashing
    vectorisers take tens. Character n-grams run across words ("o die")."""
    codes, separators = _codes(texts)
    # Words: maximal runs of characters other than the space and the separator.
    inside = (codes != 32) & (codes != 1)
    edges = np.diff(np.concatenate([[False], inside, [False]]).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    powers = np.cumprod(np.full(codes.size + 1, _PRIME, dtype=np.uint64))
    powers = np.concatenate([[np.uint64(1)], powers[:-1]])
    inverse = np.cumprod(np.full(codes.size + 1, _PRIME_INVERSE, dtype=np.uint64))
    inverse = np.concatenate([[np.uint64(1)], inverse[:-1]])
    prefix = np.zeros(codes.size + 1, dtype=np.uint64)
    np.cumsum(codes * powers[:-1], out=prefix[1:])
    word = (prefix[ends] - prefix[starts]) * inverse[starts]  # the same word, the same hash
    word_row = separators[starts]
    same_text = word_row[1:] == word_row[:-1]
    pair = word[:-1][same_text] * np.uint64(0x9E3779B97F4A7C15) + word[1:][same_text]
    words = _scaled(
        texts,
        np.concatenate([word_row, word_row[:-1][same_text]]),
        _mixed(np.concatenate([word ^ np.uint64(0x5BD1E995), pair ^ np.uint64(0xC2B2AE35)])),
        WORD_FEATURES,
    )
    rows, columns = [], []
    for n in CHAR_NGRAMS:
        count = codes.size - n + 1
        if count <= 0:
            continue
        hashed = (prefix[n : n + count] - prefix[:count]) * inverse[:count] + np.uint64(n)
        fits = separators[n : n + count] == separators[:count]  # no separator inside
        rows.append(separators[:count][fits])
        columns.append(_mixed(hashed[fits]))
    chars = _scaled(
        texts,
        np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
        np.concatenate(columns) if columns else np.zeros(0, dtype=np.uint64),
        CHAR_FEATURES,
    )
    return words, chars


def as_matrix(grams: Grams, texts: int, size: int) -> Any:
    """Grams as a scipy sparse matrix (for training)."""
    from scipy import sparse

    row, column, scale = grams
    return sparse.csr_matrix((scale[row], (row, column)), shape=(texts, size), dtype=np.float32)


def _dot(grams: Grams, weights: np.ndarray, texts: int) -> np.ndarray:
    row, column, scale = grams
    return np.bincount(row, weights=weights[column], minlength=texts) * scale


def _dot_many(grams: Grams, weights: np.ndarray, texts: int) -> np.ndarray:
    """``_dot`` for a head of several outputs: (texts, outputs). ``hashed_grams`` lists a
    block's grams in a few runs sorted by text, so the gathered weights are summed per run of
    one text in one ``reduceat`` (a bincount per output was three to four times slower)."""
    row, column, scale = grams
    out = np.zeros((texts, weights.shape[1]), dtype=np.float32)
    if row.size == 0:
        return out
    starts = np.flatnonzero(np.concatenate([[True], row[1:] != row[:-1]]))
    sums = np.add.reduceat(weights[column], starts, axis=0, dtype=np.float32)
    np.add.at(out, row[starts], sums)
    return out * scale[:, None]


def load_categories(path: Path, spec: dict[str, Any], dimensions: int) -> CategoryHead:
    """The category head from ``categories.npz`` and ``heads.json``'s ``categories``."""
    names = list(spec["names"])
    with np.load(path, allow_pickle=False) as archive:
        count = len(names)
        words = np.zeros((WORD_FEATURES, count), dtype=np.float16)
        words[archive["word_index"]] = archive["word_value"]
        chars = np.zeros((CHAR_FEATURES, count), dtype=np.float16)
        chars[archive["char_index"]] = archive["char_value"]
        weights = np.asarray(archive["weights"], dtype=np.float32)
        bias = np.asarray(archive["bias"], dtype=np.float32)
    if weights.shape != (dimensions, count) or bias.shape != (count,):
        raise ValueError("category head shape")
    return CategoryHead(
        weights=weights,
        bias=bias,
        word_weights=words,
        char_weights=chars,
        at_risk=np.asarray([name in spec["at_risk"] for name in names]),
        crisis=np.asarray([name in spec["crisis"] for name in names]),
        mix=float(spec["mix"]),
    )


@dataclass(frozen=True)
class Thresholds:
    crisis: float  # crisis head at or above: level "crisis"
    concern: float  # risk head at or above (and not crisis): level "concern"
    cleared: float  # a sentence the rules cleared (idiom, negation, past) needs this much
    # A sentence the risk head already flags is told at level crisis from this crisis-head
    # score (lower than ``crisis``, which flags alone): it changes which alarm a flagged
    # sentence raises, never whether one is raised. 1.01, never, for a heads.json without it.
    crisis_when_flagged: float = 1.01
    # A sentence the rules cleared (past, quote, question ...) is told at level concern from
    # this risk-head score: ``cleared`` reads the crisis head only, which stays low on the
    # concern kinds (hopelessness, no future, burden), so without it such a sentence the
    # rules cleared could never be flagged. 1.01, never, for a heads.json without it.
    cleared_concern: float = 1.01
    # A sentence the rules flag, that carries a cue that it may not be the writer now (a
    # past, a reported question, quote marks, a safety plan, a joking shape:
    # ``screening._veto_cue``), is set aside when every window of the model over it scores
    # below this on both heads. Never a rule hit without a cue. 0.0, never, by default and
    # for a heads.json without it (stop 28, eleventh round).
    rule_veto: float = 0.0
    # The same for a rule hit without a cue (stop 30, thirteenth round: the model retrained on
    # the lexicon's explicit phrases said now): set aside when every window over it scores
    # below this on both heads, unless the sentence ties itself to now, insists, is answered
    # yes or hides its answer (``screening._veto_cue``). 0.0, never, by default.
    rule_veto_bare: float = 0.0


# A text of many sentences gives an ordinary sentence many chances to score high by luck: past
# this many scored windows the thresholds rise so that a long entry is about as likely to be
# flagged by chance as a short one (scripts/screening_calibrate.py, decision 0003).
SHORT_TEXT_WINDOWS = 3


def _raised(base: float, tail: np.ndarray, windows: int) -> float:
    """The threshold at which one of ``windows`` ordinary windows passes about as often as one
    of ``SHORT_TEXT_WINDOWS`` passes ``base``; ``tail`` holds ordinary windows' scores, sorted."""
    if windows <= SHORT_TEXT_WINDOWS or tail.size == 0:
        return base
    passing = tail.size - int(np.searchsorted(tail, base, side="left"))
    if passing == 0:
        return base
    keep = passing * SHORT_TEXT_WINDOWS / windows  # how many of the tail may still pass
    index = min(tail.size - 1, max(0, int(np.ceil(tail.size - keep))))
    return max(base, float(tail[index]))


@dataclass(frozen=True)
class SegmentScore:
    start: int  # character offsets of the scored segment in the text given
    end: int
    risk: float
    crisis: float
    # The veto model's score, max(risk, crisis) (thirteenth round), when asked for and the
    # model has one; else -1.
    veto: float = -1.0


class SemanticModel:
    def __init__(
        self,
        *,
        tokenizer: Any,
        table: np.ndarray,
        heads: dict[str, Head],
        thresholds: Thresholds,
        categories: CategoryHead | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.table = table
        self.heads = heads
        self.categories = categories
        self.thresholds = thresholds
        self.dimensions = table.shape[1]
        # Scores of ordinary (label 0) training windows, sorted: for limits_for().
        self.ordinary_risk = np.zeros(0, dtype=np.float32)
        self.ordinary_crisis = np.zeros(0, dtype=np.float32)
        # A second set of heads on the same table, read only to set aside a rule hit without
        # a cue (``Thresholds.rule_veto_bare``; the ``veto_*`` files; thirteenth round).
        self.veto_model: SemanticModel | None = None

    def _deciding(self, risk: np.ndarray, crisis: np.ndarray) -> np.ndarray:
        """The windows whose blended scores could reach this text's thresholds."""
        head = self.categories
        if head is None or head.mix >= 1.0:
            return np.arange(risk.size)
        limits = self.limits_for(risk.size)
        keep = 1.0 - head.mix
        margin = 1e-6  # a category head's probabilities may sum to a hair above 1
        risk_needs = (limits.concern - head.mix) / keep - margin
        crisis_needs = (min(limits.crisis, limits.cleared) - head.mix) / keep - margin
        return np.flatnonzero((risk >= risk_needs) | (crisis >= crisis_needs))

    def limits_for(self, windows: int) -> Thresholds:
        """The thresholds for a text of this many scored windows (raised for long texts)."""
        base = self.thresholds
        return Thresholds(
            crisis=_raised(base.crisis, self.ordinary_crisis, windows),
            concern=_raised(base.concern, self.ordinary_risk, windows),
            cleared=base.cleared,
            crisis_when_flagged=base.crisis_when_flagged,
            cleared_concern=max(
                base.cleared_concern, _raised(base.concern, self.ordinary_risk, windows)
            ),
            rule_veto=base.rule_veto,
            rule_veto_bare=base.rule_veto_bare,
        )

    @classmethod
    def from_directory(cls, directory: Path = DATA) -> SemanticModel:
        """Raises ``ModelUnavailable`` naming the file at fault."""
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from tokenizers import Tokenizer
        except ImportError as error:
            raise ModelUnavailable("the tokenizers package is not installed") from error
        table_path = directory / "static_table.npz"
        heads_path = directory / "heads.json"
        words_path = directory / "word_weights.npz"
        tokenizer_path = directory / "tokenizer.json"
        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as error:
            raise ModelUnavailable(f"{tokenizer_path.name} unreadable ({error})") from error
        tokenizer.no_truncation()
        tokenizer.no_padding()
        try:
            table_bytes = table_path.read_bytes()
            heads_text = heads_path.read_text(encoding="utf-8")
        except OSError as error:
            raise ModelUnavailable(
                f"{Path(str(error.filename)).name} missing or unreadable"
            ) from error
        try:
            spec = json.loads(heads_text)
        except ValueError as error:
            raise ModelUnavailable(f"{heads_path.name} is not valid JSON ({error})") from error
        if spec.get("features") != FEATURES:
            raise ModelUnavailable(f"{heads_path.name} was trained on other features")
        digest = hashlib.sha256(table_bytes).hexdigest()
        if spec.get("table_sha256") != digest:
            raise ModelUnavailable(f"{table_path.name} does not match heads.json (sha256)")
        try:
            with np.load(table_path, allow_pickle=False) as archive:
                table = np.asarray(archive["table"], dtype=np.float16)
            heads = _read_heads(words_path, spec)
            thresholds = Thresholds(**{k: float(v) for k, v in spec["thresholds"].items()})
        except FileNotFoundError as error:
            raise ModelUnavailable(f"{words_path.name} missing or unreadable") from error
        except Exception as error:
            raise ModelUnavailable(f"model files unreadable ({type(error).__name__})") from error
        categories = None
        if "categories" in spec:
            categories_path = directory / "categories.npz"
            try:
                categories = load_categories(categories_path, spec["categories"], table.shape[1])
            except FileNotFoundError as error:
                raise ModelUnavailable(f"{categories_path.name} missing or unreadable") from error
            except Exception as error:
                raise ModelUnavailable(
                    f"{categories_path.name} unreadable ({type(error).__name__})"
                ) from error
        if table.shape[0] != tokenizer.get_vocab_size() or any(
            head.weights.shape != (table.shape[1],) for head in heads.values()
        ):
            raise ModelUnavailable("table, tokenizer and heads disagree in shape")
        model = cls(
            tokenizer=tokenizer,
            table=table,
            heads=heads,
            thresholds=thresholds,
            categories=categories,
        )
        ordinary = spec.get("ordinary_windows", {})
        try:
            model.ordinary_risk = np.sort(np.asarray(ordinary.get("risk", []), dtype=np.float32))
            model.ordinary_crisis = np.sort(
                np.asarray(ordinary.get("crisis", []), dtype=np.float32)
            )
        except (TypeError, ValueError) as error:
            raise ModelUnavailable(f"{heads_path.name}: ordinary_windows unreadable") from error
        if (directory / f"{VETO_PREFIX}heads.json").exists():
            model.veto_model = _veto_model(directory, model, digest)
        return model

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised vector per text (the mean of its tokens' rows); zeros if none."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for index, encoding in enumerate(
            self.tokenizer.encode_batch(texts, add_special_tokens=False)
        ):
            if encoding.ids:
                out[index] = self.table[encoding.ids].astype(np.float32).mean(axis=0)
        return _normalised(out)

    def score_spans(
        self,
        text: str,
        spans: list[tuple[int, int]],
        *,
        only_deciding: bool = False,
        veto: bool = False,
    ) -> list[SegmentScore]:
        """Scores for the given sentence spans of ``text`` (lowercased, a chunk of a few
        thousand characters): one per sentence, or per window of a long one.

        With ``only_deciding`` (the screen itself), the category head reads only the windows
        whose binary scores could still reach one of this text's thresholds
        (``limits_for``) with the head's whole weight; the others keep the binary heads'
        share, ``(1 - mix)`` times their score, which stays below every threshold either
        way. The verdict is the same, and a long ordinary entry, whose thresholds are
        raised, costs little more than without the head. ``--explain`` and calibration
        read every window. With ``veto`` (the rule veto), each score also holds the veto
        head's, when the model has one."""
        if not spans or not text.strip():
            return []
        # A lone surrogate cannot be encoded: a space of the same length keeps the offsets.
        text = _one_of_each_run(_SURROGATE.sub(" ", text))
        encoding = self.tokenizer.encode(text, add_special_tokens=False)
        if not encoding.ids:
            return []
        ids = np.asarray(encoding.ids, dtype=np.int64)
        token_starts = np.asarray([offset[0] for offset in encoding.offsets], dtype=np.int64)
        span_starts = np.asarray([start for start, _ in spans], dtype=np.int64)
        span_ends = np.asarray([end for _, end in spans], dtype=np.int64)
        first = np.searchsorted(token_starts, span_starts, side="left")
        last = np.searchsorted(token_starts, span_ends, side="left")
        # Pieces of at most WINDOW_STRIDE tokens, a sentence in one or more pieces. A segment
        # starts at each sentence and takes the sentences after it while they fit in
        # WINDOW_TOKENS (a sentence is read with its neighbours: "I couldn't find myself.
        # Then I laughed and came back."); a longer sentence is read in windows of two
        # pieces. Sums come from one reduceat and a cumulative sum over the pieces.
        pieces: list[tuple[int, int]] = []
        sentences: list[tuple[int, int]] = []  # piece ranges
        for begin, end in zip(first.tolist(), last.tolist(), strict=True):
            if end > begin:
                own = len(pieces)
                pieces.extend(
                    (cut, min(cut + WINDOW_STRIDE, end)) for cut in range(begin, end, WINDOW_STRIDE)
                )
                sentences.append((own, len(pieces)))
        if not pieces:
            return []
        ranges: list[tuple[int, int]] = []
        for index, (own, after) in enumerate(sentences):
            if after - own > 2:  # a long sentence: overlapping windows of two pieces
                ranges.extend((piece, piece + 2) for piece in range(own, after - 1))
                continue
            reach = index
            while (
                reach + 1 < len(sentences)
                and pieces[sentences[reach + 1][1] - 1][1] - pieces[own][0] <= WINDOW_TOKENS
            ):
                reach += 1
            ranges.append((own, sentences[reach][1]))
        cuts = sorted({edge for piece in pieces for edge in piece if edge < len(ids)})
        position = {cut: index for index, cut in enumerate(cuts)}
        totals = np.add.reduceat(self.table[ids], cuts, axis=0, dtype=np.float32)
        running = np.zeros((len(pieces) + 1, self.dimensions), dtype=np.float32)
        np.cumsum(totals[[position[begin] for begin, _ in pieces]], axis=0, out=running[1:])
        low = np.asarray([a for a, _ in ranges])
        high = np.asarray([b for _, b in ranges])
        sums = running[high] - running[low]
        counts = np.asarray(
            [sum(pieces[k][1] - pieces[k][0] for k in range(a, b)) for a, b in ranges]
        )
        segments = [(pieces[a][0], pieces[b - 1][1]) for a, b in ranges]
        features = _normalised(sums / np.maximum(counts, 1)[:, None])
        offsets = encoding.offsets
        texts = [text[offsets[b][0] : offsets[e - 1][1]] for b, e in segments]
        words, chars = hashed_grams(texts)
        risk, crisis = self.head_scores(features, words, chars, only_deciding=only_deciding)
        vetoes = np.full(len(segments), -1.0)
        if veto and self.veto_model is not None:
            vetoes = np.maximum(*self.veto_model.head_scores(features, words, chars))
        return [
            SegmentScore(
                start=offsets[begin][0],
                end=offsets[end - 1][1],
                risk=float(risk[index]),
                crisis=float(crisis[index]),
                veto=float(vetoes[index]),
            )
            for index, (begin, end) in enumerate(segments)
        ]

    def head_scores(
        self, features: np.ndarray, words: Grams, chars: Grams, *, only_deciding: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Risk and crisis per window, the category head blended in (see ``score_spans``)."""
        risk = self.heads["risk"].probability(features, words, chars)
        crisis = self.heads["crisis"].probability(features, words, chars)
        if self.categories is not None:
            rows = self._deciding(risk, crisis) if only_deciding else None
            if rows is None or rows.size == risk.size:
                probabilities = self.categories.probabilities(features, words, chars)
                risk, crisis = self.categories.blended(risk, crisis, probabilities)
            else:
                risk, crisis = self.categories.blended_rows(
                    risk, crisis, rows, features, words, chars
                )
        return risk, crisis


def _read_heads(words_path: Path, spec: dict[str, Any]) -> dict[str, Head]:
    """The risk and crisis heads: embedding weights from heads.json, hashed-gram weights
    from ``words_path``."""
    heads = {}
    with np.load(words_path, allow_pickle=False) as words:
        for name in ("risk", "crisis"):
            word_weights = np.zeros(WORD_FEATURES, dtype=np.float32)
            word_weights[words[f"{name}_index"]] = words[f"{name}_value"]
            char_weights = None
            if f"{name}_char_index" in words:
                char_weights = np.zeros(CHAR_FEATURES, dtype=np.float32)
                char_weights[words[f"{name}_char_index"]] = words[f"{name}_char_value"]
            heads[name] = Head(
                weights=np.asarray(spec["heads"][name]["weights"], dtype=np.float32),
                bias=float(spec["heads"][name]["bias"]),
                word_weights=word_weights,
                char_weights=char_weights,
            )
    return heads


# The veto model's files beside the model's: veto_heads.json, veto_word_weights.npz,
# veto_categories.npz (thirteenth round; made by screening_train.py --prefix veto_).
VETO_PREFIX = "veto_"


def _veto_model(directory: Path, model: SemanticModel, digest: str) -> SemanticModel | None:
    """The veto model, on the model's table and tokenizer; None, logged, if it cannot be
    read: then no rule hit without a cue is set aside (the rules stand), nothing else
    changes."""
    try:
        spec = json.loads((directory / f"{VETO_PREFIX}heads.json").read_text(encoding="utf-8"))
        if spec.get("features") != FEATURES or spec.get("table_sha256") != digest:
            raise ValueError("trained on other features or another table")
        heads = _read_heads(directory / f"{VETO_PREFIX}word_weights.npz", spec)
        categories = None
        if "categories" in spec:
            categories = load_categories(
                directory / f"{VETO_PREFIX}categories.npz",
                spec["categories"],
                model.dimensions,
            )
        if any(head.weights.shape != (model.dimensions,) for head in heads.values()):
            raise ValueError("heads disagree with the table in shape")
    except Exception as error:
        logger.error("crisis screening veto model unavailable (%s); rule hits stand", error)
        return None
    return SemanticModel(
        tokenizer=model.tokenizer,
        table=model.table,
        heads=heads,
        thresholds=model.thresholds,
        categories=categories,
    )


def _selected(grams: Grams, rows: np.ndarray, texts: int) -> Grams:
    """The grams of the texts ``rows`` (sorted), renumbered 0, 1, ... in that order."""
    row, column, scale = grams
    renumbered = np.full(texts, -1, dtype=np.int64)
    renumbered[rows] = np.arange(rows.size)
    mapped = renumbered[row]
    kept = mapped >= 0
    return mapped[kept], column[kept], scale[rows]


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-6)


class ModelUnavailable(Exception):
    """The semantic layer cannot run: the message names the problem (never patient text)."""


_lock = threading.Lock()
_model: SemanticModel | None = None
_problem: str | None = "not loaded yet"


def load(directory: Path = DATA) -> SemanticModel | None:
    """Load the model once for this process (start-up); log loudly if it cannot."""
    global _model, _problem
    with _lock:
        if _model is not None or _problem != "not loaded yet":
            return _model
        try:
            loaded = SemanticModel.from_directory(directory)
            # Warm it (the hashing's imports, the first allocation) here, not in a request.
            loaded.score_spans("warm up", [(0, 7)])
            _model, _problem = loaded, None
        except ModelUnavailable as error:
            _problem = str(error)
            logger.error(
                "crisis screening model unavailable: %s; screening with rules only", _problem
            )
        return _model


def reload(directory: Path = DATA) -> SemanticModel | None:
    """Forget the loaded model and load again (tests, and an operator after a fix)."""
    global _model, _problem
    with _lock:
        _model, _problem = None, "not loaded yet"
    return load(directory)


def model() -> SemanticModel | None:
    """The process's model: loaded at start-up; loaded here only if start-up did not."""
    if _model is None and _problem == "not loaded yet":
        return load()
    return _model


def status() -> dict[str, Any]:
    """For ``/healthz`` and the staff banner: ``ok``, or ``rules only`` with the reason."""
    model()
    if _model is not None:
        return {"screening_model": "ok"}
    return {"screening_model": "rules only", "screening_model_problem": _problem}
