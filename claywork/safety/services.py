"""Raising alerts for the care team. Idempotent: one alert per cause, however often raised."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from claywork.accounts.models import User
from claywork.safety.models import Alert


def alert_raise(
    *, patient: User, kind: str, severity: str, title: str, dedupe_key: str
) -> tuple[Alert, bool]:
    existing = Alert.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                patient=patient, kind=kind, severity=severity, title=title, dedupe_key=dedupe_key
            )
    except IntegrityError:
        return Alert.objects.get(dedupe_key=dedupe_key), False
    return alert, True


def has_open_alert(*, patient_id: int, kind: str) -> bool:
    return Alert.objects.filter(
        patient_id=patient_id, kind=kind, acknowledged_at__isnull=True
    ).exists()
