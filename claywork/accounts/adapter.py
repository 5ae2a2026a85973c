from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from claywork.accounts import throttle
from claywork.accounts.models import User


def _address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client wants it to be (see the audit's
    # _client_address); behind a proxy, the proxy must set REMOTE_ADDR.
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Accounts come from a clinic's invitation, never from an open sign-up form; every
    password check goes through the sign-in throttle (``accounts/throttle.py``)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # Replaces allauth's fixed lock-out ("login_failed" by address and key): one
        # progressive limit, shared by every process.
        email = str(credentials.get("email", ""))
        wait = throttle.attempt_claim(
            email=email,
            address=_address(request),
            trusted_device=throttle.device_trusted(request, email),
        )
        if wait:
            raise ValidationError(
                f"Too many sign-in attempts. Please wait {_wait_words(wait)} and try again.",
                code="too_many_login_attempts",
            )

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        user = super().authenticate(request, **credentials)
        if user is not None:
            throttle.attempt_succeeded(
                email=str(credentials.get("email", "")), address=_address(request)
            )
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        email = str(credentials.get("email", "")).strip().lower()
        if throttle.owner_to_be_told(email):
            owner = User.objects.filter(email=email, is_active=True).first()
            if owner is not None:
                send_mail(
                    subject="Failed sign-ins to your Claywork account",
                    message=render_to_string(
                        "accounts/sign_in_failures_email.txt",
                        {"owner": owner, "failures": throttle.failures_on_record(email)},
                    ),
                    from_email=None,
                    recipient_list=[owner.email],
                )

    def post_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any
    ) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        throttle.device_remember(response, str(getattr(user, "email", "")))
        return response
