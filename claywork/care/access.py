"""Fetch care objects for a user, or 404: missing and not-yours look the same."""

from __future__ import annotations

from django.http import Http404

from claywork.accounts.models import User
from claywork.care.models import Session, Suggestion, TreatmentCourse
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.journal.models import Entry


def get_patient_for_user(user: AnyUser, patient_id: int) -> User:
    patient = policy.patients_in_care_of(user).filter(pk=patient_id).first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


def get_course_for_user(user: AnyUser, course_id: int, *, plan: bool = False) -> TreatmentCourse:
    course = policy.courses_visible_to(user).select_related("patient").filter(pk=course_id).first()
    if course is None or (plan and not policy.may_plan_care(user, course.patient_id)):
        raise Http404("No such course.")
    return course


def get_session_for_user(user: AnyUser, session_id: int, *, plan: bool = False) -> Session:
    session = (
        policy.sessions_visible_to(user)
        .select_related("course", "patient")
        .filter(pk=session_id)
        .first()
    )
    if session is None or (plan and not policy.may_plan_care(user, session.patient_id)):
        raise Http404("No such session.")
    return session


def get_entry_for_comments(user: AnyUser, entry_id: int, *, write: bool = False) -> Entry:
    """An entry whose care-team comments this user may read (``write``: may add one)."""
    entry = Entry.objects.select_related("patient").filter(pk=entry_id).first()
    allowed = entry is not None and (
        policy.may_comment_on_entry if write else policy.may_read_entry_comments
    )(user, entry)
    if entry is None or not allowed:
        raise Http404("No such entry.")
    return entry


def get_patient_for_suggestions(user: AnyUser, patient_id: int) -> User:
    """A patient this care-team clinician may suggest prompts and goals to."""
    if not policy.may_suggest(user, patient_id):
        raise Http404("No such patient.")
    return get_patient_for_user(user, patient_id)


def get_own_suggestion(user: AnyUser, suggestion_id: int) -> Suggestion:
    """One of the patient's own suggestions (only the patient answers it)."""
    if not policy.may_keep_practice(user):
        raise Http404("No such suggestion.")
    suggestion = (
        Suggestion.objects.select_related("patient", "prompt")
        .filter(pk=suggestion_id, patient_id=user.pk)
        .first()
    )
    if suggestion is None:
        raise Http404("No such suggestion.")
    return suggestion
