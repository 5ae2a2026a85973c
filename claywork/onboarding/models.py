from __future__ import annotations

from django.conf import settings
from django.db import models


class OnboardingState(models.Model):
    """A patient's first steps: which they chose to skip, and whether they read the guide.

    Whether a step is done is read from the patient's own data (a motivation written, a safety
    plan saved, ...), never stored here, so a step done elsewhere is done on the list too."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="onboarding"
    )
    # Step keys (``steps.STEP_KEYS``) the patient skipped; resuming removes one.
    skipped = models.JSONField(default=list, blank=True)
    guide_read_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"first steps of patient {self.patient_id}"
