"""``claywork export fhir|csv --patient EMAIL``: a patient's scores, written to stdout."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claywork.accounts.models import Role, User
from claywork.measures import export


class Command(BaseCommand):
    help = (
        "Write a patient's scores to stdout: 'fhir' for a FHIR R4 Bundle (JSON), 'csv' for the "
        "spreadsheet export. Completed scales and check-in numbers only; never journal text."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("format", choices=["fhir", "csv"])
        parser.add_argument("--patient", required=True, metavar="EMAIL", help="the patient's email")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["patient"].strip()
        person = User.objects.filter(email__iexact=email, role=Role.PATIENT).first()
        if person is None:
            raise CommandError(f"no patient has the e-mail address {email!r}")
        if options["format"] == "fhir":
            bundle = export.fhir_bundle(person)
            self.stdout.write(json.dumps(bundle, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(export.scores_csv(person), ending="")
