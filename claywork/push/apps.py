from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.http import HttpRequest


def _revoke_this_browser(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    """Signing out ends this browser's push reminders: they are for a signed-in person. (The
    service worker unsubscribes the browser too; this makes sure the server stops sending.)
    Not when the sign-out is the inactivity timeout: reminders are for people who have not
    opened Claywork for a while, and tapping one the next day must not end them."""
    from claywork.accounts.sign_ins import IDLE_SIGN_OUT
    from claywork.push.services import SESSION_KEY, push_revoke_by_digest

    if request is None or getattr(request, IDLE_SIGN_OUT, False):
        return
    digest = request.session.get(SESSION_KEY)
    if user is not None and digest:
        push_revoke_by_digest(patient_id=user.pk, digest=digest, reason="signed out")


class PushConfig(AppConfig):
    """Web Push: the devices a patient asked to be reminded on, and sending to them."""

    name = "claywork.push"

    def ready(self) -> None:
        user_logged_out.connect(_revoke_this_browser, dispatch_uid="claywork.push.sign_out")
