from __future__ import annotations

from django.http import HttpRequest

from claywork.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: ``user`` is a real account."""

    user: User  # type: ignore[assignment]


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
