"""Raising and acknowledging alerts. Idempotent: one alert per cause, however often raised.

An alert and its outbox rows (one e-mail per recipient, see ``delivery.py``) are written in one
transaction, inside the caller's: if what triggered the alert rolls back, so does the alert, and
if it commits, the alert is there even when no e-mail can be sent yet.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.accounts.models import User
from claywork.safety import delivery
from claywork.safety.models import Alert, DeliveryPurpose

logger = logging.getLogger(__name__)


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
            delivery.deliveries_create(
                alert=alert,
                recipients=delivery.alert_recipients(patient),
                purpose=DeliveryPurpose.ALERT,
                now=alert.created_at,
            )
    except IntegrityError:
        return Alert.objects.get(dedupe_key=dedupe_key), False
    logger.info("alert %s raised (%s, %s)", alert.pk, kind, severity)
    # Sending starts as soon as the alert is committed; if the queue or the worker is down,
    # the worker's periodic sweep of the outbox sends it later. A failure to enqueue must
    # never undo or break the save that raised the alert, hence robust.
    transaction.on_commit(_enqueue_sending, robust=True)
    return alert, True


def alert_refresh(*, alert: Alert, title: str) -> bool:
    """Say more about an alert nobody has acknowledged yet (its cause deepened): the new title,
    the same alert and outbox. Returns False, changing nothing, once it is acknowledged: the
    caller then raises a new alert, so that what changed reaches a person."""
    refreshed = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        title=title[: Alert._meta.get_field("title").max_length]
    )
    alert.refresh_from_db()
    if refreshed:
        logger.info("alert %s refreshed", alert.pk)
    return bool(refreshed)


def _enqueue_sending() -> None:
    from claywork.safety.tasks import send_alert_deliveries

    send_alert_deliveries.enqueue()


def alert_acknowledge(*, alert: Alert, by: User, note: str) -> bool:
    """Mark the alert seen, with what was done. The first acknowledgement stands; a second
    (a double click, a colleague at the same moment) changes nothing and returns False."""
    sealer = Alert(pk=alert.pk, patient_id=alert.patient_id)
    sealer.note = note
    now = timezone.now()
    acknowledged = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by, note_sealed=sealer.note_sealed
    )
    if acknowledged:
        logger.info("alert %s acknowledged by user %s", alert.pk, by.pk)
    alert.refresh_from_db()
    return bool(acknowledged)


def has_open_alert(*, patient_id: int, kind: str) -> bool:
    return Alert.objects.filter(
        patient_id=patient_id, kind=kind, acknowledged_at__isnull=True
    ).exists()
