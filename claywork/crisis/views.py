from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from claywork.accounts.models import Role, User
from claywork.audit.services import audit_read, audit_write
from claywork.core.http import AuthedRequest
from claywork.crisis import selectors, services
from claywork.crisis.access import (
    get_managed_clinic,
    get_plan_patient_for_user,
    get_plan_version_for_user,
)
from claywork.crisis.forms import ClinicContactForm, SafetyPlanForm, resource_formset
from claywork.crisis.grounding import EXERCISES, exercise_for
from claywork.crisis.models import PLAN_STEPS, REASONS_FOR_LIVING

SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "crisis" / "sw.js"

# --- Offline copy ---------------------------------------------------------------------------


@cache
def _service_worker_source() -> bytes:
    return SERVICE_WORKER.read_bytes()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the root so that it may keep /help/ and /safety-plan/.

    It is public code with no personal data; ``no-cache`` makes browsers check for a new one.
    """
    response = HttpResponse(_service_worker_source(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


# --- Safety plan ----------------------------------------------------------------------------


def _plan_page_url(viewer: User, patient: User) -> str:
    if viewer.pk == patient.pk:
        return reverse("crisis:my_plan")
    return reverse("crisis:plan", args=[patient.pk])


def _render_plan(request: AuthedRequest, patient: User, *, offline_copy: bool) -> HttpResponse:
    history = list(selectors.plan_history(patient_id=patient.pk))
    return render(
        request,
        "crisis/plan.html",
        {
            "patient": patient,
            "is_own": patient.pk == request.user.pk,
            "plan": selectors.latest_plan(patient_id=patient.pk),
            "history": history,
            "offline_copy": offline_copy,
        },
    )


@login_required
def my_plan(request: AuthedRequest) -> HttpResponse:
    """The patient's own plan at a fixed address, the one the browser keeps for offline use."""
    if request.user.role != Role.PATIENT:
        raise Http404
    patient = get_plan_patient_for_user(request.user, request.user.pk)
    return _render_plan(request, patient, offline_copy=True)


@login_required
def plan(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_plan_patient_for_user(request.user, patient_id)
    audit_read(request, patient, "crisis.safety_plan", patient.pk)
    return _render_plan(request, patient, offline_copy=False)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_plan_patient_for_user(request.user, patient_id)
    latest = selectors.latest_plan(patient_id=patient.pk)
    initial = {"submission_id": uuid.uuid4(), **(latest.content() if latest else {})}
    form = SafetyPlanForm(request.POST or None, initial=initial)
    if request.method == "GET":
        audit_read(request, patient, "crisis.safety_plan", latest.number if latest else "")
    if request.method == "POST" and form.is_valid():
        version, created = services.safety_plan_save(
            patient=patient,
            author=request.user,
            content=form.plan_content(),
            submission_id=form.cleaned_data["submission_id"],
        )
        if created:
            audit_write(request, patient, "crisis.safety_plan", version.number)
            messages.success(request, f"Saved as version {version.number} of the safety plan.")
        else:
            messages.info(request, "Nothing changed, so no new version was saved.")
        return redirect(_plan_page_url(request.user, patient))
    return render(
        request,
        "crisis/plan_form.html",
        {
            "patient": patient,
            "is_own": patient.pk == request.user.pk,
            "form": form,
            "steps": [form[step.field] for step in PLAN_STEPS],
            "reasons": form[REASONS_FOR_LIVING.field],
            "latest": latest,
            "back_url": _plan_page_url(request.user, patient),
        },
        status=400 if form.errors else 200,
    )


@login_required
def plan_version(request: AuthedRequest, patient_id: int, number: int) -> HttpResponse:
    version = get_plan_version_for_user(request.user, patient_id, number)
    audit_read(request, version.patient, "crisis.safety_plan", version.number)
    latest = selectors.latest_plan(patient_id=patient_id)
    return render(
        request,
        "crisis/plan_version.html",
        {
            "patient": version.patient,
            "is_own": version.patient_id == request.user.pk,
            "version": version,
            "latest": latest,
            "back_url": _plan_page_url(request.user, version.patient),
        },
    )


@login_required
def plan_print(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_plan_patient_for_user(request.user, patient_id)
    audit_read(request, patient, "crisis.safety_plan", "print")
    return render(
        request,
        "crisis/plan_print.html",
        {
            "patient": patient,
            "plan": selectors.latest_plan(patient_id=patient.pk),
            "resources": selectors.resources_for(patient.clinic),
            "back_url": _plan_page_url(request.user, patient),
        },
    )


# --- Crisis resources (clinic admin) --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def clinic_resources(request: AuthedRequest) -> HttpResponse:
    """A clinic admin replaces the deployment's default list with the clinic's own."""
    clinic = get_managed_clinic(request.user)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "defaults":
        services.crisis_resources_replace(clinic=clinic, resources=[])
        messages.success(request, "Your clinic shows the default crisis resources again.")
        return redirect("crisis:clinic_resources")
    listed, has_own = selectors.resources_to_edit(clinic)
    contact_form = ClinicContactForm.for_clinic(
        clinic, data=request.POST if action == "contact" else None
    )
    formset = resource_formset(listed, data=request.POST if action == "resources" else None)
    if action == "contact" and contact_form.is_valid():
        services.clinic_contact_save(clinic=clinic, **contact_form.cleaned_data)
        messages.success(request, "Clinic contact details saved.")
        return redirect("crisis:clinic_resources")
    if action == "resources" and formset.is_valid():
        services.crisis_resources_replace(
            clinic=clinic, resources=[form.content() for form in formset.ordered_forms]
        )
        messages.success(request, "Crisis resources saved; the crisis page shows them now.")
        return redirect("crisis:clinic_resources")
    return render(
        request,
        "crisis/clinic_resources.html",
        {
            "clinic": clinic,
            "has_own": has_own,
            "shows_defaults": has_own and not any(row.is_active for row in listed),
            "contact_form": contact_form,
            "formset": formset,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Grounding exercises --------------------------------------------------------------------


def grounding(request: HttpRequest) -> HttpResponse:
    """Public, like the crisis page that links here."""
    return render(request, "crisis/grounding/index.html", {"exercises": EXERCISES})


def grounding_exercise(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = exercise_for(slug)
    if exercise is None:
        raise Http404("No such exercise.")
    others = [other for other in EXERCISES if other.slug != slug]
    return render(request, exercise.template, {"exercise": exercise, "others": others})
