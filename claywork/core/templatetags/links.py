"""``{% url_for 'name' %}`` and ``{% url_for 'name' pk %}``: ``{% url %}`` for no argument or a
single integer id, reversed once per URL name (``core.links``) instead of once per link. The
navigation reversed some 45 URLs on every page, and a list of 72 alert cards some 290 more,
each resolving the language, the prefix and the pattern again."""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

from claywork.core.links import url_maker

register = template.Library()

# (name, script prefix, urlconf) -> the URL; one per URL name in templates.
_PLAIN: dict[tuple[str, str, object], str] = {}


@register.simple_tag
def url_for(name: str, *args: object) -> str:
    key = (name, get_script_prefix(), get_urlconf())
    if not args:
        if key not in _PLAIN:
            _PLAIN[key] = reverse(name)
        return _PLAIN[key]
    pk = args[0]
    if len(args) > 1 or not isinstance(pk, int) or isinstance(pk, bool):
        return reverse(name, args=list(args))
    return url_maker(name)(pk)
