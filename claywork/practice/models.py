from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from claywork.vault.fields import SealedText


class Realm(models.TextChoices):
    BODY = "body", "Body"
    MIND = "mind", "Mind and learning"
    EMOTIONS = "emotions", "Emotions"
    SPIRIT = "spirit", "Spirit and meaning"
    RELATIONSHIPS = "relationships", "Relationships"
    WORK_PLAY = "work_play", "Work/play balance"


class RealmRating(models.Model):
    """A patient's 0-10 self-rating of one realm on one day (in their zone); a second one that
    day replaces it."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="realm_ratings"
    )
    realm = models.CharField(max_length=20, choices=Realm.choices)
    day = models.DateField()
    rating = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "realm"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "realm", "day"], name="realm_rated_once"),
            models.CheckConstraint(condition=Q(rating__lte=10), name="realm_rating_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.realm} {self.day}"


class Cadence(models.TextChoices):
    DAILY = "daily", "Every day"
    WEEKLY = "weekly", "Each week"


class Goal(models.Model):
    """A small goal with a cadence: "call one friend each week", "10 minutes of drawing"."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals"
    )
    realm = models.CharField(max_length=20, choices=Realm.choices)
    title_sealed = models.TextField()
    title = SealedText("title_sealed", context="practice.goal.title")
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.DAILY)
    # Check-offs per week that meet a weekly goal (a daily goal needs one a day).
    per_week = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    submission_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "submission_id"], name="goal_created_once"),
            models.CheckConstraint(
                condition=Q(per_week__gte=1) & Q(per_week__lte=7), name="goal_per_week_1_to_7"
            ),
        ]

    def __str__(self) -> str:
        return f"goal {self.pk}"


class GoalCheck(models.Model):
    """A goal checked off on a day; at most once a day."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="checks")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["goal", "day"], name="goal_checked_once")]

    def __str__(self) -> str:
        return f"goal {self.goal_id} on {self.day}"


class Practice(models.Model):
    """A practice from Claywork's catalogue (no patient, plain name) or a patient's own (its
    name is the patient's words, sealed)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="own_practices",
    )
    slug = models.SlugField(blank=True)
    name = models.CharField(max_length=80, blank=True)
    description = models.CharField(max_length=200, blank=True)
    own_name_sealed = models.TextField(blank=True, default="")
    own_name = SealedText("own_name_sealed", context="practice.practice.own_name")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(patient__isnull=True), name="catalogue_slug_once"
            )
        ]

    def __str__(self) -> str:
        return self.slug or f"own practice {self.pk}"

    @property
    def display_name(self) -> str:
        return self.name if self.patient_id is None else self.own_name


class PracticeLog(models.Model):
    """One time a patient did a practice. Logged in one tap; duration and note optional."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_logs"
    )
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="logs")
    day = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    note_sealed = models.TextField(blank=True, default="")
    note = SealedText("note_sealed", context="practice.log.note")
    # The button's one-time id: a double tap finds the log it already made.
    submission_id = models.UUIDField()
    logged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-logged_at"]
        indexes = [models.Index(fields=["patient", "day"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_id"], name="practice_logged_once"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__lte=1440), name="practice_duration_a_day_at_most"
            ),
        ]

    def __str__(self) -> str:
        return f"practice log {self.pk}"
