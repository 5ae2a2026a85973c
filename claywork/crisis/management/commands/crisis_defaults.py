"""``claywork crisis-defaults``: show or replace the deployment's default crisis resources.

The defaults are what anonymous visitors and clinics without their own list see on /help/.
There is no admin site: a deployment outside the United States loads its own list from a JSON
file (the format ``--show`` prints), checked row by row as the clinic admin's page checks it.
"""

from __future__ import annotations

import dataclasses
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from claywork.crisis.models import CrisisResource
from claywork.crisis.services import ResourceContent, crisis_resources_replace

_FIELDS = [field.name for field in dataclasses.fields(ResourceContent)]


def _content(number: int, raw: object) -> ResourceContent:
    if not isinstance(raw, dict) or set(raw) - set(_FIELDS) or not raw.get("name"):
        raise CommandError(f"service {number}: an object with a name and only {_FIELDS}")
    content = ResourceContent(**raw)
    row = CrisisResource(**dataclasses.asdict(content))
    try:
        row.full_clean(exclude=["clinic"])
    except ValidationError as error:
        raise CommandError(f"service {number} ({content.name}): {error.messages}") from error
    return content


class Command(BaseCommand):
    help = "Print the default crisis resources as JSON, or replace them with --load FILE."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--load", type=Path, help="a JSON list of services, in order")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["load"] is None:
            rows = CrisisResource.objects.filter(clinic__isnull=True).values(*_FIELDS)
            self.stdout.write(json.dumps(list(rows), indent=2))
            return
        try:
            raw = json.loads(options["load"].read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {options['load']}: {error}") from error
        if not isinstance(raw, list):
            raise CommandError("the file must hold a JSON list of services")
        resources = [_content(number, item) for number, item in enumerate(raw, start=1)]
        try:
            saved = crisis_resources_replace(clinic=None, resources=resources)
        except (ValueError, IntegrityError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"The default list now holds {len(saved)} services.")
