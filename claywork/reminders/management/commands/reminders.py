from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from claywork.accounts.models import User
from claywork.reminders.models import Reminder
from claywork.reminders.selectors import upcoming_reminders

SPAN = re.compile(r"^(\d{1,3})([dh])$")


def parse_span(raw: str) -> timedelta:
    match = SPAN.match(raw.strip())
    if not match:
        raise CommandError(f"--next takes a span such as 7d or 12h, not {raw!r}")
    amount, unit = int(match[1]), match[2]
    return timedelta(days=amount) if unit == "d" else timedelta(hours=amount)


def _about(reminder: Reminder) -> str:
    """ "goal #12", "practice #7", "scale phq9": a key, never the patient's words."""
    kind, rest = reminder.subject.split(":", 1)
    if kind == "scale":
        return f"scale {rest.split(':', 1)[0]}"
    return f"{kind} #{rest}"


class Command(BaseCommand):
    help = "List the reminders that will be sent to a patient, and when (UTC and their zone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patient", required=True, help="the patient's e-mail address")
        parser.add_argument("--next", default="7d", help="how far ahead, e.g. 7d or 12h")

    def handle(self, *args: Any, **options: Any) -> None:
        span = parse_span(options["next"])
        patient = User.objects.filter(email=options["patient"].strip().lower()).first()
        if patient is None:
            raise CommandError(f"no one signs in as {options['patient']}")
        now = timezone.now()
        zone = patient.zone
        rows = upcoming_reminders(patient=patient, now=now, until=now + span)
        self.stdout.write(f"due (UTC)          due ({zone.key})  kind  about")
        count = 0
        for reminder in rows:
            local = reminder.due_at.astimezone(zone)
            self.stdout.write(
                f"{reminder.due_at:%Y-%m-%d %H:%M}Z  {local:%Y-%m-%d %H:%M %Z}  {reminder.kind}"
                + (f"  {_about(reminder)}" if reminder.subject else "")
            )
            count += 1
        self.stdout.write(f"{count} reminder(s) in the next {options['next']}")
