"""Fetch crisis objects for a user, or 404: missing and not-yours look the same."""

from __future__ import annotations

from django.http import Http404

from claywork.accounts.models import Role, User
from claywork.clinics.models import Clinic
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.crisis.models import SafetyPlanVersion


def get_plan_patient_for_user(user: AnyUser, patient_id: int) -> User:
    """The patient whose safety plan this user may read and revise."""
    if not policy.may_keep_safety_plan(user, patient_id):
        raise Http404("No such safety plan.")
    patient = User.objects.filter(pk=patient_id, role=Role.PATIENT).first()
    if patient is None:
        raise Http404("No such safety plan.")
    return patient


def get_plan_version_for_user(user: AnyUser, patient_id: int, number: int) -> SafetyPlanVersion:
    patient = get_plan_patient_for_user(user, patient_id)
    version = SafetyPlanVersion.objects.filter(patient=patient, number=number).first()
    if version is None:
        raise Http404("No such version.")
    return version


def get_managed_clinic(user: AnyUser) -> Clinic:
    """The clinic whose crisis resources this user manages: a clinic admin's own."""
    clinic = getattr(user, "clinic", None)
    if not policy.may_manage_clinic(user, clinic):
        raise Http404
    assert clinic is not None
    return clinic
