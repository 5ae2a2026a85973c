"""Audit the crisis screen on labelled sentences: ``claywork screen --evaluate FILE.tsv``.

A line is ``label<TAB>text[<TAB>category[<TAB>anything]]``: label 1 is at risk, 0 is not;
lines whose first column is not 0 or 1 (a header, a comment) are skipped. The report says
how many at-risk lines were flagged (recall, overall and per category), how many flags were
right (precision), and how many label-0 lines were flagged (the false-alarm rate, overall
and per category). A flag is either level; crisis-level recall is shown beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from claywork.safety.screening import CRISIS, screen_text


@dataclass
class Tally:
    total: int = 0
    flagged: int = 0
    crisis: int = 0

    def share(self) -> float:
        return self.flagged / self.total if self.total else 0.0


@dataclass
class Evaluation:
    positives: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    negatives: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    skipped: int = 0

    def add(self, label: int, category: str, level: str) -> None:
        tally = (self.positives if label == 1 else self.negatives)[category or "(none)"]
        tally.total += 1
        tally.flagged += level != "none"
        tally.crisis += level == CRISIS

    def summed(self, tallies: dict[str, Tally]) -> Tally:
        return Tally(
            total=sum(t.total for t in tallies.values()),
            flagged=sum(t.flagged for t in tallies.values()),
            crisis=sum(t.crisis for t in tallies.values()),
        )

    def report(self) -> str:
        positive, negative = self.summed(self.positives), self.summed(self.negatives)
        flagged = positive.flagged + negative.flagged
        precision = positive.flagged / flagged if flagged else 0.0
        lines = [
            f"lines: {positive.total} at risk (label 1), {negative.total} not (label 0)"
            + (f", {self.skipped} skipped" if self.skipped else ""),
            f"recall: {positive.share():.3f} ({positive.flagged}/{positive.total}); "
            f"at level crisis: {positive.crisis}/{positive.total}",
            f"precision: {precision:.3f} ({positive.flagged}/{flagged})",
            f"false-alarm rate on label 0: {negative.share():.3f} "
            f"({negative.flagged}/{negative.total})",
            "",
            "recall per category (label 1):",
        ]
        for name, tally in sorted(self.positives.items()):
            lines.append(
                f"  {name}: {tally.share():.3f} ({tally.flagged}/{tally.total}; "
                f"crisis {tally.crisis})"
            )
        lines.append("false-alarm rate per category (label 0):")
        for name, tally in sorted(self.negatives.items()):
            lines.append(
                f"  {name}: {tally.share():.3f} ({tally.flagged}/{tally.total}; "
                f"crisis {tally.crisis})"
            )
        return "\n".join(lines)


def evaluate_lines(lines: list[str], *, rules_only: bool = False) -> Evaluation:
    evaluation = Evaluation()
    for line in lines:
        columns = line.rstrip("\r\n").split("\t")
        if len(columns) < 2 or columns[0].strip() not in ("0", "1"):
            evaluation.skipped += bool(line.strip())
            continue
        category = columns[2].strip() if len(columns) > 2 else ""
        result = screen_text(columns[1], rules_only=rules_only)
        evaluation.add(int(columns[0]), category, result.level)
    return evaluation


def evaluate_file(path: Path, *, rules_only: bool = False) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return evaluate_lines(text.splitlines(), rules_only=rules_only).report()
