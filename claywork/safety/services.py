"""Raising, assigning and acknowledging alerts; the clinic's on-call list. Idempotent: one
alert per cause, however often raised.

An alert and its outbox rows (one e-mail per recipient, chosen by ``routing.py``; sent by
``delivery.py``) are written in one transaction, inside the caller's: if what triggered the
alert rolls back, so does the alert, and if it commits, the alert is there even when no e-mail
can be sent yet, or nobody can receive one (it is then kept open as undeliverable).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.clinics.models import Clinic
from claywork.core import policy
from claywork.safety import routing
from claywork.safety.models import TITLE_MAX_CHARS, Alert, OnCallMember

logger = logging.getLogger(__name__)


def alert_raise(
    *, patient: User, kind: str, severity: str, title: str, dedupe_key: str
) -> tuple[Alert, bool]:
    existing = Alert.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert(patient=patient, kind=kind, severity=severity, dedupe_key=dedupe_key)
            alert.title = title[:TITLE_MAX_CHARS]
            alert.save()
            routing.alert_route(alert=alert, now=alert.created_at)
    except IntegrityError:
        return Alert.objects.get(dedupe_key=dedupe_key), False
    logger.info("alert %s raised (%s, %s)", alert.pk, kind, severity)
    # Sending starts as soon as the alert is committed; if the queue or the worker is down,
    # the worker's periodic sweep of the outbox sends it later. A failure to enqueue must
    # never undo or break the save that raised the alert, hence robust.
    transaction.on_commit(_enqueue_sending, robust=True)
    return alert, True


def alert_refresh(*, alert: Alert, title: str) -> bool:
    """Say more about an alert nobody has acknowledged yet (its cause deepened): the new title,
    the same alert and outbox. Returns False, changing nothing, once it is acknowledged: the
    caller then raises a new alert, so that what changed reaches a person."""
    sealer = Alert(pk=alert.pk, patient_id=alert.patient_id)
    sealer.title = title[:TITLE_MAX_CHARS]
    refreshed = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        title_sealed=sealer.title_sealed
    )
    alert.refresh_from_db()
    if refreshed:
        logger.info("alert %s refreshed", alert.pk)
    return bool(refreshed)


def _enqueue_sending() -> None:
    from claywork.safety.tasks import send_alert_deliveries

    send_alert_deliveries.enqueue()


def alert_acknowledge(*, alert: Alert, by: User, note: str) -> bool:
    """Mark the alert seen, with what was done. The first acknowledgement stands; a second
    (a double click, a colleague at the same moment) changes nothing and returns False."""
    sealer = Alert(pk=alert.pk, patient_id=alert.patient_id)
    sealer.note = note
    now = timezone.now()
    acknowledged = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now,
        acknowledged_by=by,
        note_sealed=sealer.note_sealed,
        # Someone has it now: it no longer counts as reaching nobody.
        undeliverable_since=None,
        next_route_at=None,
    )
    if acknowledged:
        logger.info("alert %s acknowledged by user %s", alert.pk, by.pk)
    alert.refresh_from_db()
    return bool(acknowledged)


def has_open_alert(*, patient_id: int, kind: str) -> bool:
    return Alert.objects.filter(
        patient_id=patient_id, kind=kind, acknowledged_at__isnull=True
    ).exists()


class NotOnCareTeam(ValueError):
    """An alert is assigned only to an active clinician on the patient's care team."""


def alert_assign(*, alert: Alert, to: User, by: User) -> bool:
    """ "I have this one" (``to`` is ``by``) or a hand-over to a colleague on the care team.
    An acknowledged alert stays as it was; returns whether the assignment changed."""
    if not policy.care_team_of(alert.patient).filter(pk=to.pk).exists():
        raise NotOnCareTeam(f"{to} is not on {alert.patient}'s care team.")
    changed = (
        Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True)
        .exclude(assigned_to=to)
        .update(assigned_to=to, assigned_at=timezone.now())
    )
    if changed:
        logger.info("alert %s assigned to user %s by user %s", alert.pk, to.pk, by.pk)
    alert.refresh_from_db()
    return bool(changed)


def on_call_candidates(clinic: Clinic) -> list[User]:
    """Who may be on the clinic's on-call list: its active clinicians and clinic admins."""
    return list(
        User.objects.filter(
            clinic=clinic, is_active=True, role__in=[Role.CLINICIAN, Role.CLINIC_ADMIN]
        ).order_by("full_name", "pk")
    )


@transaction.atomic
def on_call_set(*, clinic: Clinic, people: list[User]) -> None:
    """Replace the clinic's on-call list, then route again the open alerts of its patients
    without an active care-team clinician: new on-call staff are told of them at once."""
    chosen = {person.pk for person in people if person.clinic_id == clinic.pk}
    OnCallMember.objects.filter(clinic=clinic).exclude(person_id__in=chosen).delete()
    OnCallMember.objects.bulk_create(
        [OnCallMember(clinic=clinic, person_id=pk) for pk in sorted(chosen)],
        ignore_conflicts=True,
    )
    without_team = (
        User.objects.filter(clinic=clinic, role=Role.PATIENT)
        .exclude(care_team_links__clinician__is_active=True)
        .values_list("pk", flat=True)
    )
    routing.alerts_reroute(patient_ids=without_team, now=timezone.now())


def on_call_skipped(clinic: Clinic) -> list[User]:
    """People named on the on-call list who will not receive alerts (deactivated, moved to
    another clinic or role): the settings and People pages warn the admin about them."""
    listed = User.objects.filter(on_call_duties__clinic=clinic)
    return list(listed.exclude(pk__in=policy.on_call_of(clinic.pk).values("pk")))
