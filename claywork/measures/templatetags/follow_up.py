"""``{% follow_up_offer %}``: the crisis page's card offering the safety follow-up screener.

The crisis page comes first after a self-harm answer; this card sits below its resources and
shows only to a patient who is offered the screener (``measures.follow_up.screener_offer``).
"""

from __future__ import annotations

from typing import Any

from django import template

from claywork.core import policy
from claywork.measures import follow_up

register = template.Library()


@register.inclusion_tag("measures/_follow_up_offer.html", takes_context=True)
def follow_up_offer(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not policy.may_record_measures(user):
        return {"offer": None}
    return {"offer": follow_up.screener_offer(user)}
