from __future__ import annotations

from django.conf import settings
from django.db import models


class AlertKind(models.TextChoices):
    SELF_HARM_ANSWER = "self_harm_answer", "Self-harm answer"
    CRISIS_LANGUAGE = "crisis_language", "Crisis language"
    FADING_EFFECT = "fading_effect", "Effect may be fading"
    MISSED_CHECK_INS = "missed_check_ins", "Missed check-ins"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Alert(models.Model):
    """Something the care team should look at. Its title never holds the patient's words."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    title = models.CharField(max_length=200)
    # One alert per cause: raising it again (a retried task, a resubmitted form) is harmless.
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} alert: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
