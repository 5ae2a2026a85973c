"""Deleting an account: the request, the grace period, cancelling, and the erasure itself.

A patient asks; their care team is told at once (an alert through the usual outbox, so it
reaches a person) and has the grace period to reach out, or to keep what their records duty
requires; the patient can cancel any time before the end; then the worker's sweep erases the
account (``erasure.patient_erase``) and tells the care team that it is done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.accounts.models import User
from claywork.audit.services import audit_record
from claywork.ownership.erasure import patient_erase
from claywork.ownership.models import AccountDeletion
from claywork.safety.models import AlertKind, Severity
from claywork.safety.services import alert_raise

logger = logging.getLogger(__name__)


def grace_period() -> timedelta:
    return timedelta(days=settings.CLAYWORK_ACCOUNT_DELETION_GRACE_DAYS)


def open_request(patient: User) -> AccountDeletion | None:
    return AccountDeletion.objects.filter(
        patient=patient, cancelled_at__isnull=True, erased_at__isnull=True
    ).first()


def _tell_care_team(patient: User, deletion: AccountDeletion, what: str, title: str) -> None:
    alert_raise(
        patient=patient,
        kind=AlertKind.ACCOUNT_DELETION,
        severity=Severity.LOW,
        title=title,
        dedupe_key=f"account-deletion:{deletion.pk}:{what}",
    )


def account_deletion_request(*, patient: User) -> AccountDeletion:
    """Ask for the account to be erased after the grace period. Asking again (a second
    click) returns the request already open."""
    existing = open_request(patient)
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            deletion = AccountDeletion.objects.create(
                patient=patient, requested_at=now, erase_after=now + grace_period()
            )
            day = timezone.localtime(deletion.erase_after, patient.zone).strftime("%d %b %Y")
            _tell_care_team(
                patient,
                deletion,
                "requested",
                f"Asked to delete their account: it will be erased on {day} unless they cancel",
            )
            audit_record(
                actor=patient,
                patient=patient,
                action="delete",
                resource="accounts.deletion_request",
                object_id=deletion.pk,
            )
    except IntegrityError:  # two requests at once: one is open, and it is this one
        found = open_request(patient)
        assert found is not None
        return found
    return deletion


def account_deletion_cancel(*, patient: User) -> bool:
    """Cancel the open request within the grace period. False if there was none (already
    cancelled, or the account is already erased)."""
    deletion = open_request(patient)
    if deletion is None:
        return False
    with transaction.atomic():
        cancelled = AccountDeletion.objects.filter(
            pk=deletion.pk, cancelled_at__isnull=True, erased_at__isnull=True
        ).update(cancelled_at=timezone.now())
        if cancelled:
            _tell_care_team(
                patient, deletion, "cancelled", "Cancelled their request to delete their account"
            )
    return bool(cancelled)


def accounts_erase_due(*, now: datetime) -> int:
    """Erase every account whose grace period has ended. Each is claimed with one conditional
    UPDATE inside its own transaction, so two sweeps never erase the same account twice and a
    failed erasure leaves the request open for the next sweep."""
    erased = 0
    due = AccountDeletion.objects.filter(
        cancelled_at__isnull=True, erased_at__isnull=True, erase_after__lte=now
    ).select_related("patient")
    for deletion in list(due[:20]):
        try:
            with transaction.atomic():
                claimed = AccountDeletion.objects.filter(
                    pk=deletion.pk, cancelled_at__isnull=True, erased_at__isnull=True
                ).update(erased_at=now)
                if not claimed:
                    continue
                _tell_care_team(
                    deletion.patient,
                    deletion,
                    "erased",
                    "Their account was erased, as they asked",
                )
                patient_erase(patient=deletion.patient)
        except Exception:
            logger.exception("erasing account %s failed; the next sweep tries again", deletion.pk)
            continue
        erased += 1
    return erased
