"""Every line's verdict, and what a rules change moved (decision 0003, twelfth round).

    # before the change (in a clean tree), after it, then the difference:
    PYTHONPATH=. .venv/bin/python scripts/screening_verdicts.py dump --out before.tsv [FILES]
    PYTHONPATH=. .venv/bin/python scripts/screening_verdicts.py dump --out after.tsv [FILES]
    .venv/bin/python scripts/screening_verdicts.py diff before.tsv after.tsv

``dump`` screens every labelled line of the files named (default: every file of
``claywork/safety/data/corpus/``, the regression set ``screening_eval.jsonl`` and the safety
probe ``tests/data/veto_probe.tsv``) with ``screening.screen_text`` and writes one row per
line: file, line number, label, category, style, flag, level, the layer that decided (rule,
model, or - when not flagged), the reason (60 characters) and the text (300 characters).

``diff`` prints, per file, at-risk lines gained and lost, false alarms removed and added and
crisis-level at-risk lines dropped to concern, then every line that moved. It exits 1 when an
at-risk line lost its flag or a crisis-level at-risk line dropped to concern (the keep-rule
every rules change is held to). The rows hold the corpus's text: keep the outputs out of git.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "claywork" / "safety" / "data" / "corpus"
DEFAULT_EXTRA = (
    ROOT / "claywork" / "safety" / "data" / "screening_eval.jsonl",
    ROOT / "tests" / "data" / "veto_probe.tsv",
)
FIELDS = ("file", "line", "label", "category", "style", "flag", "level", "source", "reason")


def _lines(path: Path):
    """(line number, label, text, category, style) of each labelled line."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if path.suffix == ".jsonl":
                if not line.strip():
                    continue
                item = json.loads(line)
                yield number, str(item["label"]), item["text"], item.get("note", ""), ""
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or parts[0] not in ("0", "1"):
                continue
            category = parts[2] if len(parts) > 2 else ""
            style = parts[3] if len(parts) > 3 else ""
            yield number, parts[0], parts[1], category, style


def dump(paths: list[Path], out) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claywork.settings")
    os.environ.setdefault("CLAYWORK_DEMO", "1")
    import django

    django.setup()
    from claywork.safety.screening import MODEL_REASON, screen_text

    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow((*FIELDS, "text"))
    for path in paths:
        for number, label, text, category, style in _lines(path):
            verdict = screen_text(text)
            if not verdict.flag:
                source = "-"
            elif verdict.reason.startswith(MODEL_REASON):
                source = "model"
            else:
                source = "rule"
            writer.writerow(
                (
                    path.name,
                    number,
                    label,
                    category,
                    style,
                    int(verdict.flag),
                    verdict.level,
                    source,
                    verdict.reason[:60],
                    " ".join(text.split())[:300],
                )
            )


def _read(path: str) -> dict[tuple[str, str], dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return {(row["file"], row["line"]): row for row in csv.DictReader(handle, delimiter="\t")}


# (label, flag before, flag after) -> what moved; a flag kept with its level changed is told apart.
_MOVES = {
    ("1", "0", "1"): "at-risk gained",
    ("1", "1", "0"): "AT-RISK LOST",
    ("0", "1", "0"): "false alarm removed",
    ("0", "0", "1"): "false alarm added",
}


def _change(old: dict[str, str], new: dict[str, str]) -> str:
    move = _MOVES.get((old["label"], old["flag"], new["flag"]))
    if move:
        return move
    if old["label"] == "1" and (old["level"], new["level"]) == ("crisis", "concern"):
        return "AT-RISK CRISIS -> CONCERN"
    kind = "at-risk" if old["label"] == "1" else "harmless"
    return f"{kind} level {old['level']} -> {new['level']}"


def diff(before_path: str, after_path: str, out) -> int:
    before, after = _read(before_path), _read(after_path)
    counts: dict[str, Counter[str]] = {}
    moved: list[str] = []
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            continue
        tally = counts.setdefault(key[0], Counter())
        tally["lines"] += 1
        if old["flag"] == new["flag"] and old["level"] == new["level"]:
            continue
        change = _change(old, new)
        tally[change] += 1
        moved.append(
            f"{change}\t{key[0]}:{key[1]}\t{old['source']}/{old['reason']} -> "
            f"{new['source']}/{new['reason']}\t{new['text']}"
        )
    columns = (
        "at-risk gained",
        "AT-RISK LOST",
        "AT-RISK CRISIS -> CONCERN",
        "false alarm removed",
        "false alarm added",
    )
    print("file\tlines\t" + "\t".join(columns), file=out)
    total: Counter[str] = Counter()
    for name in sorted(counts):
        total.update(counts[name])
        if any(counts[name][column] for column in columns):
            print(
                name + "\t" + "\t".join(str(counts[name][c]) for c in ("lines", *columns)), file=out
            )
    print("TOTAL\t" + "\t".join(str(total[c]) for c in ("lines", *columns)), file=out)
    print(file=out)
    for line in sorted(moved):
        print(line, file=out)
    return 1 if total["AT-RISK LOST"] or total["AT-RISK CRISIS -> CONCERN"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump")
    dumping.add_argument("files", nargs="*", type=Path)
    dumping.add_argument("--out", required=True)
    diffing = commands.add_parser("diff")
    diffing.add_argument("before")
    diffing.add_argument("after")
    args = parser.parse_args(argv)
    if args.command == "diff":
        return diff(args.before, args.after, sys.stdout)
    paths = args.files or [*sorted(CORPUS.glob("*.tsv")), *DEFAULT_EXTRA]
    with open(args.out, "w", encoding="utf-8") as out:
        dump(paths, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
