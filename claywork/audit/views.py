"""The audit trail's pages: a patient's "who has seen my data" and a clinic admin's log."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from claywork.audit import selectors
from claywork.audit.checkpoint import checkpoint_latest
from claywork.audit.forms import ClinicLogFilterForm, CursorForm
from claywork.core import policy
from claywork.core.http import AuthedRequest


@login_required
@require_safe
def my_access_log(request: AuthedRequest) -> HttpResponse:
    if not policy.may_read_own_access_log(request.user):
        raise Http404("No such page.")
    before, after = CursorForm(request.GET).cursors()
    page = selectors.log_page(
        policy.audit_events_visible_to(request.user), before=before, after=after
    )
    return render(
        request,
        "audit/my_access_log.html",
        {"page": page, "checkpoint": checkpoint_latest()},
    )


@login_required
@require_safe
def clinic_log(request: AuthedRequest) -> HttpResponse:
    if not policy.may_read_clinic_audit_log(request.user):
        raise Http404("No such page.")
    form = ClinicLogFilterForm(request.GET, people=policy.people_managed_by(request.user))
    before, after = form.cursors()
    events = selectors.clinic_events(policy.audit_events_visible_to(request.user), **form.filters())
    page = selectors.log_page(events, before=before, after=after, with_patient=True)
    kept = {
        key: value
        for key, value in request.GET.items()
        if key in ("patient", "name", "actor", "since", "until") and value
    }
    return render(
        request,
        "audit/clinic_log.html",
        {"form": form, "page": page, "filter_query": urlencode(kept)},
    )
