from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

# The phone tab bar's sections, by URL namespace or view name; other pages fall under More.
_TAB_OF = {
    "home": "home",
    "journal": "journal",
    "measures:check_in": "check_in",
    "practice": "plan",
}


def nav_section(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return _TAB_OF.get(match.view_name) or _TAB_OF.get(match.namespace) or "more"


def claywork(request: HttpRequest) -> dict[str, Any]:
    return {
        "window_opens_hours": settings.CLAYWORK_WINDOW_OPENS_HOURS,
        "window_closes_hours": settings.CLAYWORK_WINDOW_CLOSES_HOURS,
        "nav_section": nav_section(request),
    }
