from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from claywork.accounts.phones import for_people
from claywork.core.policy import AnyUser
from claywork.safety.selectors import open_alert_count

register = template.Library()

# Colour is never the only signal: each severity has words that say what it asks of you.
SEVERITY_WORDS = {
    "high": "High priority: reach the patient today",
    "medium": "Medium: look at it this week",
    "low": "Low: when you next review",
}


@register.simple_tag
def open_alerts_for(user: AnyUser) -> int:
    """For the navigation: one indexed COUNT, only on staff pages."""
    return open_alert_count(user)


@register.filter
def severity_words(severity: str) -> str:
    return SEVERITY_WORDS.get(severity, severity)


@register.filter
def escalation_countdown(escalates_at: datetime | None) -> str:
    """ "escalates in 12 min" (claywork.js keeps it current on the page)."""
    if escalates_at is None:
        return ""
    seconds = (escalates_at - timezone.now()).total_seconds()
    if seconds <= 60:
        return "escalating now"
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"escalates in {minutes} min"
    return f"escalates in {minutes // 60} h {minutes % 60} min"


@register.filter
def phone_for_people(e164: str) -> str:
    return for_people(e164)
