"""A patient's own contact details."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from claywork.accounts import services
from claywork.accounts.forms import ContactForm
from claywork.core import policy
from claywork.core.http import AuthedRequest


@login_required
@require_http_methods(["GET", "POST"])
def my_contact(request: AuthedRequest) -> HttpResponse:
    if not policy.may_keep_journal(request.user):  # patients only
        raise Http404("No such page.")
    patient = request.user
    form = ContactForm(
        request.POST or None, initial=ContactForm.initial_from(services.contact_of(patient.pk))
    )
    if request.method == "POST" and form.is_valid():
        services.patient_contact_save(patient=patient, by=request.user, **form.cleaned_data)
        messages.success(request, "Your contact details are saved.")
        return redirect("accounts:contact")
    return render(
        request,
        "accounts/contact.html",
        {"form": form, "patient": patient, "for_admin": False},
        status=400 if form.errors else 200,
    )
