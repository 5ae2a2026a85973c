from __future__ import annotations

from django import template

from claywork.core.policy import AnyUser
from claywork.safety.selectors import open_alert_count

register = template.Library()


@register.simple_tag
def open_alerts_for(user: AnyUser) -> int:
    """For the clinician's navigation: one indexed COUNT, only on clinicians' pages."""
    return open_alert_count(user)
