from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from claywork.accounts.models import User
from claywork.reminders.models import Reminder, Routine, State


def upcoming_reminders(*, patient: User, now: datetime, until: datetime) -> QuerySet[Reminder]:
    """What will be sent to the patient, and when, in order."""
    return Reminder.objects.filter(
        patient=patient,
        state__in=[State.PENDING, State.SENDING],
        due_at__lt=until,
        useful_until__gt=now,
    ).order_by("due_at", "pk")


def routines_by_goal(*, patient_id: int) -> dict[int, Routine]:
    """The patient's goal reminders, by goal: one query for a whole page of goals."""
    routines = Routine.objects.filter(patient_id=patient_id, goal__isnull=False)
    return {routine.goal_id: routine for routine in routines if routine.goal_id is not None}


def routines_by_practice(*, patient_id: int) -> dict[int, Routine]:
    routines = Routine.objects.filter(patient_id=patient_id, practice__isnull=False)
    return {routine.practice_id: routine for routine in routines if routine.practice_id is not None}
