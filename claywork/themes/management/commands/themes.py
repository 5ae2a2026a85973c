"""``claywork themes``: a patient's themes (``--patient EMAIL``) or the themes of any corpus
file (``--file PATH.jsonl``, no database), printed as JSON or as short text."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claywork.themes import pipeline
from claywork.themes.report import CorpusFileError, rendered, themes_of_file


class Command(BaseCommand):
    help = (
        "Print themes (label, key phrases, sessions, entry ids). --patient EMAIL analyses a "
        "patient's journal, intentions and completed sessions' guide notes (logged in the "
        "patient's access log); --file PATH.jsonl analyses lines of "
        '{"id", "date", "session", "text"} without a database. An estimate, never advice.'
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--patient", metavar="EMAIL", help="a patient's e-mail address")
        source.add_argument("--file", metavar="PATH", type=Path, help="a JSON-lines corpus")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--engine",
            choices=["classic", "embeddings"],
            help="the analysis (default: CLAYWORK_THEMES_ENGINE, else classic)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        engine = options["engine"]
        if engine == "embeddings" and not pipeline.embeddings_available():
            raise CommandError(
                "the embeddings engine needs the extra: pip install 'claywork[embeddings]'"
            )
        if options["file"] is not None:
            result = self._from_file(options["file"], engine or "classic")
        else:
            result = self._from_patient(options["patient"], engine)
        for line in rendered(result, as_json=options["json"]):
            self.stdout.write(line)

    def _from_file(self, path: Path, engine: pipeline.Engine) -> pipeline.ThemeResult:
        try:
            return themes_of_file(path, engine)
        except CorpusFileError as error:
            raise CommandError(str(error)) from error

    def _from_patient(self, email: str, engine: pipeline.Engine | None) -> pipeline.ThemeResult:
        from claywork.accounts.models import Role, User
        from claywork.audit.services import audit_record
        from claywork.themes.selectors import patient_inputs
        from claywork.themes.services import configured_engine

        patient = User.objects.filter(email__iexact=email.strip(), role=Role.PATIENT).first()
        if patient is None:
            raise CommandError(f"no patient has the e-mail address {email.strip()!r}")
        # Logged before anything is printed: no export without its audit event.
        audit_record(
            actor=None,
            patient=patient,
            action="export",
            resource="themes.patient",
            route="command:themes",
        )
        inputs = patient_inputs(patient)
        return pipeline.discover_themes(
            inputs.documents, engine=engine or configured_engine(), sessions=inputs.session_keys
        )
