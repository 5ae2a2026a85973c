"""A person's own account pages: profile, sign-in address. (Contact details, sign-in
sessions, data export and deletion have their own pages, linked from the profile.)"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_http_methods

from claywork.accounts import profile
from claywork.accounts.models import EmailChange
from claywork.accounts.profile_forms import EmailChangeForm, ProfileForm
from claywork.core.http import AuthedRequest
from claywork.reminders.services import zone_change

# Pages other parts of Claywork add to the account (linked only where they exist).
OPTIONAL_PAGES = {"contact": "/account/contact/", "sessions": "/account/sessions/"}


def _exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def profile_page(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        profile.profile_update(user=user, full_name=data["full_name"], language=data["language"])
        if user.is_patient:
            zone_change(patient=user, timezone_name=data["timezone"])
        else:
            profile.zone_set(user=user, timezone_name=data["timezone"])
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    context = {
        "form": form,
        "pending": EmailChange.objects.filter(user=user).first(),
        "optional": {name: path for name, path in OPTIONAL_PAGES.items() if _exists(path)},
    }
    return render(request, "accounts/profile.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def email_change(request: AuthedRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            change, _ = profile.email_change_request(
                user=request.user, new_email=form.cleaned_data["new_email"]
            )
        except profile.EmailChangeError as error:
            form.add_error("new_email", str(error))
        else:
            messages.success(
                request,
                f"We sent a link to {change.new_email}. Open it to confirm; until then, "
                "you sign in with your current address.",
            )
            return redirect("accounts:profile")
    return render(
        request, "accounts/email_change.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def email_confirm(request: AuthedRequest, token: str) -> HttpResponse:
    """GET shows what will change (mail scanners open links); POST changes it."""
    try:
        change = profile.pending_change(user=request.user, token=token)
        if request.method == "POST":
            new_email = profile.email_change_confirm(user=request.user, token=token)
            messages.success(request, f"Done: you now sign in with {new_email}.")
            return redirect("accounts:profile")
    except profile.EmailChangeError as error:
        return render(request, "accounts/email_confirm.html", {"error": str(error)}, status=400)
    return render(request, "accounts/email_confirm.html", {"change": change})
