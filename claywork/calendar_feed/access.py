"""Who reaches a calendar: the patient on their settings page, anyone holding a live token on
the feed. An unknown, revoked or orphaned token is a 404, like any object you may not see."""

from __future__ import annotations

from django.http import Http404

from claywork.accounts.models import Role, User
from claywork.calendar_feed.models import CalendarToken
from claywork.calendar_feed.services import hash_calendar_token
from claywork.core.policy import AnyUser


def get_calendar_patient_for_user(user: AnyUser) -> User:
    """The patient whose calendar link this user manages: only a patient, their own."""
    if not (isinstance(user, User) and user.is_active and user.role == Role.PATIENT):
        raise Http404("No calendar here.")
    return user


def get_patient_for_calendar_token(raw_token: str) -> User:
    """The feed's owner. The token is the credential, so no session or role is consulted."""
    token = (
        CalendarToken.objects.select_related("patient")
        .filter(
            token_hash=hash_calendar_token(raw_token),
            revoked_at__isnull=True,
            patient__is_active=True,
            patient__role=Role.PATIENT,
        )
        .first()
    )
    if token is None:
        raise Http404("No such calendar.")
    return token.patient
