from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.accounts.second_factor import has_second_factor


class TimezoneMiddleware:
    """Show every time in the signed-in person's own zone; the database keeps UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class NoStoreForPrivatePagesMiddleware:
    """Pages shown to a signed-in person hold health data: no shared or back-button caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response


class StaffMfaMiddleware:
    """Clinicians and clinic admins see many patients' data: they must sign in with a second
    factor (an authenticator app, or a security key or passkey). Until they have set one up,
    every page sends them to the page where they choose one."""

    ALLOWED_PREFIXES = ("/accounts/", "/help/", "/static/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.CLAYWORK_STAFF_MFA_REQUIRED
            and isinstance(user, User)
            and user.is_authenticated
            and user.role in (Role.CLINICIAN, Role.CLINIC_ADMIN)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not has_second_factor(user)
        ):
            if request.headers.get("HX-Request"):
                # The header's badges load by htmx on every page, the set-up page too: a
                # redirect would paste that whole page into the badge. Nothing to swap.
                return HttpResponse(status=204)
            return redirect("mfa_index")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """No camera, microphone, location, payment or other powerful feature, on any page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
