"""``claywork patterns --file DAYS.json|DAYS.csv``: the patterns page's rules on anyone's days.

No database. Prints one JSON object: the window, the number of check-in days, a ``notice`` when
nothing could be compared, and per practice the mood and anxiety comparisons (numbers, p-value,
clear or not), the page's sentences and what else could explain them. Problems in the file are
written to stderr with the row and the field, and the command exits 1 without judging (a
series with a hole in it would be judged wrongly). The format: ``claywork/practice/
pattern_file.py``; the rules: ``claywork/practice/patterns.py``.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claywork.practice import pattern_words, patterns
from claywork.practice.pattern_file import DaysFileError, read_days


class Command(BaseCommand):
    help = (
        "Compare the days with each practice against the days without, as the 'Patterns in my "
        "check-ins' page does (no database). Correlation, never advice."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--file", metavar="DAYS", type=Path, required=True)
        parser.add_argument(
            "--format",
            choices=("json", "csv"),
            help="the file's format (default: from its name, .csv or else JSON)",
        )
        parser.add_argument(
            "--last-session", type=date.fromisoformat, help="YYYY-MM-DD (or in the JSON file)"
        )
        parser.add_argument(
            "--today", type=date.fromisoformat, help="YYYY-MM-DD (default: the file's last day)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        csv_format = (options["format"] or path.suffix.lower().lstrip(".")) == "csv"
        try:
            days = read_days(path.read_text(encoding="utf-8-sig"), csv_format=csv_format)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from error
        except (DaysFileError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: {error}") from error
        for problem in days.errors:
            self.stderr.write(problem)
        if days.errors:
            self.stderr.write(f"{len(days.errors)} problem(s): nothing was compared")
            sys.exit(1)
        today = options["today"] or days.last_day
        if today is None:
            raise CommandError(f"{path}: no days in the file")
        first = patterns.window_start(
            today=today, last_session=options["last_session"] or days.last_session
        )
        found = patterns.find_patterns(
            days.check_ins, days.practice_days, first_day=first, last_day=today
        )
        self.stdout.write(json.dumps(as_dict(found), ensure_ascii=False, indent=1))


def as_dict(found: patterns.Patterns) -> dict[str, Any]:
    words = {described.name: described for described in pattern_words.described(found)}
    return {
        "first_day": found.first_day.isoformat(),
        "last_day": found.last_day.isoformat(),
        "check_in_days": found.check_in_days,
        "practices_judged_together": found.tested,
        "notice": found.notice or None,
        "practices": [
            {
                "name": practice.name,
                "mood": practice.mood.as_dict(),
                "anxiety": practice.anxiety.as_dict(),
                "sentences": words[practice.name].sentences,
                "other_explanations": words[practice.name].other_explanations,
            }
            for practice in found.practices
        ],
    }
