from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from claywork.ops.health import health_report


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring. 200 while the web can answer (a late worker makes it
    ``degraded``, not down: the pages still work); 503 without a database."""
    report = health_report()
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)
