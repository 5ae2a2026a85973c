from __future__ import annotations

from django.http import Http404

from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.practice.models import Goal, Practice
from claywork.practice.selectors import practices_for


def require_practice_keeper(user: AnyUser) -> None:
    if not policy.may_keep_practice(user):
        raise Http404


def get_goal_for_user(user: AnyUser, goal_id: int) -> Goal:
    """The patient's own goal, or 404 (missing and not yours look the same)."""
    require_practice_keeper(user)
    goal = Goal.objects.filter(pk=goal_id, patient_id=user.pk).first()
    if goal is None:
        raise Http404("No such goal.")
    return goal


def get_practice_for_user(user: AnyUser, practice_id: int) -> Practice:
    """A catalogue practice, or one of the patient's own; 404 otherwise."""
    require_practice_keeper(user)
    practice = practices_for(patient_id=user.pk).filter(pk=practice_id).first()  # type: ignore[arg-type]
    if practice is None:
        raise Http404("No such practice.")
    return practice
