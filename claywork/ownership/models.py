from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AccountDeletion(models.Model):
    """A patient's request to delete their account: erased after the grace period unless
    cancelled. Kept after the erasure (with the emptied account it points to), so the clinic
    can see that it happened and when; it holds no health data."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_deletions"
    )
    requested_at = models.DateTimeField()
    erase_after = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["erase_after"], name="deletion_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(cancelled_at__isnull=True, erased_at__isnull=True),
                name="one_open_deletion_request",
            )
        ]

    def __str__(self) -> str:
        return f"deletion request {self.pk} of user {self.patient_id}"

    @property
    def is_open(self) -> bool:
        return self.cancelled_at is None and self.erased_at is None
