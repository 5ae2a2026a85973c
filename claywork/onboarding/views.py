"""The first-steps page, the preparation guide, and skipping or resuming a step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.onboarding import services
from claywork.onboarding.steps import STEP_KEYS, checklist_for

# Where a skip or resume button sends the patient back to.
RETURN_TO = {"home": "home", "start": "onboarding:start"}


def _patient_only(request: AuthedRequest) -> None:
    if not policy.may_keep_journal(request.user):
        raise Http404("No such page.")


@login_required
def start(request: AuthedRequest) -> HttpResponse:
    _patient_only(request)
    return render(request, "onboarding/start.html", {"checklist": checklist_for(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def guide(request: AuthedRequest) -> HttpResponse:
    _patient_only(request)
    if request.method == "POST":
        services.guide_mark_read(patient=request.user)
        messages.success(request, "Marked as read. You can come back to the guide any time.")
        return redirect("home")
    return render(request, "onboarding/guide.html")


def _step_key(key: str) -> str:
    if key not in STEP_KEYS:
        raise Http404("No such step.")
    return key


@login_required
@require_POST
def step_skip(request: AuthedRequest, key: str) -> HttpResponse:
    _patient_only(request)
    services.step_skip(patient=request.user, key=_step_key(key))
    messages.info(request, "Skipped for now. Your first steps page keeps it for later.")
    return redirect(RETURN_TO.get(request.POST.get("return_to", ""), "home"))


@login_required
@require_POST
def step_resume(request: AuthedRequest, key: str) -> HttpResponse:
    _patient_only(request)
    services.step_resume(patient=request.user, key=_step_key(key))
    messages.info(request, "Back on your list.")
    return redirect(RETURN_TO.get(request.POST.get("return_to", ""), "onboarding:start"))
