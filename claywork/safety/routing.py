"""Who receives an alert, and what happens while nobody can (decision 0008).

An alert goes to the first of these that has anyone in it:

1. the active clinicians on the patient's care team;
2. the clinic's on-call list (``OnCallMember``: active clinicians or clinic admins);
3. the clinic's active admins, who can at least assign a care team.

With nobody at all, the alert is not "sent": it stays open with ``undeliverable_since`` set, the
sweep routes it again with backoff (1, 2, 4 ... minutes, at most an hour), ``/healthz`` and the
staff banner count it and ``claywork doctor`` names it. An unacknowledged high-priority alert is
escalated to the care team, the on-call list and the clinic admins together; an escalation
that would reach nobody is not marked escalated either, and is tried again the same way.

When a care team gains or loses a member, or the on-call list changes, the open alerts of the
patients concerned are routed again: whoever receives them now and had not been told gets one
e-mail (the outbox's unique row per alert and recipient makes routing twice harmless).

Sending is ``delivery.py``'s business; this module only writes outbox rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from claywork.accounts.models import User
from claywork.core import policy
from claywork.safety import delivery as outbox
from claywork.safety.models import Alert, Audience, DeliveryPurpose, Severity

logger = logging.getLogger(__name__)

BATCH = 100
# Open alerts that reach nobody: counted by /healthz and the staff banner, named by doctor.
UNDELIVERABLE = Q(acknowledged_at__isnull=True, undeliverable_since__isnull=False)


@dataclass(frozen=True)
class Route:
    audience: str
    recipients: list[User]


def route_for(patient: User) -> Route:
    """Where an alert about this patient goes now."""
    team = list(policy.care_team_of(patient))
    if team:
        return Route(Audience.CARE_TEAM, team)
    on_call = list(policy.on_call_of(patient.clinic_id))
    if on_call:
        return Route(Audience.ON_CALL, on_call)
    admins = list(policy.clinic_admins_of(patient))
    if admins:
        return Route(Audience.CLINIC_ADMINS, admins)
    return Route(Audience.NOBODY, [])


def alert_recipients(patient: User) -> list[User]:
    """The people an alert about this patient is sent to; empty when nobody can receive it."""
    return route_for(patient).recipients


def escalation_recipients(patient: User) -> list[User]:
    """Everyone who can act when the first recipients have not: care team, on-call, admins."""
    people = {
        user.pk: user
        for group in (
            policy.care_team_of(patient),
            policy.on_call_of(patient.clinic_id),
            policy.clinic_admins_of(patient),
        )
        for user in group
    }
    return list(people.values())


# What the patient is told, in their words: only what is true.
TOLD = {
    Audience.CARE_TEAM: "your care team",
    Audience.ON_CALL: "your clinic's on-call team",
    Audience.CLINIC_ADMINS: "your clinic",
}


def who_is_told(patient: User) -> str | None:
    """ "your care team", "your clinic's on-call team", "your clinic", or None for nobody."""
    return TOLD.get(Audience(route_for(patient).audience))


# --- Routing one alert ----------------------------------------------------------------------


def _undeliverable(alert: Alert, now: datetime, what: str) -> None:
    """Nobody can receive this: keep it open, count it, and try again later, backing off."""
    attempts = alert.route_attempts + 1
    Alert.objects.filter(pk=alert.pk).update(
        undeliverable_since=alert.undeliverable_since or now,
        next_route_at=now + outbox.retry_delay(attempts),
        route_attempts=attempts,
    )
    logger.error(
        "alert %s: %s reaches nobody (no care team, no on-call list, no clinic admin); "
        "trying again at %s",
        alert.pk,
        what,
        (now + outbox.retry_delay(attempts)).isoformat(),
    )


def _delivered(alert: Alert, audience: str) -> None:
    Alert.objects.filter(pk=alert.pk).update(
        routed_to=audience, undeliverable_since=None, next_route_at=None, route_attempts=0
    )


def alert_route(*, alert: Alert, now: datetime) -> Route:
    """Write one outbox row for each person the alert goes to now who has none yet.

    Call inside the transaction that raised or changed what decides the route."""
    route = route_for(alert.patient)
    if not route.recipients:
        if not alert.routed_to:
            Alert.objects.filter(pk=alert.pk).update(routed_to=Audience.NOBODY)
        if not alert.deliveries.exists():
            _undeliverable(alert, now, "the alert")
        return route
    outbox.deliveries_create(
        alert=alert, recipients=route.recipients, purpose=DeliveryPurpose.ALERT, now=now
    )
    _delivered(alert, route.audience)
    return route


def alerts_reroute(*, patient_ids: Iterable[int], now: datetime) -> int:
    """Route the open alerts of these patients again (a care team or the on-call list
    changed): whoever receives them now and was not told is sent one. Returns how many alerts
    were looked at."""
    alerts = Alert.objects.filter(
        patient_id__in=list(patient_ids), acknowledged_at__isnull=True
    ).select_related("patient")
    count = 0
    for alert in alerts:
        alert_route(alert=alert, now=now)
        count += 1
    if count:
        transaction.on_commit(_enqueue_sending, robust=True)
    return count


def _enqueue_sending() -> None:
    from claywork.safety.tasks import send_alert_deliveries

    send_alert_deliveries.enqueue()


def alerts_route_undeliverable(*, now: datetime) -> int:
    """The sweep's retry of alerts that had nobody to go to; returns how many now have."""
    waiting = Alert.objects.filter(
        acknowledged_at__isnull=True, undeliverable_since__isnull=False, next_route_at__lte=now
    ).select_related("patient")
    routed = 0
    for alert in waiting[:BATCH]:
        with transaction.atomic():
            routed += bool(alert_route(alert=alert, now=now).recipients)
    return routed


def undeliverable_alerts(*, clinic_id: int | None = None) -> list[Alert]:
    """Open alerts that reach nobody, oldest first (for ``claywork doctor``; no health text)."""
    alerts = Alert.objects.filter(UNDELIVERABLE).select_related("patient__clinic")
    if clinic_id is not None:
        alerts = alerts.filter(patient__clinic_id=clinic_id)
    return list(alerts.order_by("undeliverable_since", "pk"))


# --- Escalation -----------------------------------------------------------------------------


def alerts_escalate_due(*, now: datetime) -> int:
    """Re-send each high-priority alert still open after the configured time, exactly once,
    to the care team, the on-call list and the clinic admins. An escalation nobody can receive
    is not marked escalated: it is tried again, backing off, until someone can."""
    cutoff = now - timedelta(minutes=settings.CLAYWORK_ALERT_ESCALATE_MINUTES)
    overdue = (
        Alert.objects.filter(
            severity=Severity.HIGH,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            created_at__lte=cutoff,
        )
        .filter(Q(next_route_at__isnull=True) | Q(next_route_at__lte=now))
        .select_related("patient")
    )
    escalated = 0
    for alert in overdue[:BATCH]:
        recipients = escalation_recipients(alert.patient)
        if not recipients:
            _undeliverable(alert, now, "its escalation")
            continue
        with transaction.atomic():
            # The conditional UPDATE is the claim: a second sweep (or an acknowledgement that
            # came in meanwhile) leaves nothing to escalate.
            claimed = Alert.objects.filter(
                pk=alert.pk, acknowledged_at__isnull=True, escalated_at__isnull=True
            ).update(escalated_at=now, undeliverable_since=None, next_route_at=None)
            if not claimed:
                continue
            outbox.deliveries_create(
                alert=alert, recipients=recipients, purpose=DeliveryPurpose.ESCALATION, now=now
            )
        logger.warning("alert %s escalated to %s people", alert.pk, len(recipients))
        escalated += 1
    return escalated
