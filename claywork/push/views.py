"""The browser's side of push reminders: subscribe this device, or stop."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.push import services
from claywork.push.forms import EndpointForm, SubscriptionForm
from claywork.push.models import endpoint_digest

SESSION_KEY = services.SESSION_KEY


def _patient(request: AuthedRequest) -> None:
    if not policy.may_record_measures(request.user) or not services.push_enabled():
        raise Http404("No such page.")


def _json(request: AuthedRequest) -> object:
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None


def _invalid(form: SubscriptionForm | EndpointForm) -> JsonResponse:
    """The one error shape of the push endpoints: ``{"errors": {field: [message, ...]}}``."""
    errors = {
        name: [str(message) for message in messages] for name, messages in form.errors.items()
    }
    return JsonResponse({"errors": errors}, status=400)


@login_required
@require_POST
def subscribe(request: AuthedRequest) -> HttpResponse:
    _patient(request)
    form = SubscriptionForm.from_json(_json(request))
    if not form.is_valid():
        return _invalid(form)
    subscription = services.push_subscribe(patient=request.user, **form.cleaned_data)
    request.session[SESSION_KEY] = subscription.endpoint_hash
    return JsonResponse({"device": subscription.pk}, status=201)


@login_required
@require_POST
def unsubscribe(request: AuthedRequest) -> HttpResponse:
    _patient(request)
    data = _json(request)
    form = EndpointForm(data if isinstance(data, dict) else {})
    if not form.is_valid():
        return _invalid(form)
    endpoint = form.cleaned_data["endpoint"]
    revoked = services.push_revoke(patient=request.user, endpoint=endpoint)
    if request.session.get(SESSION_KEY) == endpoint_digest(endpoint):
        del request.session[SESSION_KEY]
    return JsonResponse({"revoked": revoked})
