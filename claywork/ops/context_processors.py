from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from claywork.accounts.models import Role
from claywork.ops.health import staff_banner


def ops_banner(request: HttpRequest) -> dict[str, Any]:
    """``staff_banner`` for clinicians and clinic admins, worked out only if a template reads
    it (htmx fragments and JSON never do)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "role", None) not in (Role.CLINICIAN, Role.CLINIC_ADMIN):
        return {}
    return {"staff_banner": SimpleLazyObject(lambda: staff_banner(user.clinic_id))}
