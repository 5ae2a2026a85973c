"""Sharing controls for the patient's own entry and goal pages."""

from __future__ import annotations

from typing import Any

from django import template

from claywork.journal.models import Entry
from claywork.practice.models import Goal
from claywork.sharing import selectors

register = template.Library()


@register.simple_tag
def circle_name(names: dict[int, str], person_id: int) -> str:
    """The patient's name for a circle member (they may have left the circle since)."""
    return names.get(person_id, "someone no longer in your circle")


@register.inclusion_tag("sharing/_controls_form.html", takes_context=True)
def share_controls(context: template.Context, item: Entry | Goal) -> dict[str, Any]:
    """Who sees this item now, with a revoke button each, and a form to share it further.
    Shown to the item's writer only. The audiences are looked up once per request (a goals
    page shows one control per goal)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or item.patient_id != user.pk:
        return {"show": False}
    cached = getattr(request, "_sharing_audiences", None)
    if cached is None:
        cached = (selectors.audiences_for(user), selectors.patient_names(user))
        request._sharing_audiences = cached  # type: ignore[union-attr]
    audiences, names = cached
    if isinstance(item, Goal):
        goal_shares = getattr(request, "_sharing_goal_shares", None)
        if goal_shares is None:
            goal_shares = selectors.live_goal_shares_by_goal(user)
            request._sharing_goal_shares = goal_shares  # type: ignore[union-attr]
        shares = goal_shares.get(item.pk, [])
    else:
        shares = selectors.live_shares_of_item(item=item)
    shared_keys = {share.audience_key for share in shares}
    return {
        "show": True,
        "item": item,
        "is_entry": isinstance(item, Entry),
        "shares": shares,
        "names": names,
        "audiences": [audience for audience in audiences if audience.key not in shared_keys],
        "csrf_token": context.get("csrf_token"),
    }
