"""Writes for calendar tokens. Each is one short transaction."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from claywork.accounts.models import User
from claywork.calendar_feed.models import CalendarToken


def hash_calendar_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


@transaction.atomic
def calendar_token_issue(*, patient: User) -> str:
    """Give the patient a new private feed address and return its token, the only time it is
    ever seen in full. The previous address, if any, stops working at once."""
    # Serialise two issues for one patient (PostgreSQL); SQLite's IMMEDIATE BEGIN already does.
    User.objects.select_for_update().filter(pk=patient.pk).exists()
    _revoke_live(patient)
    raw_token = secrets.token_urlsafe(32)
    CalendarToken.objects.create(patient=patient, token_hash=hash_calendar_token(raw_token))
    return raw_token


@transaction.atomic
def calendar_token_revoke(*, patient: User) -> bool:
    """Stop the patient's feed address. True if there was one to stop."""
    return _revoke_live(patient) > 0


def _revoke_live(patient: User) -> int:
    return CalendarToken.objects.filter(patient=patient, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
