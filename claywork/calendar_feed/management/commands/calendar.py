"""``claywork calendar --patient EMAIL``: the patient's ICS feed, written to stdout."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claywork.accounts.models import Role, User
from claywork.calendar_feed.feed import patient_feed_ics
from claywork.calendar_feed.selectors import chosen_reminders_for_calendar, sessions_for_calendar


class Command(BaseCommand):
    help = (
        "Write a patient's calendar feed (iCalendar) to stdout: the same events as their "
        "private feed URL, with no health details. Needs no calendar link."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--patient", required=True, metavar="EMAIL", help="the patient's email")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["patient"].strip()
        patient = User.objects.filter(email__iexact=email, role=Role.PATIENT).first()
        if patient is None:
            raise CommandError(f"no patient has the e-mail address {email!r}")
        ics = patient_feed_ics(
            patient=patient,
            sessions=sessions_for_calendar(patient=patient),
            chosen=chosen_reminders_for_calendar(patient=patient),
        )
        self.stdout.write(ics.decode(), ending="")
