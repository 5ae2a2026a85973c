"""The crisis screen's semantic layer: a static sentence embedding and two logistic heads.

Rules (``screening.py``) catch the phrasings written into the lexicon; this layer catches
the ones nobody wrote down. Each sentence (a long one in overlapping windows) becomes the
mean of its WordPiece tokens' rows in a static table distilled from all-MiniLM-L6-v2
(``scripts/screening_distil.py``), and two logistic regressions score it:

- ``risk``: any at-risk statement (ideation, plan, self-harm, hopelessness, burden, ...);
- ``crisis``: the categories that alert the care team now (ideation, plan, means, intent,
  preparation, attempt, self-harm, risk to or from someone else).

The files are in ``data/semantic/``: ``tokenizer.json`` (the model's own), the table
``static_table.npz`` (float16) and ``heads.json`` (weights and the thresholds chosen on the
dev split by ``scripts/screening_train.py``). numpy and ``tokenizers`` only: no transformer,
no download, the same input always gives the same scores. Loaded once per process
(``load``, called by ``SafetyConfig.ready``); when it cannot load, ``status()`` says why and
the rules screen alone.
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
# A sentence longer than this is scored in overlapping windows of tokens, so one risky
# clause is not averaged away in a paragraph written without full stops.
WINDOW_TOKENS = 48
WINDOW_STRIDE = 24
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Head:
    weights: np.ndarray
    bias: float

    def probability(self, features: np.ndarray) -> np.ndarray:
        logits = np.clip(features @ self.weights + self.bias, -30.0, 30.0)
        return 1.0 / (1.0 + np.exp(-logits))


@dataclass(frozen=True)
class Thresholds:
    crisis: float  # crisis head at or above: level "crisis"
    concern: float  # risk head at or above (and not crisis): level "concern"
    cleared: float  # a sentence the rules cleared (idiom, negation, past) needs this much


@dataclass(frozen=True)
class SegmentScore:
    start: int  # character offsets of the scored segment in the text given
    end: int
    risk: float
    crisis: float


class SemanticModel:
    def __init__(
        self, *, tokenizer: Any, table: np.ndarray, heads: dict[str, Head], thresholds: Thresholds
    ) -> None:
        self.tokenizer = tokenizer
        self.table = table
        self.heads = heads
        self.thresholds = thresholds
        self.dimensions = table.shape[1]

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
        digest = hashlib.sha256(table_bytes).hexdigest()
        if spec.get("table_sha256") != digest:
            raise ModelUnavailable(f"{table_path.name} does not match heads.json (sha256)")
        try:
            with np.load(table_path, allow_pickle=False) as archive:
                table = np.asarray(archive["table"], dtype=np.float16)
            heads = {
                name: Head(
                    weights=np.asarray(spec["heads"][name]["weights"], dtype=np.float32),
                    bias=float(spec["heads"][name]["bias"]),
                )
                for name in ("risk", "crisis")
            }
            thresholds = Thresholds(**{k: float(v) for k, v in spec["thresholds"].items()})
        except Exception as error:
            raise ModelUnavailable(f"model files unreadable ({type(error).__name__})") from error
        if table.shape[0] != tokenizer.get_vocab_size() or any(
            head.weights.shape != (table.shape[1],) for head in heads.values()
        ):
            raise ModelUnavailable("table, tokenizer and heads disagree in shape")
        return cls(tokenizer=tokenizer, table=table, heads=heads, thresholds=thresholds)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised vector per text (the mean of its tokens' rows); zeros if none."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for index, encoding in enumerate(
            self.tokenizer.encode_batch(texts, add_special_tokens=False)
        ):
            if encoding.ids:
                out[index] = self.table[encoding.ids].astype(np.float32).mean(axis=0)
        return _normalised(out)

    def score_spans(self, text: str, spans: list[tuple[int, int]]) -> list[SegmentScore]:
        """Scores for the given sentence spans of ``text`` (lowercased, a chunk of a few
        thousand characters): one per sentence, or per window of a long one."""
        if not spans or not text.strip():
            return []
        # A lone surrogate cannot be encoded: a space of the same length keeps the offsets.
        encoding = self.tokenizer.encode(_SURROGATE.sub(" ", text), add_special_tokens=False)
        if not encoding.ids:
            return []
        ids = np.asarray(encoding.ids, dtype=np.int64)
        token_starts = np.asarray([offset[0] for offset in encoding.offsets], dtype=np.int64)
        span_starts = np.asarray([start for start, _ in spans], dtype=np.int64)
        span_ends = np.asarray([end for _, end in spans], dtype=np.int64)
        first = np.searchsorted(token_starts, span_starts, side="left")
        last = np.searchsorted(token_starts, span_ends, side="left")
        # Pieces of at most WINDOW_STRIDE tokens; a segment is one or two pieces in a row of
        # the same sentence (a window of up to WINDOW_TOKENS): sums from one reduceat.
        pieces: list[tuple[int, int]] = []
        pairs: list[tuple[int, int]] = []  # piece indices of a segment; -1 for none
        for begin, end in zip(first.tolist(), last.tolist(), strict=True):
            if end <= begin:
                continue
            own = len(pieces)
            pieces.extend(
                (cut, min(cut + WINDOW_STRIDE, end)) for cut in range(begin, end, WINDOW_STRIDE)
            )
            count = len(pieces) - own
            if count <= 2:
                pairs.append((own, own + 1 if count == 2 else -1))
            else:
                pairs.extend((own + k, own + k + 1) for k in range(count - 1))
        if not pieces:
            return []
        cuts = sorted({edge for piece in pieces for edge in piece if edge < len(ids)})
        position = {cut: index for index, cut in enumerate(cuts)}
        totals = np.add.reduceat(self.table[ids], cuts, axis=0, dtype=np.float32)
        piece_sums = totals[[position[begin] for begin, _ in pieces]]
        piece_sums = np.vstack([piece_sums, np.zeros((1, self.dimensions), np.float32)])
        one = np.asarray([a for a, _ in pairs])
        two = np.asarray([b for _, b in pairs])
        sums = piece_sums[one] + piece_sums[two]  # -1 is the row of zeros
        segments = [(pieces[a][0], pieces[b][1] if b >= 0 else pieces[a][1]) for a, b in pairs]
        begins = np.asarray([begin for begin, _ in segments])
        ends = np.asarray([end for _, end in segments])
        features = _normalised(sums / (ends - begins)[:, None])
        risk = self.heads["risk"].probability(features)
        crisis = self.heads["crisis"].probability(features)
        offsets = encoding.offsets
        return [
            SegmentScore(
                start=offsets[begin][0],
                end=offsets[end - 1][1],
                risk=float(risk[index]),
                crisis=float(crisis[index]),
            )
            for index, (begin, end) in enumerate(segments)
        ]


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
            _model = SemanticModel.from_directory(directory)
            _problem = None
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
