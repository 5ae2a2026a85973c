"""``claywork export fhir|csv --patient EMAIL``: a patient's scores, written to stdout."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claywork.accounts.models import Role, User
from claywork.audit.services import audit_record
from claywork.measures import export


class Command(BaseCommand):
    help = (
        "Write a patient's scores to stdout: 'fhir' for a FHIR R4 Bundle (JSON), 'csv' for the "
        "spreadsheet export. Completed scales and check-in numbers only; never journal text."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("format", choices=["fhir", "csv"])
        parser.add_argument("--patient", required=True, metavar="EMAIL", help="the patient's email")
        parser.add_argument(
            "--actor",
            metavar="EMAIL",
            help="who is exporting (a clinician or clinic admin), for the patient's access log; "
            "without it the export is logged as the clinic's",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["patient"].strip()
        person = User.objects.filter(email__iexact=email, role=Role.PATIENT).first()
        if person is None:
            raise CommandError(f"no patient has the e-mail address {email!r}")
        actor = self._actor(options["actor"])
        # Logged before anything is written out: no export without its audit event.
        audit_record(
            actor=actor,
            patient=person,
            action="export",
            resource="measures.scores",
            object_id=options["format"],
            route="command:export",
        )
        if options["format"] == "fhir":
            bundle = export.fhir_bundle(person)
            self.stdout.write(json.dumps(bundle, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(export.scores_csv(person), ending="")

    def _actor(self, email: str | None) -> User | None:
        if not email:
            return None
        actor = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if actor is None:
            raise CommandError(f"no active account has the e-mail address {email.strip()!r}")
        return actor
