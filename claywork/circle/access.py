"""Lookups for the support circle that answer 404 for missing and forbidden alike."""

from __future__ import annotations

from django.http import Http404

from claywork.accounts.models import User
from claywork.circle.models import CheckInRequest, CircleMember, MemberStatus
from claywork.core import policy
from claywork.core.policy import AnyUser


def require_circle_keeper(user: AnyUser) -> User:
    if not policy.may_keep_circle(user):
        raise Http404
    assert isinstance(user, User)
    return user


def get_member_for_patient(user: AnyUser, member_id: int) -> CircleMember:
    """One person in the signed-in patient's own circle, or 404."""
    patient = require_circle_keeper(user)
    member = CircleMember.objects.filter(pk=member_id, patient=patient).first()
    if member is None:
        raise Http404("No such person in your circle.")
    return member


def get_membership(user: AnyUser, patient_id: int) -> CircleMember:
    """The signed-in person's accepted place in a patient's circle, or 404."""
    member = (
        CircleMember.objects.select_related("patient")
        .filter(
            patient__in=policy.patients_supported_by(user).filter(pk=patient_id),
            person_id=user.pk,
            status=MemberStatus.ACCEPTED,
        )
        .first()
    )
    if member is None:
        raise Http404
    return member


def get_request_for_member(user: AnyUser, request_id: int) -> CheckInRequest:
    """A check-in request made to the signed-in person while they are in the circle, or 404."""
    found = (
        CheckInRequest.objects.select_related("member", "patient")
        .filter(
            pk=request_id,
            member__person_id=user.pk,
            member__status=MemberStatus.ACCEPTED,
            patient__in=policy.patients_supported_by(user),
        )
        .first()
    )
    if found is None:
        raise Http404("No such request.")
    return found
