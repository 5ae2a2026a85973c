"""Reminders to the patient: an outbox of rows due at UTC instants, the patient's preferences,
in-app notifications, and the single-use links that open one reflection form."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    SESSION_UPCOMING = "session_upcoming", "The day before a session"
    WINDOW_OPENS = "window_opens", "When the integration window opens"
    WINDOW_CLOSING = "window_closing", "Before the integration window closes"
    FOLLOW_UP = "follow_up", "Follow-up reflections (days 3, 7, 14)"
    CHECK_IN = "check_in", "Daily check-in"
    SCALE_DUE = "scale_due", "When a questionnaire is due"
    GOAL = "goal", "Goals you asked to be reminded of"
    PRACTICE = "practice", "Practices you asked to be reminded of"


# Kinds whose link opens the reflection form of one session.
REFLECTION_KINDS = frozenset({Kind.WINDOW_OPENS, Kind.WINDOW_CLOSING, Kind.FOLLOW_UP})
# Kinds about one thing the patient chose (a goal, a practice, a scale): ``Reminder.subject``
# names it, so two goals due at the same minute are two reminders.
SUBJECT_KINDS = frozenset({Kind.SCALE_DUE, Kind.GOAL, Kind.PRACTICE})


class Channels(models.TextChoices):
    """How a patient wants one kind of reminder, besides the in-app notification. Push goes
    only to the devices the patient turned it on for (``push.PushSubscription``)."""

    BOTH = "both", "By e-mail and on my devices"
    EMAIL = "email", "By e-mail only"
    PUSH = "push", "On my devices only"


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
    # What the reminder is about, for the kinds in SUBJECT_KINDS: "goal:12", "practice:7",
    # "scale:phq9:2026-03-01" (the scale and the day its last answer was given). A key, not a
    # foreign key: it carries no words of the patient's and outlives a deleted goal's rows.
    subject = models.CharField(max_length=60, blank=True, default="")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Which sender's claim holds the row (a fresh random value per claim).
    claim = models.CharField(max_length=32, blank=True)
    # When the whole reminder was done: every channel chosen sent (or had nowhere to go).
    sent_at = models.DateTimeField(null=True, blank=True)
    # Each channel is recorded on its own, as soon as it is sent, so a retry after one channel
    # failed sends only that one (decision 0012). Push is also recorded per device
    # (``push.PushDelivery``): this is set once every live device has it.
    email_sent_at = models.DateTimeField(null=True, blank=True)
    push_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "due_at", "subject"],
                name="one_reminder_per_kind_subject_and_time",
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["patient", "subject"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.patient_id} at {self.due_at:%Y-%m-%d %H:%M}Z"

    @property
    def failed_channel(self) -> str:
        """For a failed reminder, what could not be sent: "email", "push" or "both" (read from
        the last error, whose name says which channel failed: ``delivery.PushFailed``)."""
        if self.state != State.FAILED:
            return ""
        if self.last_error.startswith("ChannelsFailed"):
            return "both"
        return "push" if self.last_error.startswith("PushFailed") else "email"


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
    scale_due = models.BooleanField(default=True)
    goal = models.BooleanField(default=True)
    practice = models.BooleanField(default=True)
    # When, on a day a questionnaire is due, to say so (None: never).
    scale_due_time = models.TimeField(null=True, blank=True)
    # Daily check-ins are planned up to this local date; the sweep tops them up.
    check_ins_planned_until = models.DateField(null=True, blank=True)
    # The (UTC) date due scales were last looked at; the sweep looks again each new day.
    scales_planned_on = models.DateField(null=True, blank=True)
    # Per kind, "email", "push" or "both" (``Channels``); a kind not named is "both", so a
    # patient who turns push on for a device gets every kind there until they narrow it.
    channels = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"reminder preferences of {self.patient_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))

    def channel(self, kind: str) -> str:
        chosen = self.channels.get(kind) if isinstance(self.channels, dict) else None
        return chosen if chosen in Channels.values else Channels.BOTH

    def by_email(self, kind: str) -> bool:
        return self.channel(kind) in (Channels.BOTH, Channels.EMAIL)

    def by_push(self, kind: str) -> bool:
        return self.channel(kind) in (Channels.BOTH, Channels.PUSH)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Routine(models.Model):
    """A reminder the patient asked for about one goal or one practice: at a wall-clock time
    in their zone, on the weekdays they chose. Planned into the outbox like check-ins."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routines"
    )
    goal = models.ForeignKey(
        "practice.Goal", on_delete=models.CASCADE, null=True, blank=True, related_name="routines"
    )
    practice = models.ForeignKey(
        "practice.Practice",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routines",
    )
    at = models.TimeField()
    # Weekday digits, Monday 0 to Sunday 6: "0246" is Monday, Wednesday, Friday, Sunday.
    weekdays = models.CharField(max_length=7)
    planned_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(goal__isnull=False) & Q(practice__isnull=True))
                | (Q(goal__isnull=True) & Q(practice__isnull=False)),
                name="routine_about_a_goal_or_a_practice",
            ),
            models.UniqueConstraint(
                fields=["patient", "goal"],
                condition=Q(goal__isnull=False),
                name="one_routine_per_goal",
            ),
            models.UniqueConstraint(
                fields=["patient", "practice"],
                condition=Q(practice__isnull=False),
                name="one_routine_per_practice",
            ),
        ]

    def __str__(self) -> str:
        return f"routine {self.pk} ({self.subject})"

    @property
    def kind(self) -> str:
        return Kind.GOAL if self.goal_id is not None else Kind.PRACTICE

    @property
    def subject(self) -> str:
        return subject_of(goal_id=self.goal_id, practice_id=self.practice_id)

    @property
    def days(self) -> list[int]:
        return sorted({int(digit) for digit in self.weekdays})

    @property
    def days_label(self) -> str:
        """ "every day", "weekdays" or "Mon, Wed, Fri"."""
        days = self.days
        if len(days) == 7:
            return "every day"
        if days == [0, 1, 2, 3, 4]:
            return "on weekdays"
        return "on " + ", ".join(Weekday(day).label[:3] for day in days)


def subject_of(*, goal_id: int | None = None, practice_id: int | None = None) -> str:
    return f"goal:{goal_id}" if goal_id is not None else f"practice:{practice_id}"


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
