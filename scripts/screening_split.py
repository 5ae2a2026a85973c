"""Split a corpus file once into a part to train on and a stratified slice never tuned on.

    .venv/bin/python scripts/screening_split.py claywork/safety/data/corpus/blind_fresh.tsv \\
        --train claywork/safety/data/corpus/fresh_folded.tsv \\
        --held-out claywork/safety/data/corpus/held_out_fresh.tsv

Per (label, category) the lines are shuffled with a fixed seed and ``--share`` (default 0.3,
rounded) of them set aside; both outputs keep the input's line order. The same input, share
and seed always give the same split (decision 0003, third round of issue 11).
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path


def split(lines: list[str], share: float, seed: int) -> tuple[list[str], list[str]]:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        columns = line.split("\t")
        groups[(columns[0], columns[2] if len(columns) > 2 else "")].append(index)
    generator = random.Random(seed)  # noqa: S311 - a reproducible split, not a secret
    held: set[int] = set()
    for key in sorted(groups):
        members = groups[key][:]
        generator.shuffle(members)
        held.update(members[: round(len(members) * share)])
    kept = [line for index, line in enumerate(lines) if index not in held]
    return kept, [line for index, line in enumerate(lines) if index in held]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--held-out", type=Path, required=True)
    parser.add_argument("--share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=20261203)
    options = parser.parse_args()
    text = options.source.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    kept, held = split(lines, options.share, options.seed)
    options.train.write_text("\n".join(kept) + "\n", encoding="utf-8")
    options.held_out.write_text("\n".join(held) + "\n", encoding="utf-8")
    print(f"{len(kept)} lines to train on, {len(held)} held out")


if __name__ == "__main__":
    main()
