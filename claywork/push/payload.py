"""What a push notification says: never anything about health.

A push message passes through the browser vendor's push service and may show on a locked
screen, so it holds the same neutral words as a reminder e-mail's subject ("Your daily
check-in", "A goal you asked to be reminded of"), never a goal's words, a practice's name or a
questionnaire's name, and a link that names only the reminder's number.
"""

from __future__ import annotations

import json

from django.templatetags.static import static
from django.urls import reverse

from claywork.reminders.models import Kind, Reminder
from claywork.reminders.subjects import SUBJECTS

TITLE = "Claywork"


def push_payload(reminder: Reminder) -> dict[str, str]:
    body = SUBJECTS[Kind(reminder.kind)].removeprefix("Claywork: ")
    return {
        "title": TITLE,
        "body": body[:1].upper() + body[1:],
        "url": reverse("reminders:open", args=[reminder.pk]),
        # One notification per reminder: a repeat replaces it instead of piling up.
        "tag": f"reminder-{reminder.pk}",
        # The app's own icon (scripts/make_icons.py), the same for every reminder.
        "icon": static("claywork/icon-192.png"),
    }


def push_payload_json(reminder: Reminder) -> str:
    return json.dumps(push_payload(reminder), separators=(",", ":"))
