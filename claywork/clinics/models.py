from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from claywork.accounts.models import ClinicianKind, Role


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    timezone = models.CharField(max_length=64, default="America/New_York")
    # How patients reach the clinic; shown on the crisis page beside their care team.
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    contact_hours = models.CharField(max_length=120, blank=True)
    # Offer the suicide-risk follow-up screener after a self-harm answer (docs/measures.md).
    suicide_screener_enabled = models.BooleanField(
        default=False, verbose_name="offer the suicide-risk follow-up screener"
    )
    # Scores go to the care team as part of care; a clinic may let patients stop that.
    patients_may_withdraw_scores = models.BooleanField(
        default=False, verbose_name="patients may stop sending scores to their care team"
    )
    # Days without a check-in after which the caseload shows the last check-in in red; empty
    # means the deployment's CLAYWORK_MISSED_CHECK_INS_DAYS.
    missed_check_in_days = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name="days without a check-in before it shows in red"
    )
    # Which structured observations the session screen offers (``SESSION_OBSERVATIONS``).
    session_observations = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def missed_check_in_limit(self) -> int:
        return self.missed_check_in_days or settings.CLAYWORK_MISSED_CHECK_INS_DAYS


# The structured observations a clinic may record during a session (all optional). Claywork
# records what the team observed; it never suggests a dose.
SESSION_OBSERVATIONS = {
    "vitals": "Blood pressure and heart rate, before and after",
    "side_effects": "Side effects checklist",
    "dissociation": "Dissociation level (0-4)",
    "recovery": "Recovery time",
}


def hash_token(token: str) -> str:
    """Invitation tokens are stored hashed: a database dump cannot be used to accept one."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    INVITABLE_ROLES = [
        (Role.PATIENT.value, Role.PATIENT.label),
        (Role.CLINICIAN.value, Role.CLINICIAN.label),
        (Role.CLINIC_ADMIN.value, Role.CLINIC_ADMIN.label),
    ]

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=INVITABLE_ROLES)
    clinician_kind = models.CharField(max_length=30, choices=ClinicianKind.choices, blank=True)
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", help_text="For patients."
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "email"])]

    def __str__(self) -> str:
        return f"invitation for {self.email}"

    @staticmethod
    def default_expiry() -> datetime:
        return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ConsentRecord(models.Model):
    """One row per consent given or withdrawn: an append-only ledger (``clinics/consent.py``).

    The current state of a consent is its latest row per user, topic and subject. ``version``
    is the version of the words shown when the choice was made. Rows are never updated.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_records"
    )
    topic = models.CharField(max_length=60)
    # What the consent is about when a topic has several (e.g. one standing share); "" if not.
    subject = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=20, blank=True)
    given = models.BooleanField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "topic", "subject", "-recorded_at", "-id"])]

    def __str__(self) -> str:
        state = "given" if self.given else "withdrawn"
        return f"consent {self.topic} {state}"
