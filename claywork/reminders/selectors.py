from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from claywork.accounts.models import User
from claywork.reminders.models import Reminder, State


def upcoming_reminders(*, patient: User, now: datetime, until: datetime) -> QuerySet[Reminder]:
    """What will be sent to the patient, and when, in order."""
    return Reminder.objects.filter(
        patient=patient,
        state__in=[State.PENDING, State.SENDING],
        due_at__lt=until,
        useful_until__gt=now,
    ).order_by("due_at", "pk")
