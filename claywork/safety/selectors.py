"""Reads for the alert inbox. Who sees which alert is ``policy.alerts_visible_to`` (the care
team: everything) and ``policy.alerts_told_to`` (on-call staff and clinic admins it was sent
to: metadata only)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

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


def with_people(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Alerts with the people their card names: the patient, who acknowledged, who has it."""
    return alerts.select_related("patient", "acknowledged_by", "assigned_to")


def attach_delivery_counts(alerts: Iterable[Alert]) -> None:
    """Set how each alert's e-mails are doing (``sent_count``, ``waiting_count``,
    ``retrying_count``, ``failed_count``): one query for every alert on the page.

    Counted here from the few delivery rows rather than annotated: four COUNT ... FILTER over a
    join grouped by the alert's and its people's 66 columns cost SQLite a temporary B-tree, and
    four correlated subqueries instead doubled the time Django took to build each list."""
    shown = {alert.pk: alert for alert in alerts}
    counts = {pk: dict.fromkeys(DELIVERY_COUNTS, 0) for pk in shown}
    if shown:
        deliveries = AlertDelivery.objects.filter(alert_id__in=shown).values_list(
            "alert_id", "state", "attempts"
        )
        for alert_id, state, attempts in deliveries:
            tally = counts[alert_id]
            if state == DeliveryState.SENT:
                tally["sent_count"] += 1
            elif state == DeliveryState.FAILED:
                tally["failed_count"] += 1
            elif state in (DeliveryState.PENDING, DeliveryState.SENDING):
                tally["waiting_count"] += 1
                if state == DeliveryState.PENDING and attempts > 0:
                    tally["retrying_count"] += 1
    for pk, alert in shown.items():
        for name, value in counts[pk].items():
            setattr(alert, name, value)


DELIVERY_COUNTS = ("sent_count", "waiting_count", "retrying_count", "failed_count")


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
    mine_open, mine_done = _split(with_people(policy.alerts_visible_to(user)), page)
    attach_delivery_counts([*mine_open.rows, *mine_done])
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
