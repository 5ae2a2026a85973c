"""Suggestions: a care-team clinician suggests a reflection prompt or a goal; the patient
accepts (a goal is created, a prompt opens the journal form) or declines it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from claywork.audit.services import audit_record
from claywork.care import selectors, services
from claywork.care.access import get_own_suggestion, get_patient_for_suggestions
from claywork.care.forms import DeclineForm, SuggestionForm
from claywork.care.models import Suggestion, SuggestionKind
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.journal import services as journal
from claywork.journal.models import Draft
from claywork.journal.views import new_entry_draft_key

RESOURCE = "care.suggestion"


def _suggest(request: AuthedRequest, form: SuggestionForm, patient_id: int) -> None:
    data = form.cleaned_data
    goal = None
    if data["kind"] == SuggestionKind.GOAL:
        goal = services.SuggestedGoal(
            title=data["goal_title"].strip(),
            realm=data["realm"],
            cadence=data["cadence"],
            per_week=data.get("per_week") or 1,
        )
    services.suggestion_make(
        patient=get_patient_for_suggestions(request.user, patient_id),
        clinician=request.user,
        submission_id=data["submission_id"],
        prompt=data["prompt"] if goal is None else None,
        prompt_words=data["prompt_words"] if goal is None and not data["prompt"] else "",
        goal=goal,
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_suggestions(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """The clinician's page: suggest something, and see what came of earlier suggestions."""
    patient = get_patient_for_suggestions(request.user, patient_id)
    writing = request.method == "POST"
    form = SuggestionForm(
        request.POST if writing else None,
        initial={"submission_id": uuid.uuid4(), "kind": SuggestionKind.PROMPT},
    )
    if writing and form.is_valid():
        _suggest(request, form, patient.pk)
        audit_record(
            actor=request.user, patient=patient, action="write", resource=RESOURCE, request=request
        )
        messages.success(
            request, f"Suggested to {patient.full_name}. You will see their answer here."
        )
        return redirect("care:patient_suggestions", patient_id=patient.pk)
    audit_record(
        actor=request.user, patient=patient, action="read", resource=RESOURCE, request=request
    )
    return render(
        request,
        "care/patient_suggestions.html",
        {
            "patient": patient,
            "form": form,
            "suggestions": selectors.suggestions_for(patient_id=patient.pk),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def my_suggestions(request: AuthedRequest) -> HttpResponse:
    """The patient's page: suggestions from their care team, pending ones first."""
    if not policy.may_keep_practice(request.user):
        raise Http404
    return render(
        request,
        "care/my_suggestions.html",
        {
            "suggestions": selectors.suggestions_for(patient_id=request.user.pk),
        },
    )


def _open_prompt(request: AuthedRequest, suggestion: Suggestion) -> HttpResponse:
    """A library prompt opens the journal form with it; a prompt in the clinician's own words
    opens it as the entry's title, unless an unsaved new entry is waiting there (never
    overwritten: nothing the patient wrote is lost)."""
    new_entry = reverse("journal:entry_new")
    if suggestion.prompt is not None:
        return redirect(f"{new_entry}?prompt={suggestion.prompt.pk}")
    draft_key = new_entry_draft_key(None, None)
    if Draft.objects.filter(patient=request.user, draft_key=draft_key).exists():
        messages.info(
            request,
            "You have a new entry you have not saved yet, so it opens as you left it. The "
            "suggested prompt is kept on your suggestions page.",
        )
    else:
        journal.draft_save(
            patient=request.user,
            draft_key=draft_key,
            fields={"kind": "reflection", "title": suggestion.words},
        )
    return redirect(new_entry)


@login_required
@require_POST
def suggestion_accept(request: AuthedRequest, suggestion_id: int) -> HttpResponse:
    suggestion = get_own_suggestion(request.user, suggestion_id)
    was_pending = suggestion.is_pending
    suggestion = services.suggestion_accept(suggestion=suggestion)
    if suggestion.kind == SuggestionKind.GOAL:
        if was_pending and suggestion.goal is not None:
            messages.success(request, "The goal is added to your plan.")
        return redirect("practice:plan")
    return _open_prompt(request, suggestion)


@login_required
@require_POST
def suggestion_decline(request: AuthedRequest, suggestion_id: int) -> HttpResponse:
    suggestion = get_own_suggestion(request.user, suggestion_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please keep the reason under 500 characters. Nothing was changed.")
        return redirect("care:my_suggestions")
    if suggestion.is_pending:
        services.suggestion_decline(suggestion=suggestion, reason=form.cleaned_data["reason"])
        messages.success(request, "Declined. Your care team will see that you said no.")
    return redirect("care:my_suggestions")
