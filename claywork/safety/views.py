"""The clinician's alert inbox: see, open, acknowledge with a note."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from claywork.audit.services import audit_read, audit_shown, audit_write
from claywork.core import policy
from claywork.core.http import AuthedRequest, is_htmx
from claywork.safety import selectors, services
from claywork.safety.access import get_alert_for_user
from claywork.safety.forms import AcknowledgeForm
from claywork.safety.models import Alert


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    if not policy.may_read_alerts(request.user):
        raise Http404("No such page.")
    inbox = selectors.inbox(request.user)
    shown = [alert.patient_id for alert in (*inbox.open, *inbox.acknowledged)]
    audit_shown(request, shown, "safety.alert_inbox", clinic_id=request.user.clinic_id)
    return render(request, "safety/inbox.html", {"inbox": inbox, "form": AcknowledgeForm()})


def _render_detail(
    request: AuthedRequest, alert: Alert, form: AcknowledgeForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "safety/alert_detail.html",
        {"alert": alert, "deliveries": selectors.deliveries_of(alert), "form": form},
        status=status,
    )


@login_required
def alert_detail(request: AuthedRequest, alert_id: int) -> HttpResponse:
    alert = get_alert_for_user(request.user, alert_id)
    audit_read(request, alert.patient_id, "safety.alert", alert.pk)
    return _render_detail(request, alert, AcknowledgeForm())


@login_required
@require_POST
def alert_acknowledge(request: AuthedRequest, alert_id: int) -> HttpResponse:
    """htmx swaps the alert's card in place; without htmx, back to the inbox."""
    alert = get_alert_for_user(request.user, alert_id)
    form = AcknowledgeForm(request.POST)
    first = form.is_valid() and services.alert_acknowledge(
        alert=alert, by=request.user, note=form.cleaned_data["note"]
    )
    if first:
        audit_write(request, alert.patient_id, "safety.alert", alert.pk)
    status = 400 if form.errors else 200
    if is_htmx(request):
        alert = get_alert_for_user(request.user, alert_id)
        return render(request, "safety/_alert.html", {"alert": alert, "form": form}, status=status)
    if form.errors:
        return _render_detail(request, alert, form, status=status)
    if first:
        messages.success(request, "Alert acknowledged.")
    else:
        messages.info(request, "This alert had already been acknowledged; that note stands.")
    return redirect("safety:inbox")
