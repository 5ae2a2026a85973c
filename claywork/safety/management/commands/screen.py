"""``claywork screen``: the crisis-language detector on stdin, one JSON verdict per line.

    printf 'I want to die\\nthis traffic is killing me\\n' | claywork screen
    {"flag": true, "level": "crisis", "reason": "suicidal ideation, first person, present", ...}
    {"flag": false, "level": "none", "reason": "idiom", "matched": "killing me"}

The same ``screen_text`` the app runs when an entry, check-in note or intention is saved, so a
clinic can audit it on its own examples. Line N of the output answers line N of the input,
blank lines included. Nothing is stored or logged.

``--explain`` adds what decided each verdict (the rules' verdict, each sentence's model
scores, the thresholds). ``--rules-only`` screens without the model, for comparison.
``--evaluate FILE.tsv`` reads ``label<TAB>text[<TAB>category[<TAB>...]]`` lines (label 1 at
risk, 0 not; more columns are ignored) and prints recall, precision, the false-alarm rate on
the label-0 lines, and both per category; with ``--explain`` it also lists every missed
at-risk line and every false alarm, with its line number and reason.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claywork.safety import semantic
from claywork.safety.evaluation import evaluate_file
from claywork.safety.screening import explain_text, screen_text


class Command(BaseCommand):
    help = (
        "Screen text for crisis language: read stdin, one item per line, and write one JSON "
        'object per line: {"flag": true|false, "level": "crisis"|"concern"|"none", '
        '"reason": "...", "matched": "..."}. Or audit the detector with --evaluate FILE.tsv.'
    )
    # A filter over text: it reads no settings that need checking and never the database.
    requires_system_checks: list[str] = []  # type: ignore[assignment]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--explain",
            action="store_true",
            help="add the rules' verdict and model scores (with --evaluate: list the misses"
            " and false alarms)",
        )
        parser.add_argument(
            "--rules-only", action="store_true", help="screen with the rules alone (no model)"
        )
        parser.add_argument(
            "--evaluate",
            metavar="FILE.tsv",
            type=Path,
            help="label<TAB>text[<TAB>category]: print recall, precision, false alarms",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rules_only = bool(options["rules_only"])
        if not rules_only and semantic.model() is None:
            self.stderr.write(
                f"screening model unavailable ({semantic.status()['screening_model_problem']}):"
                " rules only"
            )
        if options["evaluate"] is not None:
            try:
                report = evaluate_file(
                    options["evaluate"], rules_only=rules_only, mistakes=options["explain"]
                )
            except OSError as error:
                raise CommandError(f"cannot read {options['evaluate']}: {error}") from error
            self.stdout.write(report)
            return
        for line in _lines(sys.stdin):
            text = line.rstrip("\r\n")
            result = screen_text(text, rules_only=rules_only)
            verdict: dict[str, Any] = {
                "flag": result.flag,
                "level": result.level,
                "reason": result.reason,
                "matched": result.matched,
            }
            if options["explain"]:
                verdict["explain"] = explain_text(text)
            self.stdout.write(json.dumps(verdict, ensure_ascii=False))
            self.stdout.flush()


def _lines(stdin: Any) -> Iterable[str]:
    """Lines of stdin; bytes that are not UTF-8 are replaced, never a reason to stop."""
    binary = getattr(stdin, "buffer", None)
    if binary is None:  # already text (a test's StringIO)
        return iter(stdin)
    return io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
