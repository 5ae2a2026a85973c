"""Fetch a patient's measures for a user, or 404: missing and not-yours look the same.

The rules are ``policy.may_read_scores`` (the patient and their care team) and
``policy.may_record_measures`` (patients, for themselves).
"""

from __future__ import annotations

from django.http import Http404

from claywork.accounts.models import User
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.measures.models import ResponseStatus, ScaleResponse


def require_measures_recorder(user: AnyUser) -> User:
    if not policy.may_record_measures(user):
        raise Http404("No such page.")
    assert isinstance(user, User)
    return user


def get_scores_patient_for_user(user: AnyUser, patient_id: int) -> User:
    """The patient whose scores this user may read."""
    if not policy.may_read_scores(user, patient_id):
        raise Http404("No such patient.")
    if isinstance(user, User) and user.pk == patient_id:
        return user
    patient = User.objects.filter(pk=patient_id).first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


def get_response_for_user(user: AnyUser, response_id: int) -> ScaleResponse:
    """A completed scale response of a patient whose scores this user may read."""
    response = (
        ScaleResponse.objects.select_related("patient")
        .filter(pk=response_id, status=ResponseStatus.COMPLETE)
        .first()
    )
    if response is None or not policy.may_read_scores(user, response.patient_id):
        raise Http404("No such response.")
    return response
