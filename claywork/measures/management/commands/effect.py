"""``claywork effect --file COHORT.json``: is the effect holding, for every patient of a file.

The same rules as the app (``measures.effect.evaluate``, the settings' thresholds), without a
database. One JSON line per patient on stdout, in the file's order:
``{"id", "episodes": [{"start", "rule", "detail", "tier", "alerted_on"}], "benefit":
{"course": {...}, "sessions": [...]}}`` (tier: ``early_warning``, shown only, or ``alert``,
raised to the care team since ``alerted_on``), or ``{"id", "error"}`` for a patient whose
data cannot be read; each problem is also written to stderr with the patient and the
field. Exits 1 when any patient had an error (every other one is still printed). The
format: ``claywork/measures/cohort_file.py``.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claywork.measures.cohort_file import CohortError, read_cohort
from claywork.measures.effect import EffectParams


class Command(BaseCommand):
    help = (
        "Judge a cohort file with the app's effect rules (no database): one JSON line per "
        'patient, {"id", "episodes", "benefit"}. An estimate for the care team, never advice.'
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--file", metavar="COHORT.json", type=Path, required=True, help="a JSON list"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            patients = read_cohort(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from error
        except (CohortError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: {error}") from error
        params = EffectParams.from_settings()
        failed = 0
        for patient in patients:
            for problem in patient.errors:
                self.stderr.write(f'patient "{patient.id}": {problem}')
            for note in patient.warnings:
                self.stderr.write(f'patient "{patient.id}": {note}')
            failed += bool(patient.errors)
            self.stdout.write(json.dumps(patient.result(params), ensure_ascii=False))
        if failed:
            self.stderr.write(f"{failed} of {len(patients)} patients could not be evaluated")
            sys.exit(1)
