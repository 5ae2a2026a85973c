"""Reads for the alert inbox. Who sees which alert is ``policy.alerts_visible_to`` (the care
team: everything) and ``policy.alerts_told_to`` (on-call staff and clinic admins it was sent
to: metadata only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from claywork.accounts.models import Role, User
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.safety.models import Alert, AlertDelivery, DeliveryState, Severity

RECENTLY_ACKNOWLEDGED = 50


@dataclass(frozen=True)
class Inbox:
    open: list[Alert]
    acknowledged: list[Alert]
    # Sent to this person as on-call staff or clinic admin: shown without title or note.
    told_open: list[Alert] = field(default_factory=list)
    told_acknowledged: list[Alert] = field(default_factory=list)


def with_delivery_counts(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Each alert with its people and how its e-mails are doing, in one query."""
    return alerts.select_related("patient", "acknowledged_by", "assigned_to").annotate(
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


SEVERITY_ORDER = Case(
    When(severity=Severity.HIGH, then=Value(0)),
    When(severity=Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _split(alerts: QuerySet[Alert]) -> tuple[list[Alert], list[Alert]]:
    open_alerts = alerts.filter(acknowledged_at__isnull=True).order_by(
        SEVERITY_ORDER, "-created_at", "-pk"
    )
    acknowledged = alerts.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at")
    return list(open_alerts), list(acknowledged[:RECENTLY_ACKNOWLEDGED])


def inbox(user: AnyUser) -> Inbox:
    """Open alerts first, most severe then newest; then the latest acknowledged ones. Then
    what this person was sent as on-call staff or admin, the same way."""
    mine_open, mine_done = _split(with_delivery_counts(policy.alerts_visible_to(user)))
    told_open, told_done = _split(
        policy.alerts_told_to(user).select_related("patient", "acknowledged_by")
    )
    return Inbox(mine_open, mine_done, told_open, told_done)


def open_alert_count(user: AnyUser) -> int:
    """For the navigation badge: one COUNT over both kinds of alert."""
    return (
        Alert.objects.filter(
            Q(pk__in=policy.alerts_visible_to(user).values("pk"))
            | Q(pk__in=policy.alerts_told_to(user).values("pk"))
        )
        .filter(acknowledged_at__isnull=True)
        .count()
    )


def deliveries_of(alert: Alert) -> list[AlertDelivery]:
    return list(alert.deliveries.select_related("recipient").order_by("created_at", "pk"))


def attach_hand_over_choices(alerts: list[Alert], viewer: AnyUser) -> None:
    """Set ``alert.hand_over_to``: the colleagues on each patient's care team an alert can be
    handed to (active clinicians, not the viewer, who has "Assign to me"), and
    ``alert.viewer_on_team``. One query for every alert on the page."""
    from claywork.care.models import CareTeamMembership

    patient_ids = {alert.patient_id for alert in alerts}
    team: dict[int, list[User]] = {pk: [] for pk in patient_ids}
    links = (
        CareTeamMembership.objects.filter(
            patient_id__in=patient_ids,
            clinician__is_active=True,
            clinician__role=Role.CLINICIAN,
            clinician__clinic_id=F("patient__clinic_id"),
        )
        .select_related("clinician")
        .order_by("clinician__full_name", "clinician_id")
    )
    for link in links:
        team[link.patient_id].append(link.clinician)
    for alert in alerts:
        members = team.get(alert.patient_id, [])
        alert.viewer_on_team = any(m.pk == viewer.pk for m in members)  # type: ignore[attr-defined]
        alert.hand_over_to = [  # type: ignore[attr-defined]
            m for m in members if m.pk not in (viewer.pk, alert.assigned_to_id)
        ]
