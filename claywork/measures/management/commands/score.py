"""``claywork score INSTRUMENT ANSWER...``: score a complete set of answers, print JSON."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claywork.measures import instruments


class Command(BaseCommand):
    help = (
        "Score one complete set of answers, in item order, and print its total, severity band "
        "and safety flags as JSON. Example: claywork score phq9 0 1 2 3 0 1 2 3 0. Give - for "
        "a question the skip logic leaves out: claywork score cssrs_screen 1 0 - - - 0 -"
    )
    # A calculator: it reads instrument definitions only, never the database.
    requires_system_checks: list[str] = []  # type: ignore[assignment]

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("instrument", help="instrument code, e.g. phq9, gad7, pcl5")
        parser.add_argument(
            "answers", nargs="+", metavar="ANSWER", help="one answer per item, or - if skipped"
        )

    def handle(self, *args: Any, instrument: str, answers: list[str], **options: Any) -> None:
        try:
            installed = instruments.registry()
        except instruments.InstrumentError as error:  # a broken clinic definition file
            raise CommandError(str(error)) from None
        definition = installed.get(instrument)
        if definition is None:
            known = ", ".join(sorted(installed))
            raise CommandError(f"unknown instrument {instrument!r} (known: {known})")
        items = definition.items
        # Optional questions at the end (the PHQ-9's unscored "how difficult…") may be left off.
        fewest = max((n + 1 for n, item in enumerate(items) if item.required), default=0)
        if not fewest <= len(answers) <= len(items):
            counted = f"{fewest} to {len(items)}" if fewest < len(items) else str(len(items))
            raise CommandError(
                f"{definition.title} has {len(items)} items: give {counted} answers, "
                f"not {len(answers)}"
            )
        values: dict[str, int] = {}
        for item, raw in zip(items, answers, strict=False):
            if raw == "-":  # not asked; scoring says so if the skip logic does ask it
                continue
            try:
                values[item.link_id] = int(raw)
            except ValueError:
                raise CommandError(
                    f"item {item.link_id} of {definition.title}: {raw!r} is not a whole number"
                ) from None
        try:
            result = instruments.score(definition, values)
        except instruments.InvalidAnswer as error:
            raise CommandError(str(error)) from None
        summary = {
            "instrument": definition.code,
            "total": result.total,
            "band": result.band,
            "flags": list(result.flags),
        }
        if definition.subscales:
            summary["subscales"] = {
                score.subscale.code: score.total
                for score in instruments.subscale_scores(definition, values)
            }
        if definition.pattern is not None:
            summary["provisional_pattern"] = instruments.provisional_pattern(definition, values)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
