from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CalendarToken(models.Model):
    """A patient's private calendar address. Only the SHA-256 of the token is kept, so a copy
    of the database cannot be turned into working feed URLs."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_token_per_patient",
            )
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"calendar token of {self.patient_id} ({state})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
