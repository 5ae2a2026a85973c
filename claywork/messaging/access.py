"""The one way views get a thread: 404 when it is missing *or* not the user's to read."""

from __future__ import annotations

from django.http import Http404

from claywork.accounts.models import User
from claywork.clinics.models import Clinic
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.messaging.models import Thread


def get_thread_for_user(user: AnyUser, thread_id: int) -> Thread:
    """Readers of a thread may also answer in it (``policy.threads_visible_to``)."""
    thread = (
        policy.threads_visible_to(user)
        .select_related("patient", "assigned_to")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise Http404("No such thread.")
    return thread


def get_patient_to_message(user: AnyUser, patient_id: int) -> User:
    """The patient a care-team clinician starts a thread with."""
    if not policy.may_start_thread_with(user, patient_id):
        raise Http404("No such patient.")
    return User.objects.get(pk=patient_id)


def get_clinic_to_configure(user: AnyUser) -> Clinic:
    clinic = getattr(user, "clinic", None)
    if not policy.may_set_messaging_hours(user, clinic):
        raise Http404
    assert clinic is not None
    return clinic
