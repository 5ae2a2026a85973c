from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest


def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    from claywork.accounts.sign_ins import sign_in_start

    if request is not None and hasattr(request, "session"):
        sign_in_start(request=request, user=user)


def _signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    from claywork.accounts.sign_ins import sign_in_end_current

    if request is not None:
        sign_in_end_current(request=request)


class AccountsConfig(AppConfig):
    name = "claywork.accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        # Django's login() and logout() are the one door every sign-in and sign-out passes
        # (allauth's pages, an accepted invitation): the receivers only call the service.
        user_logged_in.connect(_signed_in, dispatch_uid="claywork.sign_in_start")
        user_logged_out.connect(_signed_out, dispatch_uid="claywork.sign_in_end")
