"""The alert inbox: see, open, take on, hand over, acknowledge with a note.

The care team sees an alert in full. On-call staff and clinic admins it was sent to see its
metadata (``safety/alert_summary.html``): the patient's name and numbers, kind, severity and
times, never its title or a note, and may acknowledge it with what they did.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from claywork.accounts.services import contact_of
from claywork.audit.services import audit_read, audit_shown, audit_write
from claywork.core import policy
from claywork.core.http import AuthedRequest, is_htmx
from claywork.core.page_cache import cached_page
from claywork.core.paging import page_number
from claywork.safety import selectors, services
from claywork.safety.access import get_alert_for_user, get_alert_view_for_user
from claywork.safety.forms import AcknowledgeForm, AssignForm
from claywork.safety.models import Alert

IN_LIST = "inbox"  # the card sits in the inbox's lists, not alone on the alert's page


@login_required
@cached_page
def inbox(request: AuthedRequest) -> HttpResponse:
    if not policy.may_read_alerts(request.user):
        raise Http404("No such page.")
    inbox = selectors.inbox(
        request.user,
        page=page_number(request.GET.get("page")),
        told_page=page_number(request.GET.get("told_page")),
    )
    shown = [
        alert.patient_id
        for alert in (*inbox.open, *inbox.acknowledged, *inbox.told_open, *inbox.told_acknowledged)
    ]
    audit_shown(request, shown, "safety.alert_inbox", clinic_id=request.user.clinic_id)
    selectors.attach_hand_over_choices(inbox.open, request.user)
    return render(request, "safety/inbox.html", {"inbox": inbox, "in_list": True})


def _render_detail(
    request: AuthedRequest, alert: Alert, full: bool, form: AcknowledgeForm, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "alert": alert,
        "full": full,
        "form": form,
        "contact": contact_of(alert.patient_id),
    }
    if full:
        selectors.attach_hand_over_choices([alert], request.user)
        context["deliveries"] = selectors.deliveries_of(alert)
        return render(request, "safety/alert_detail.html", context, status=status)
    return render(request, "safety/alert_summary.html", context, status=status)


@login_required
def alert_detail(request: AuthedRequest, alert_id: int) -> HttpResponse:
    alert, full = get_alert_view_for_user(request.user, alert_id)
    audit_read(request, alert.patient_id, "safety.alert", alert.pk)
    return _render_detail(request, alert, full, AcknowledgeForm())


def _card(
    request: AuthedRequest, alert_id: int, form: AcknowledgeForm, status: int, **extra: Any
) -> HttpResponse:
    """The alert's card again, for htmx: in the inbox an acknowledged card moves from "Open"
    to "Acknowledged" (out-of-band swaps), and the counts follow."""
    alert, full = get_alert_view_for_user(request.user, alert_id)
    selectors.attach_hand_over_choices([alert], request.user)
    context = {
        "alert": alert,
        "full": full,
        "form": form,
        "in_list": request.POST.get("shown_in") == IN_LIST,
        "moved": status == 200 and not alert.is_open and request.POST.get("shown_in") == IN_LIST,
        "open_count": selectors.open_alert_count(request.user),
        **extra,
    }
    return render(request, "safety/_alert_response.html", context, status=status)


@login_required
@require_POST
def alert_acknowledge(request: AuthedRequest, alert_id: int) -> HttpResponse:
    """htmx swaps the alert's card in place; without htmx, back to the inbox. A note that is
    missing or too long comes back with its words and the error beside them."""
    alert, full = get_alert_view_for_user(request.user, alert_id)
    form = AcknowledgeForm(request.POST)
    first = form.is_valid() and services.alert_acknowledge(
        alert=alert, by=request.user, note=form.cleaned_data["note"]
    )
    if first:
        audit_write(request, alert.patient_id, "safety.alert", alert.pk)
    # Someone else was first: this person's words are shown back to them, not thrown away.
    unsaved_note = "" if first or form.errors else form.cleaned_data["note"]
    if unsaved_note and alert.acknowledged_by_id == request.user.pk and alert.note == unsaved_note:
        unsaved_note = ""  # the same note sent twice (a double click): nothing to say
    status = 400 if form.errors else 200
    if is_htmx(request):
        return _card(request, alert_id, form, status, unsaved_note=unsaved_note)
    if form.errors:
        return _render_detail(request, alert, full, form, status=status)
    if first:
        messages.success(request, "Alert acknowledged.")
    elif unsaved_note:
        messages.info(
            request,
            "This alert had already been acknowledged; that note stands. Yours was not added: "
            f"“{unsaved_note}”",
        )
    else:
        messages.info(request, "This alert had already been acknowledged; that note stands.")
    return redirect("safety:inbox")


@login_required
@require_POST
def alert_assign(request: AuthedRequest, alert_id: int) -> HttpResponse:
    """ "Assign to me" or hand over to a colleague on the care team (the care team only)."""
    alert = get_alert_for_user(request.user, alert_id)
    form = AssignForm(request.POST, alert=alert)
    if form.is_valid():
        services.alert_assign(alert=alert, to=form.cleaned_data["to"], by=request.user)
        audit_write(request, alert.patient_id, "safety.alert", alert.pk)
    status = 400 if form.errors else 200
    if is_htmx(request):
        return _card(request, alert_id, AcknowledgeForm(), status, assign_form=form)
    if form.errors:
        messages.error(request, " ".join(str(error) for error in form.errors.get("to", [])))
    elif form.cleaned_data["to"] == request.user:
        messages.success(request, "The alert is assigned to you.")
    else:
        messages.success(request, f"The alert is handed over to {form.cleaned_data['to']}.")
    return redirect("safety:alert_detail", alert_id=alert.pk)
