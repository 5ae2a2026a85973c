"""``claywork create-clinic``: how a deployment gets its first clinic and clinic admin.

There is no superuser and no admin site: the first clinic admin is invited by e-mail like
everyone else, and the command prints the link too (for a server whose mail is not set up yet).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug

from claywork.clinics.services import InvitationError, clinic_create, invitation_link
from claywork.core.timezones import canonical_zone


class Command(BaseCommand):
    help = (
        "Create a clinic and invite its first clinic admin: the invitation link is e-mailed "
        "and printed. The admin sets a password and a second factor when they accept it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--name", required=True, help="the clinic's name, as patients see it")
        parser.add_argument("--slug", required=True, help="a short unique name, e.g. riverside")
        parser.add_argument("--timezone", default="America/New_York", help="an IANA zone")
        parser.add_argument("--admin-email", required=True, help="the first clinic admin")
        parser.add_argument("--admin-name", required=True, help="their full name")

    def handle(self, *args: Any, **options: Any) -> None:
        zone = canonical_zone(options["timezone"])
        if zone is None:
            raise CommandError(
                f"Unknown time zone {options['timezone']!r}: use a name such as Europe/Berlin."
            )
        try:
            validate_slug(options["slug"])
            validate_email(options["admin_email"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        try:
            clinic, invitation, token = clinic_create(
                name=options["name"].strip(),
                slug=options["slug"],
                timezone_name=zone,
                admin_email=options["admin_email"],
                admin_name=options["admin_name"].strip(),
            )
        except InvitationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Created clinic {clinic.name} ({clinic.slug}) and invited {invitation.email} as its "
            f"clinic admin. The link works once, until {invitation.expires_at:%Y-%m-%d %H:%M} "
            f"UTC:\n{invitation_link(token)}"
        )
