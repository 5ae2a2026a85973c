"""Who may share, revoke and read shared things. Rules in ``core.policy``; here they become
lookups that answer 404 for missing and forbidden alike."""

from __future__ import annotations

from django.http import Http404

from claywork.accounts.models import User
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.journal.models import Entry
from claywork.practice.models import Goal
from claywork.sharing.models import Share
from claywork.sharing.selectors import audiences_for


def require_sharer(user: AnyUser) -> User:
    """Only patients share (their own journal, goals and categories)."""
    if not policy.may_keep_journal(user):
        raise Http404
    assert isinstance(user, User)
    return user


def get_own_entry(user: AnyUser, entry_id: int) -> Entry:
    patient = require_sharer(user)
    entry = Entry.objects.filter(pk=entry_id, patient=patient).first()
    if entry is None:
        raise Http404("No such entry.")
    return entry


def get_own_goal(user: AnyUser, goal_id: int) -> Goal:
    patient = require_sharer(user)
    goal = Goal.objects.filter(pk=goal_id, patient=patient).first()
    if goal is None:
        raise Http404("No such goal.")
    return goal


def get_own_share(user: AnyUser, share_id: int) -> Share:
    patient = require_sharer(user)
    share = Share.objects.filter(pk=share_id, patient=patient).first()
    if share is None:
        raise Http404("No such share.")
    return share


def audience_from_key(patient: User, key: str) -> tuple[bool, User | None] | None:
    """``(care_team, person)`` for an audience key the patient may share with, else None."""
    if key not in {audience.key for audience in audiences_for(patient)}:
        return None
    if key == "care_team":
        return True, None
    return False, User.objects.get(pk=int(key.split(":", 1)[1]))


def get_supported_patient(user: AnyUser, patient_id: int) -> User:
    """A patient whose circle this user is an accepted member of, or 404."""
    patient = policy.patients_supported_by(user).filter(pk=patient_id).first()
    if patient is None:
        raise Http404
    return patient


def get_patient_in_care(user: AnyUser, patient_id: int) -> User:
    """A patient whose care team this clinician is on, or 404."""
    if not policy.is_care_team_clinician(user, patient_id):
        raise Http404
    return User.objects.get(pk=patient_id)
