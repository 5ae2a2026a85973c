"""Fetch care objects for a user, or 404: missing and not-yours look the same."""

from __future__ import annotations

from django.http import Http404

from claywork.accounts.models import User
from claywork.care.models import Session, TreatmentCourse
from claywork.core import policy
from claywork.core.policy import AnyUser


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
