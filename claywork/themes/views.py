from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from claywork.audit.services import audit_record
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.themes import lens, selectors, services
from claywork.themes.access import (
    get_patient_for_care_team_themes,
    get_session_for_lens,
    get_theme_for_user,
    require_theme_keeper,
)
from claywork.themes.forms import ThemeEditForm
from claywork.themes.models import Theme
from claywork.themes.pipeline import RECURRING_MIN_SESSIONS


@login_required
@require_GET
@cached_page
def my_themes(request: AuthedRequest) -> HttpResponse:
    require_theme_keeper(request.user)
    board = selectors.theme_board(request.user)
    context = {
        "board": board,
        "recurring_sessions": RECURRING_MIN_SESSIONS,
        "sessions": selectors.session_refs(request.user),
    }
    return render(request, "themes/my_themes.html", context)


@login_required
@require_POST
def refresh(request: AuthedRequest) -> HttpResponse:
    require_theme_keeper(request.user)
    services.themes_mark_dirty(patient_id=request.user.pk, delay=timedelta(0))
    messages.success(request, "Your themes are being worked out again. This takes a minute or two.")
    return redirect("themes:mine")


def _apply(theme: Theme, form: ThemeEditForm, request: AuthedRequest) -> str:
    action, label = form.cleaned_data["action"], form.cleaned_data["label"]
    if action in ("rename", "reset_name"):
        services.theme_rename(theme=theme, label=label if action == "rename" else "")
        return "Saved the new name." if action == "rename" else "Back to the key phrases."
    if action in ("hide", "show"):
        services.theme_hide(theme=theme, hidden=action == "hide")
        return "Hidden. You can show it again below." if action == "hide" else "Shown again."
    if action in ("pin", "unpin"):
        services.theme_pin(theme=theme, pinned=action == "pin")
        return "Pinned to the top." if action == "pin" else "Unpinned."
    if action == "merge":
        into = get_theme_for_user(request.user, form.cleaned_data["into"])
        try:
            services.theme_merge(theme=theme, into=into)
        except ValueError:
            return "That theme is already part of this one, so nothing was changed."
        return "Merged. You can separate them again at any time."
    services.theme_unmerge(theme=theme)
    return "Separated again."


@login_required
@require_POST
def theme_edit(request: AuthedRequest, theme_id: int) -> HttpResponse:
    theme = get_theme_for_user(request.user, theme_id)
    form = ThemeEditForm(request.POST)
    if form.is_valid():
        messages.success(request, _apply(theme, form, request))
    else:
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, f"Nothing was changed: {errors}")
    return redirect(reverse("themes:mine") + f"#theme-{theme.pk}")


@login_required
@require_GET
def session_lens(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_lens(request.user, session_id)
    context = {"lens": lens.session_lens(request.user, session), "session": session}
    return render(request, "themes/session_lens.html", context)


@login_required
@require_GET
def tone(request: AuthedRequest) -> HttpResponse:
    require_theme_keeper(request.user)
    over_time = lens.tone_over_time(request.user)
    return render(request, "themes/tone.html", {"tone": over_time, "chart": over_time.chart()})


@login_required
@require_GET
def care_team_themes(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_care_team_themes(request.user, patient_id)
    audit_record(
        actor=request.user,
        patient=patient,
        action="read",
        resource="themes.care_team",
        object_id=patient.pk,
        request=request,
    )
    snapshot = services.care_team_themes(patient=patient, clinician=request.user)
    board = selectors.care_team_board(snapshot)
    context = {"patient": patient, "board": board}
    return render(request, "themes/care_team.html", context)
