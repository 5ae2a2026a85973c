"""Background tasks of the safety app: thin, each calls a service."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from claywork.safety.delivery import deliveries_send_due


@task()
def send_alert_deliveries() -> int:
    """Enqueued when an alert is committed. The worker's sweep is the safety net behind it:
    a task lost with a killed worker, or never enqueued, is made up for by the outbox."""
    return deliveries_send_due(now=timezone.now())
