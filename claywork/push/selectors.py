"""Reads of a patient's push devices, for the reminder settings page."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from claywork.accounts.models import User
from claywork.push.models import PushSubscription
from claywork.push.services import push_enabled


def push_context(patient: User) -> dict[str, Any]:
    if not push_enabled():
        return {"push_enabled": False}
    return {
        "push_enabled": True,
        "vapid_public_key": settings.CLAYWORK_VAPID_PUBLIC_KEY,
        "push_devices": list(
            PushSubscription.objects.filter(patient=patient, revoked_at__isnull=True)
        ),
    }
