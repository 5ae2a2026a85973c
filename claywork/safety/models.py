from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from claywork.vault.fields import SealedText


class AlertKind(models.TextChoices):
    SELF_HARM_ANSWER = "self_harm_answer", "Self-harm answer"
    CRISIS_LANGUAGE = "crisis_language", "Crisis language"
    FADING_EFFECT = "fading_effect", "Effect may be fading"
    MISSED_CHECK_INS = "missed_check_ins", "Missed check-ins"
    # Not a risk signal: the patient asked to delete their account, or cancelled, or it was
    # erased (ownership/services.py). The care team hears it the way it hears everything.
    ACCOUNT_DELETION = "account_deletion", "Account deletion"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Audience(models.TextChoices):
    """Who an alert was routed to (``safety/routing.py``): what the patient is told is this."""

    CARE_TEAM = "care_team", "the care team"
    ON_CALL = "on_call", "the clinic's on-call list"
    CLINIC_ADMINS = "clinic_admins", "the clinic admins"
    NOBODY = "nobody", "nobody yet"


# Titles are short fixed sentences (the callers build them); longer ones are cut here.
TITLE_MAX_CHARS = 200


class Alert(models.Model):
    """Something the care team should look at. Its title never holds the patient's words."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    # What raised it, in words ("PHQ-9: self-harm item answered above zero"): never the
    # patient's own words, but health information all the same, so sealed with the patient's
    # key; emptied when the account is erased (``headline`` then says so).
    title_sealed = models.TextField(blank=True, default="")
    title = SealedText("title_sealed", context="safety.alert.title")
    # One alert per cause: raising it again (a retried task, a resubmitted form) is harmless.
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the clinician did about it is health text: sealed with the patient's key.
    note_sealed = models.TextField(blank=True, default="")
    note = SealedText("note_sealed", context="safety.alert.note")
    # Set once, when an unacknowledged high-severity alert was re-sent to the whole care team
    # and the clinic admins; the sweep never escalates an alert twice.
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Who was told, as last routed. ``undeliverable_since`` is set while an open alert (or its
    # escalation) had nobody to go to; the sweep tries again from ``next_route_at``, backing off.
    routed_to = models.CharField(max_length=20, choices=Audience.choices, blank=True)
    undeliverable_since = models.DateTimeField(null=True, blank=True)
    next_route_at = models.DateTimeField(null=True, blank=True)
    route_attempts = models.PositiveSmallIntegerField(default=0)
    # The clinician who said "I have this one" (or was handed it); anyone on the care team may
    # still acknowledge it.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "acknowledged_at"]),
            models.Index(fields=["severity", "acknowledged_at", "escalated_at", "created_at"]),
            models.Index(fields=["undeliverable_since", "next_route_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} alert {self.pk} ({self.kind})"

    @property
    def headline(self) -> str:
        """The title, or, once the account is erased and the title with it, the kind."""
        if self.title_sealed:
            return self.title
        return f"{self.get_kind_display()} (the details were erased with the account)"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    @property
    def escalates_at(self) -> datetime | None:
        """When the sweep will escalate this alert, if it is still waiting to be."""
        if self.severity != Severity.HIGH or not self.is_open or self.escalated_at is not None:
            return None
        return self.created_at + timedelta(minutes=settings.CLAYWORK_ALERT_ESCALATE_MINUTES)

    @property
    def is_undeliverable(self) -> bool:
        return self.is_open and self.undeliverable_since is not None


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"


class DeliveryPurpose(models.TextChoices):
    ALERT = "alert", "Alert"
    ESCALATION = "escalation", "Escalation"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class AlertDelivery(models.Model):
    """The outbox: one message about one alert to one person, written with the alert.

    A sender claims a row by moving it to ``sending`` with its claim token and a lease (one
    conditional UPDATE), and re-checks the claim just before sending (``core/outbox.py``); a
    sender killed mid-send leaves the lease to expire, and the next sweep takes the row again.
    ``attempts`` counts sends that started. The messages hold no health text: a name and a link.
    """

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    # The escalation is a second message to some of the same people, so it is its own row.
    purpose = models.CharField(
        max_length=12, choices=DeliveryPurpose.choices, default=DeliveryPurpose.ALERT
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Which sender's claim holds the row (a fresh random value per claim).
    claim = models.CharField(max_length=32, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "alert deliveries"
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "recipient", "channel", "purpose"], name="deliver_once_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.channel} for alert {self.alert_id}"


class OnCallMember(models.Model):
    """One person on a clinic's on-call list: they receive the alerts of patients whose care
    team has no active clinician (``safety/routing.py``). Clinicians or clinic admins."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="on_call")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_duties"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "person"], name="on_call_once_each")
        ]

    def __str__(self) -> str:
        return f"{self.person} on call for {self.clinic}"
