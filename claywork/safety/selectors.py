"""Reads for the alert inbox. Who sees which alert is ``policy.alerts_visible_to`` (the care
team: everything) and ``policy.alerts_told_to`` (on-call staff and clinic admins it was sent
to: metadata only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from claywork.accounts.models import Role, User
from claywork.core import policy
from claywork.core.paging import ListPage, list_page
from claywork.core.policy import AnyUser
from claywork.safety.models import Alert, AlertDelivery, DeliveryState, Severity

RECENTLY_ACKNOWLEDGED = 50
OPEN_PAGE_SIZE = 50


@dataclass(frozen=True)
class Inbox:
    open: list[Alert]
    acknowledged: list[Alert]
    # Sent to this person as on-call staff or clinic admin: shown without title or note.
    told_open: list[Alert] = field(default_factory=list)
    told_acknowledged: list[Alert] = field(default_factory=list)
    # Open alerts are a page at a time (``OPEN_PAGE_SIZE``), most severe first; the
    # acknowledged ones were always only the latest ``RECENTLY_ACKNOWLEDGED``.
    open_page: ListPage[Alert] | None = None
    told_open_page: ListPage[Alert] | None = None


def _deliveries_where(**where: object) -> Coalesce:
    """How many of an alert's e-mails match ``where``: a correlated COUNT, so the alert rows
    need no GROUP BY (which, over the alert and its three people's columns, cost SQLite a
    temporary B-tree and most of the inbox's database time)."""
    counted = (
        AlertDelivery.objects.filter(alert=OuterRef("pk"), **where)
        .order_by()
        .values("alert")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_delivery_counts(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Each alert with its people and how its e-mails are doing, in one query."""
    return alerts.select_related("patient", "acknowledged_by", "assigned_to").annotate(
        sent_count=_deliveries_where(state=DeliveryState.SENT),
        waiting_count=_deliveries_where(state__in=[DeliveryState.PENDING, DeliveryState.SENDING]),
        retrying_count=_deliveries_where(state=DeliveryState.PENDING, attempts__gt=0),
        failed_count=_deliveries_where(state=DeliveryState.FAILED),
    )


SEVERITY_ORDER = Case(
    When(severity=Severity.HIGH, then=Value(0)),
    When(severity=Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _split(alerts: QuerySet[Alert], page: int) -> tuple[ListPage[Alert], list[Alert]]:
    open_alerts = alerts.filter(acknowledged_at__isnull=True).order_by(
        SEVERITY_ORDER, "-created_at", "-pk"
    )
    acknowledged = alerts.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at")
    return (
        list_page(open_alerts, page, size=OPEN_PAGE_SIZE),
        list(acknowledged[:RECENTLY_ACKNOWLEDGED]),
    )


def inbox(user: AnyUser, *, page: int = 1, told_page: int = 1) -> Inbox:
    """Open alerts first, most severe then newest, ``page`` of them; then the latest
    acknowledged ones. Then what this person was sent as on-call staff or admin, the same way
    (``told_page`` of the open ones)."""
    mine_open, mine_done = _split(with_delivery_counts(policy.alerts_visible_to(user)), page)
    told_open, told_done = _split(
        policy.alerts_told_to(user).select_related("patient", "acknowledged_by"), told_page
    )
    return Inbox(
        mine_open.rows,
        mine_done,
        told_open.rows,
        told_done,
        open_page=mine_open,
        told_open_page=told_open,
    )


def open_alert_count(user: AnyUser) -> int:
    """For the navigation badge, on every staff page: one COUNT over both kinds of alert.

    ``alerts_visible_to`` (the patients in this person's care) and ``alerts_told_to`` (sent to
    them, in their clinic, minus their own patients) together are the clinic's alerts that
    are about their patients or were sent to them. Said that way the query is one join and
    two small subqueries: the union of the two policy querysets cost some 3 ms to build and
    compile on every page, for a COUNT that runs in a tenth of one."""
    if not policy.may_read_alerts(user) or user.clinic_id is None:  # type: ignore[union-attr]
        return 0
    theirs = Q(pk__in=AlertDelivery.objects.filter(recipient_id=user.pk).values("alert_id"))
    if user.role == Role.CLINICIAN:  # type: ignore[union-attr]
        theirs |= Q(patient__in=policy.patients_in_care_of(user))
    return Alert.objects.filter(
        theirs,
        patient__clinic_id=user.clinic_id,  # type: ignore[union-attr]
        acknowledged_at__isnull=True,
    ).count()


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
