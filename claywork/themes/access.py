"""Who reaches which themes page, or 404 (missing and not yours look the same).

Themes are the patient's: made from their writing, for them. The care-team view is for the
clinicians on the patient's care team, and is made only of what they may already read."""

from __future__ import annotations

from django.http import Http404

from claywork.accounts.models import User
from claywork.care.models import Session
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.themes.models import Audience, Theme


def require_theme_keeper(user: AnyUser) -> None:
    if not policy.may_keep_journal(user):
        raise Http404


def get_theme_for_user(user: AnyUser, theme_id: int) -> Theme:
    """One of the patient's own themes (never a care-team theme), or 404."""
    require_theme_keeper(user)
    theme = Theme.objects.filter(
        pk=theme_id, patient_id=user.pk, snapshot__audience=Audience.PATIENT
    ).first()
    if theme is None:
        raise Http404("No such theme.")
    return theme


def get_session_for_lens(user: AnyUser, session_id: int) -> Session:
    """The patient's own session, for the session lens."""
    require_theme_keeper(user)
    session = Session.objects.filter(pk=session_id, patient_id=user.pk).first()
    if session is None:
        raise Http404("No such session.")
    return session


def get_patient_for_care_team_themes(user: AnyUser, patient_id: int) -> User:
    if not policy.is_care_team_clinician(user, patient_id):
        raise Http404("No such patient.")
    return User.objects.get(pk=patient_id)
