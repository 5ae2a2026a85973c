"""Fetch an alert for a user, or 404: missing and not-yours look the same."""

from __future__ import annotations

from django.http import Http404

from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.safety.models import Alert
from claywork.safety.selectors import attach_delivery_counts, with_people


def get_alert_for_user(user: AnyUser, alert_id: int) -> Alert:
    """An alert of the user's care teams, in full."""
    alert = with_people(policy.alerts_visible_to(user)).filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    attach_delivery_counts([alert])
    return alert


def get_alert_view_for_user(user: AnyUser, alert_id: int) -> tuple[Alert, bool]:
    """(alert, full): in full for its care team; its metadata for whoever else it was sent to
    (on-call staff, clinic admins)."""
    alert = with_people(policy.alerts_visible_to(user)).filter(pk=alert_id).first()
    if alert is not None:
        attach_delivery_counts([alert])
        return alert, True
    told = (
        policy.alerts_told_to(user)
        .select_related("patient", "acknowledged_by")
        .filter(pk=alert_id)
        .first()
    )
    if told is None:
        raise Http404("No such alert.")
    return told, False
