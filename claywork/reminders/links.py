"""Links that open one reflection form without a full sign-in.

The integration window must not be lost to a login screen, so a reflection reminder carries a
link that is single-use (one conditional UPDATE redeems it), short-lived (``LINK_LIFETIME``),
revocable (``links_revoke``) and stored only as a SHA-256 hash. Redeeming it gives the browser
a grant, kept in its session, that opens the reflection form of that one session and nothing
else: every other page still asks for a full sign-in (see ``views.reflect``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from claywork.accounts.models import User
from claywork.care.selectors import prompts_for_steps
from claywork.reminders.models import Kind, Reminder, ReminderLink

LINK_LIFETIME = timedelta(hours=12)
# How long the redeemed link's grant lets the browser write its reflection.
GRANT_LIFETIME = timedelta(hours=2)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _step_key(reminder: Reminder) -> str:
    if reminder.kind != Kind.FOLLOW_UP or reminder.session is None:
        return "window"
    completed_at = reminder.session.completed_at
    assert completed_at is not None
    return f"day_{(reminder.due_at - completed_at).days}"


def link_issue(*, reminder: Reminder, now: datetime) -> str:
    """A new link for this reminder; earlier unused ones for it stop working. Returns the token,
    which is shown once (in the e-mail) and never stored."""
    assert reminder.session is not None
    ReminderLink.objects.filter(
        reminder=reminder, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    step = _step_key(reminder)
    ReminderLink.objects.create(
        token_hash=_hash(token),
        patient_id=reminder.patient_id,
        reminder=reminder,
        session=reminder.session,
        prompt=prompts_for_steps([step])[step],
        expires_at=now + LINK_LIFETIME,
    )
    return token


def link_redeem(*, token: str, now: datetime | None = None) -> ReminderLink | None:
    """Use the link once. None if it is unknown, used, revoked, expired, or its patient is no
    longer active."""
    now = now or timezone.now()
    usable = ReminderLink.objects.filter(
        token_hash=_hash(token),
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
        patient__is_active=True,
    )
    if not usable.update(used_at=now):
        return None
    return ReminderLink.objects.select_related("patient", "session", "prompt").get(
        token_hash=_hash(token)
    )


def links_revoke(*, patient: User, now: datetime | None = None) -> int:
    """Every unused link of the patient stops working (from the settings page)."""
    return ReminderLink.objects.filter(
        patient=patient, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now or timezone.now())
