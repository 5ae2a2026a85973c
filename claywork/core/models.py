from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """When each worker process last finished a sweep of the outbox (``core/heartbeat.py``).

    One row per process (host and pid); the newest ``swept_at`` over all rows says whether
    alerts are being sent."""

    worker = models.CharField(max_length=200, unique=True)
    started_at = models.DateTimeField()
    swept_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker}"
