"""Missed check-ins: a patient who has been checking in and then goes quiet is flagged.

Only patients who have checked in at least once are considered (someone who never used the
check-in is not "missing" it), and only while they have a treatment course. One alert per
lapse: the dedupe key names the last check-in day, so a patient who comes back and lapses
again raises a new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max

from claywork.accounts.models import Role, User
from claywork.safety.models import AlertKind, Severity
from claywork.safety.services import alert_raise


def alerts_for_missed_check_ins(*, now: datetime) -> int:
    """Raise an alert for each patient whose last check-in is too long ago; returns how many."""
    days = settings.CLAYWORK_MISSED_CHECK_INS_DAYS
    # UTC date, a day's slack: a patient's own "today" can be a day either side of it.
    cutoff = now.date() - timedelta(days=days + 1)
    quiet = (
        User.objects.filter(role=Role.PATIENT, is_active=True, courses__isnull=False)
        .annotate(last_check_in=Max("check_ins__day"))
        .filter(last_check_in__lt=cutoff)
        .distinct()
    )
    raised = 0
    for patient in quiet.iterator():
        _, created = alert_raise(
            patient=patient,
            kind=AlertKind.MISSED_CHECK_INS,
            severity=Severity.LOW,
            title=f"No check-in for more than {days} days",
            dedupe_key=f"missed-check-ins:{patient.pk}:{patient.last_check_in.isoformat()}",
        )
        raised += created
    return raised
