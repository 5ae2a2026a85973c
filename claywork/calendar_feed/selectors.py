from __future__ import annotations

from django.db.models import QuerySet

from claywork.accounts.models import User
from claywork.calendar_feed.feed import ChosenReminders
from claywork.calendar_feed.models import CalendarToken
from claywork.care.models import Session, SessionStatus
from claywork.reminders.models import ReminderPreferences, Routine

# Cancelled sessions are left out of the feed (see feed.py for why).
FEED_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED)


def sessions_for_calendar(*, patient: User) -> QuerySet[Session]:
    """One query, only the columns the feed uses: never a sealed text column."""
    return (
        Session.objects.filter(patient=patient, status__in=FEED_STATUSES)
        .only(
            "pk", "patient_id", "status", "scheduled_at", "started_at", "completed_at", "updated_at"
        )
        .order_by("scheduled_at", "pk")
    )


def live_calendar_token(*, patient: User) -> CalendarToken | None:
    return CalendarToken.objects.filter(patient=patient, revoked_at__isnull=True).first()


def chosen_reminders_for_calendar(*, patient: User) -> ChosenReminders:
    """Two queries; routines without their goal or practice, so no name is ever loaded."""
    return ChosenReminders(
        preferences=ReminderPreferences.objects.filter(patient=patient).first(),
        routines=list(Routine.objects.filter(patient=patient).order_by("pk")),
    )
