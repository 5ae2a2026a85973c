"""Reminders to the patient: an outbox of rows due at UTC instants, the patient's preferences,
in-app notifications, and the single-use links that open one reflection form."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    SESSION_UPCOMING = "session_upcoming", "The day before a session"
    WINDOW_OPENS = "window_opens", "When the integration window opens"
    WINDOW_CLOSING = "window_closing", "Before the integration window closes"
    FOLLOW_UP = "follow_up", "Follow-up reflections (days 3, 7, 14)"
    CHECK_IN = "check_in", "Daily check-in"


# Kinds whose link opens the reflection form of one session.
REFLECTION_KINDS = frozenset({Kind.WINDOW_OPENS, Kind.WINDOW_CLOSING, Kind.FOLLOW_UP})


class State(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    # Past its usefulness before a worker got to it (the worker was stopped, say).
    SKIPPED = "skipped", "Skipped"


class Reminder(models.Model):
    """One reminder to one patient at one instant: the outbox row the sweep claims and sends."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    due_at = models.DateTimeField()
    # After this the reminder is no use any more (the window has closed, the day is over).
    useful_until = models.DateTimeField()
    session = models.ForeignKey(
        "care.Session", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Which sender's claim holds the row (a fresh random value per claim).
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "due_at"], name="one_reminder_per_kind_and_time"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.patient_id} at {self.due_at:%Y-%m-%d %H:%M}Z"


class ReminderPreferences(models.Model):
    """What the patient wants to be reminded of, and when not to be disturbed. Times are
    wall-clock times in the patient's own zone (``User.timezone``)."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preferences"
    )
    check_in_time = models.TimeField(null=True, blank=True)
    quiet_start = models.TimeField(null=True, blank=True, default=time(22, 0))
    quiet_end = models.TimeField(null=True, blank=True, default=time(7, 0))
    session_upcoming = models.BooleanField(default=True)
    window_opens = models.BooleanField(default=True)
    window_closing = models.BooleanField(default=True)
    follow_up = models.BooleanField(default=True)
    check_in = models.BooleanField(default=True)
    # Daily check-ins are planned up to this local date; the sweep tops them up.
    check_ins_planned_until = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reminder preferences of {self.patient_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))


class Notification(models.Model):
    """The in-app copy of a sent reminder: one per reminder."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    reminder = models.OneToOneField(Reminder, on_delete=models.CASCADE, related_name="notice")
    title = models.CharField(max_length=200)
    path = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ReminderLink(models.Model):
    """A single-use, short-lived, revocable link that opens one reflection form without a full
    sign-in. Only the SHA-256 of the token is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="links")
    session = models.ForeignKey("care.Session", on_delete=models.CASCADE, related_name="+")
    prompt = models.ForeignKey(
        "journal.Prompt", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"reminder link {self.pk}"
