"""Audit the crisis screen on labelled sentences: ``claywork screen --evaluate FILE.tsv``.

A line is ``label<TAB>text[<TAB>category[<TAB>group]]``: label 1 is at risk, 0 is not;
lines whose first column is not 0 or 1 (a header, a comment) are skipped. The report says
how many at-risk lines were flagged (recall, overall and per category), how many flags were
right (precision), and how many label-0 lines were flagged (the false-alarm rate, overall
and per category). A flag is either level; crisis-level recall is shown beside it. Then
which layer flagged (the rules or the model: a clinic tuning its lexicon wants to know
whose false alarms they are) and, when lines carry a fourth column (a style, a source, a
ward), recall and false alarms per value of it. The skipped lines are named by number, and
``report(mistakes=True)`` (``claywork screen --evaluate FILE.tsv --explain``) lists every
missed at-risk line and every false alarm with its line number and the verdict's reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from claywork.safety.screening import CRISIS, MODEL_REASON, screen_text

# How many skipped line numbers the report names before "...".
_SKIPPED_SHOWN = 10


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
    # Per value of the fourth column: (at-risk tally, label-0 tally).
    groups: dict[str, tuple[Tally, Tally]] = field(
        default_factory=lambda: defaultdict(lambda: (Tally(), Tally()))
    )
    # Flags by layer: label -> {"rules": n, "model": n}.
    layers: dict[int, dict[str, int]] = field(
        default_factory=lambda: {1: {"rules": 0, "model": 0}, 0: {"rules": 0, "model": 0}}
    )
    skipped: list[int] = field(default_factory=list)  # line numbers, from 1
    # (line number, label, level, reason, text) of each miss and false alarm.
    mistakes: list[tuple[int, int, str, str, str]] = field(default_factory=list)

    def add(
        self, label: int, category: str, level: str, *, group: str = "", layer: str = ""
    ) -> None:
        tallies = [(self.positives if label == 1 else self.negatives)[category or "(none)"]]
        if group:
            tallies.append(self.groups[group][0 if label == 1 else 1])
        for tally in tallies:
            tally.total += 1
            tally.flagged += level != "none"
            tally.crisis += level == CRISIS
        if level != "none" and layer:
            self.layers[label][layer] += 1

    def summed(self, tallies: dict[str, Tally]) -> Tally:
        return Tally(
            total=sum(t.total for t in tallies.values()),
            flagged=sum(t.flagged for t in tallies.values()),
            crisis=sum(t.crisis for t in tallies.values()),
        )

    def report(self, *, mistakes: bool = False) -> str:
        positive, negative = self.summed(self.positives), self.summed(self.negatives)
        flagged = positive.flagged + negative.flagged
        precision = positive.flagged / flagged if flagged else 0.0
        lines = [
            f"lines: {positive.total} at risk (label 1), {negative.total} not (label 0)"
            + self._skipped_note(),
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
        hits, alarms = self.layers[1], self.layers[0]
        lines.append(
            f"flagged by the rules / the model: at risk {hits['rules']} / {hits['model']}; "
            f"false alarms {alarms['rules']} / {alarms['model']}"
        )
        if self.groups:
            lines.append("per fourth column: recall (label 1); false-alarm rate (label 0):")
            for name, (risk, safe) in sorted(self.groups.items()):
                lines.append(
                    f"  {name}: {risk.share():.3f} ({risk.flagged}/{risk.total}); "
                    f"{safe.share():.3f} ({safe.flagged}/{safe.total})"
                )
        if mistakes:
            lines.extend(self._mistake_lines())
        return "\n".join(lines)

    def _skipped_note(self) -> str:
        if not self.skipped:
            return ""
        shown = ", ".join(str(number) for number in self.skipped[:_SKIPPED_SHOWN])
        more = ", ..." if len(self.skipped) > _SKIPPED_SHOWN else ""
        word = "line" if len(self.skipped) == 1 else "lines"
        return (
            f", {len(self.skipped)} skipped ({word} {shown}{more}: the first column is not"
            " 0 or 1, or there is no text after a tab)"
        )

    def _mistake_lines(self) -> list[str]:
        missed = [m for m in self.mistakes if m[1] == 1]
        alarms = [m for m in self.mistakes if m[1] == 0]
        lines = ["", f"missed (label 1, not flagged): {len(missed)}"]
        lines += [f"  line {n}: {reason} | {text}" for n, _, _, reason, text in missed]
        lines.append(f"false alarms (label 0, flagged): {len(alarms)}")
        lines += [f"  line {n}: {level}, {reason} | {text}" for n, _, level, reason, text in alarms]
        return lines


def evaluate_lines(lines: list[str], *, rules_only: bool = False) -> Evaluation:
    evaluation = Evaluation()
    for number, line in enumerate(lines, start=1):
        columns = line.rstrip("\r\n").split("\t")
        if len(columns) < 2 or columns[0].strip() not in ("0", "1"):
            if line.strip():
                evaluation.skipped.append(number)
            continue
        label = int(columns[0])
        category = columns[2].strip() if len(columns) > 2 else ""
        group = columns[3].strip() if len(columns) > 3 else ""
        result = screen_text(columns[1], rules_only=rules_only)
        layer = "model" if result.reason.startswith(MODEL_REASON) else "rules"
        evaluation.add(label, category, result.level, group=group, layer=layer)
        if result.flag != (label == 1):
            evaluation.mistakes.append((number, label, result.level, result.reason, columns[1]))
    return evaluation


def evaluate_file(path: Path, *, rules_only: bool = False, mistakes: bool = False) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return evaluate_lines(text.splitlines(), rules_only=rules_only).report(mistakes=mistakes)
