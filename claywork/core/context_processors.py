from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def claywork(request: HttpRequest) -> dict[str, Any]:
    return {
        "window_opens_hours": settings.CLAYWORK_WINDOW_OPENS_HOURS,
        "window_closes_hours": settings.CLAYWORK_WINDOW_CLOSES_HOURS,
    }
