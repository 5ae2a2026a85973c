"""Drop training lines that copy or nearly copy a line of an evaluation file.

    .venv/bin/python scripts/screening_dedupe.py CANDIDATE.tsv --against EVAL.tsv [...] \
        --out KEPT.tsv [--threshold 0.6]

Writers of training and evaluation files are often the same kind of writer, so a training
file can hold a sentence that an evaluation file holds too, or nearly; training on it would
flatter the evaluation. A candidate line is dropped when, against any line of the `--against`
files, its word 5-shingles or its character 4-grams overlap above the threshold (the share of
the smaller set's items found in the other). Only counts are printed, never a line: the
evaluation files may be unseen sets that nobody tuning may read.

`--measure larger` divides by the larger set instead: a short check-in line ("cut again last
night") is then not a copy of every long passage that happens to hold its words, only of a
line of about its own length (decision 0003, stop 34).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

_WORD = re.compile(r"[\w']+")


def _text(line: str) -> str:
    columns = line.rstrip("\r\n").split("\t")
    text = columns[1] if len(columns) > 1 else columns[0]
    return " ".join(_WORD.findall(text.lower()))


def _word_shingles(text: str, size: int = 5) -> set[str]:
    words = text.split()
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def _char_grams(text: str, size: int = 4) -> set[str]:
    return {text[i : i + size] for i in range(max(len(text) - size + 1, 0))}


def _overlap(first: set[str], second: set[str], pick: Callable[[int, int], int] = min) -> float:
    size = pick(len(first), len(second))
    return len(first & second) / size if size else 0.0


class Reference:
    """The evaluation lines, indexed by their items so a candidate meets only its neighbours."""

    def __init__(self, texts: list[str], pick: Callable[[int, int], int] = min) -> None:
        self.pick = pick
        self.shingles = [_word_shingles(text) for text in texts]
        self.grams = [_char_grams(text) for text in texts]
        self.by_gram: dict[str, list[int]] = defaultdict(list)
        for index, grams in enumerate(self.grams):
            for gram in grams:
                self.by_gram[gram].append(index)

    def copies(self, text: str, threshold: float) -> bool:
        shingles, grams = _word_shingles(text), _char_grams(text)
        shared: dict[int, int] = defaultdict(int)
        for gram in grams:
            for index in self.by_gram.get(gram, ()):
                shared[index] += 1
        for index, count in shared.items():
            if count / max(self.pick(len(grams), len(self.grams[index])), 1) <= threshold:
                continue  # the character grams alone rule this one out
            if _overlap(grams, self.grams[index], self.pick) > threshold:
                return True
            if _overlap(shingles, self.shingles[index], self.pick) > threshold:
                return True
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("candidate", type=Path)
    parser.add_argument("--against", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--measure", choices=("smaller", "larger"), default="smaller")
    args = parser.parse_args(argv)

    reference_texts: list[str] = []
    for path in args.against:
        lines = path.read_text(encoding="utf-8").splitlines()
        reference_texts.extend(_text(line) for line in lines if line.strip())
    reference = Reference(reference_texts, min if args.measure == "smaller" else max)

    kept: list[str] = []
    seen: set[str] = set()
    dropped_copy = dropped_repeat = 0
    for line in args.candidate.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        text = _text(line)
        if text in seen:
            dropped_repeat += 1
        elif reference.copies(text, args.threshold):
            dropped_copy += 1
        else:
            kept.append(line)
        seen.add(text)
    args.out.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    print(
        f"kept {len(kept)}; dropped {dropped_copy} near copies of the {len(reference_texts)} "
        f"reference lines and {dropped_repeat} repeats within the candidate",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
