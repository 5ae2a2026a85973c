from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.http import HttpRequest


def _revoke_this_browser(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    """Signing out ends this browser's push reminders: they are for a signed-in person. (The
    service worker unsubscribes the browser too; this makes sure the server stops sending.)"""
    from claywork.push.services import push_revoke_by_digest
    from claywork.push.views import SESSION_KEY

    digest = request.session.get(SESSION_KEY) if request is not None else None
    if user is not None and digest:
        push_revoke_by_digest(patient_id=user.pk, digest=digest, reason="signed out")


class PushConfig(AppConfig):
    """Web Push: the devices a patient asked to be reminded on, and sending to them."""

    name = "claywork.push"

    def ready(self) -> None:
        user_logged_out.connect(_revoke_this_browser, dispatch_uid="claywork.push.sign_out")
