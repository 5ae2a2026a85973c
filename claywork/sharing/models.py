"""What a patient chose to share, and with whom."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Category(models.TextChoices):
    """Standing shares: everything of a kind, now and later, until revoked."""

    SESSION_DATES = "session_dates", "Session dates"
    WEEKLY_MOOD = "weekly_mood", "Weekly mood summary"
    GOALS_AND_WINS = "goals_and_wins", "Goals and wins"


class Share(models.Model):
    """One item (an entry, a goal or a standing category) shared with one audience (one person
    or the patient's care team). Live until ``revoked_at`` is set; a revoked share is kept, so
    the sharing page can say what was shared and when it ended.

    At most one live share per patient, item and audience (``item_key``/``audience_key``,
    derived in ``save``), so sharing twice finds the share already made.
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares_made"
    )
    # The audience: exactly one of these.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shares_received",
    )
    care_team = models.BooleanField(default=False)
    # The item: exactly one of these.
    entry = models.ForeignKey(
        "journal.Entry", on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    goal = models.ForeignKey(
        "practice.Goal", on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    item_key = models.CharField(max_length=40, editable=False)
    audience_key = models.CharField(max_length=40, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "revoked_at"], name="share_person_live"),
            models.Index(fields=["patient", "care_team", "revoked_at"], name="share_care_live"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "item_key", "audience_key"],
                condition=Q(revoked_at__isnull=True),
                name="share_live_once",
            ),
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(care_team=False))
                | (Q(person__isnull=True) & Q(care_team=True)),
                name="share_one_audience",
            ),
            models.CheckConstraint(
                condition=(Q(entry__isnull=False) & Q(goal__isnull=True) & Q(category=""))
                | (Q(entry__isnull=True) & Q(goal__isnull=False) & Q(category=""))
                | (Q(entry__isnull=True) & Q(goal__isnull=True) & ~Q(category="")),
                name="share_one_item",
            ),
        ]

    def __str__(self) -> str:
        return f"share {self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.item_key = self.derive_item_key()
        self.audience_key = self.derive_audience_key()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def derive_item_key(self) -> str:
        if self.entry_id is not None:
            return f"entry:{self.entry_id}"
        if self.goal_id is not None:
            return f"goal:{self.goal_id}"
        return f"category:{self.category}"

    def derive_audience_key(self) -> str:
        return "care_team" if self.care_team else f"person:{self.person_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    @property
    def kind(self) -> str:
        """ "entry", "goal" or "category"."""
        return self.item_key.split(":", 1)[0]
