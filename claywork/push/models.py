from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models


def endpoint_digest(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


class PushSubscription(models.Model):
    """One browser on one device that asked for reminders (the browser's PushSubscription).

    The endpoint is the push service's address for this browser, and the two keys encrypt what
    is sent to it (RFC 8291); none is health data, and every message says nothing about health
    (``payload.py``). A revoked row is kept for the device list and never sent to again: the
    patient turned it off, signed out on that device, or the push service said it is gone.
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.TextField()
    # Endpoints can be long; their hash is what is unique and looked up.
    endpoint_hash = models.CharField(max_length=64, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    device_label = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "revoked_at"], name="push_live_devices")]

    def __str__(self) -> str:
        return f"push device {self.pk} of patient {self.patient_id}"

    def subscription_info(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushDelivery(models.Model):
    """One reminder accepted by the push service for one device: written after the send, so a
    retry of the reminder (another device or the e-mail failed) skips this device."""

    reminder = models.ForeignKey(
        "reminders.Reminder", on_delete=models.CASCADE, related_name="push_deliveries"
    )
    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "subscription"], name="one_push_per_reminder_and_device"
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.reminder_id} pushed to device {self.subscription_id}"
