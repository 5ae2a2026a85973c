"""Reads for the alert inbox. Who sees which alert is ``policy.alerts_visible_to``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.safety.models import Alert, AlertDelivery, DeliveryState, Severity

RECENTLY_ACKNOWLEDGED = 50


@dataclass(frozen=True)
class Inbox:
    open: list[Alert]
    acknowledged: list[Alert]


def with_delivery_counts(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Each alert with its people and how its e-mails are doing, in one query."""
    return alerts.select_related("patient", "acknowledged_by").annotate(
        sent_count=Count("deliveries", filter=Q(deliveries__state=DeliveryState.SENT)),
        waiting_count=Count(
            "deliveries",
            filter=Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.SENDING]),
        ),
        retrying_count=Count(
            "deliveries",
            filter=Q(deliveries__state=DeliveryState.PENDING, deliveries__attempts__gt=0),
        ),
        failed_count=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
    )


_SEVERITY_ORDER = Case(
    When(severity=Severity.HIGH, then=Value(0)),
    When(severity=Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def inbox(user: AnyUser) -> Inbox:
    """Open alerts first, most severe then newest; then the latest acknowledged ones."""
    visible = with_delivery_counts(policy.alerts_visible_to(user))
    open_alerts = visible.filter(acknowledged_at__isnull=True).order_by(
        _SEVERITY_ORDER, "-created_at", "-pk"
    )
    acknowledged = visible.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at")
    return Inbox(open=list(open_alerts), acknowledged=list(acknowledged[:RECENTLY_ACKNOWLEDGED]))


def open_alert_count(user: AnyUser) -> int:
    return policy.alerts_visible_to(user).filter(acknowledged_at__isnull=True).count()


def deliveries_of(alert: Alert) -> list[AlertDelivery]:
    return list(alert.deliveries.select_related("recipient").order_by("created_at", "pk"))
