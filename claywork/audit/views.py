"""The audit trail's pages: a patient's "who has seen my data" and a clinic admin's log."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from claywork.audit import selectors
from claywork.audit.checkpoint import checkpoint_latest
from claywork.audit.forms import ClinicLogFilterForm, CursorForm
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page


@login_required
@require_safe
def my_access_log(request: AuthedRequest) -> HttpResponse:
    if not policy.may_read_own_access_log(request.user):
        raise Http404("No such page.")
    before, after = CursorForm(request.GET).cursors()
    page = selectors.own_log_page(request.user.pk, before=before, after=after)
    return render(
        request,
        "audit/my_access_log.html",
        {"page": page, "checkpoint": checkpoint_latest()},
    )


def _newest_event_of_clinic(request: HttpRequest) -> str | None:
    """The part of the clinic log's stored page key that no version follows: its newest
    event. Any event after it (a read by anyone in the clinic) makes the page stale. The log
    records no event of its own view; if it did, the key would change on every view."""
    user = request.user
    if not policy.may_read_clinic_audit_log(user):
        return None
    return f"audit-{selectors.newest_clinic_event_id(user.clinic_id)}"  # type: ignore[union-attr, arg-type]


# The filters and cursors (each query string a page of its own).
_LOG_QUERY = ("patient", "name", "actor", "since", "until", "before", "after")


@login_required
@require_safe
@cached_page(query=_LOG_QUERY, key=_newest_event_of_clinic)
def clinic_log(request: AuthedRequest) -> HttpResponse:
    if not policy.may_read_clinic_audit_log(request.user):
        raise Http404("No such page.")
    form = ClinicLogFilterForm(request.GET, people=policy.people_managed_by(request.user))
    before, after = form.cursors()
    filters = form.filters()
    patient, patient_ids = filters.pop("patient", None), filters.pop("patient_ids", None)
    events = selectors.clinic_events(policy.audit_events_visible_to(request.user), **filters)
    if patient is not None or patient_ids is not None:
        whose = [patient.pk] if patient is not None else patient_ids
        page = selectors.patient_log_page(
            events, whose, before=before, after=after, with_patient=True
        )
    else:
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


@login_required
@require_safe
def clinic_log_event(request: AuthedRequest, event_id: int) -> HttpResponse:
    """A list page's event in the clinic's log: when, who, which page, and every patient it
    showed."""
    if not policy.may_read_clinic_audit_log(request.user):
        raise Http404("No such page.")
    events = policy.audit_events_visible_to(request.user).filter(subject_set__isnull=False)
    event = get_object_or_404(events.select_related("actor"), pk=event_id)
    return render(
        request,
        "audit/clinic_log_event.html",
        {
            "row": selectors.log_row(event),
            "patients": selectors.list_event_patients(event),
        },
    )
