"""The patient shares and revokes; readers see what was shared with them (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claywork.audit.services import audit_record
from claywork.core.http import AuthedRequest
from claywork.sharing import access, selectors, services
from claywork.sharing.forms import AudienceForm, CategoryShareForm, RevokeForm
from claywork.sharing.models import Share


def before_param(request: HttpRequest) -> int | None:
    """The ``?before=<share id>`` of an older page of shared items, if well formed."""
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _item_url(share: Share) -> str:
    if share.entry_id is not None:
        return reverse("journal:entry_detail", kwargs={"entry_id": share.entry_id})
    if share.goal_id is not None:
        return reverse("practice:goals")
    return reverse("sharing:page")


@login_required
@require_http_methods(["GET", "POST"])
def sharing_page(request: AuthedRequest) -> HttpResponse:
    """Everything the patient shares, with whom and since when; standing shares added here."""
    patient = access.require_sharer(request.user)
    audiences = selectors.audiences_for(patient)
    form = CategoryShareForm(
        request.POST if request.method == "POST" else None, audiences=audiences
    )
    if request.method == "POST" and form.is_valid():
        care_team, person = access.audience_from_key(patient, form.cleaned_data["audience"]) or (
            False,
            None,
        )
        services.share_category(
            patient=patient,
            category=form.cleaned_data["category"],
            care_team=care_team,
            person=person,
        )
        messages.success(request, "Shared. You can stop sharing it here at any time.")
        return redirect("sharing:page")
    context = {
        "form": form,
        "audiences": audiences,
        "shares": selectors.sharing_rows(patient, live=True),
        "ended": selectors.sharing_rows(patient, live=False, limit=20),
    }
    return render(request, "sharing/page.html", context, status=400 if form.errors else 200)


def _share_item_from_form(request: AuthedRequest, item: object) -> bool:
    patient = request.user
    form = AudienceForm(request.POST, audiences=selectors.audiences_for(patient))
    audience = access.audience_from_key(patient, form.data.get("audience", ""))
    if not form.is_valid() or audience is None:
        messages.error(request, "Choose someone to share with.")
        return False
    care_team, person = audience
    services.share_item(patient=patient, item=item, care_team=care_team, person=person)  # type: ignore[arg-type]
    messages.success(request, "Shared. You can stop sharing it at any time.")
    return True


@login_required
@require_POST
def share_entry(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = access.get_own_entry(request.user, entry_id)
    _share_item_from_form(request, entry)
    return redirect("journal:entry_detail", entry_id=entry.pk)


@login_required
@require_POST
def share_goal(request: AuthedRequest, goal_id: int) -> HttpResponse:
    goal = access.get_own_goal(request.user, goal_id)
    _share_item_from_form(request, goal)
    return redirect("practice:goals")


@login_required
@require_POST
def revoke(request: AuthedRequest, share_id: int) -> HttpResponse:
    share = access.get_own_share(request.user, share_id)
    services.share_revoke(patient=request.user, share=share)
    messages.success(request, "Stopped sharing. From now on it is private again.")
    form = RevokeForm(request.POST)
    if form.is_valid() and form.cleaned_data["return_to"] == "item":
        return redirect(_item_url(share))
    return redirect("sharing:page")


@login_required
@require_GET
def care_team_view(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """What a patient shares with their care team, for the clinicians on it."""
    patient = access.get_patient_in_care(request.user, patient_id)
    view = selectors.shared_view(
        reader=request.user, patient=patient, care_team=True, before=before_param(request)
    )
    audit_record(
        actor=request.user,
        patient=patient,
        action="read",
        resource="sharing.care_team",
        object_id=patient.pk,
        request=request,
    )
    return render(request, "sharing/care_team.html", {"patient": patient, "view": view})
