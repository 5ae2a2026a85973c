from __future__ import annotations

from typing import Any

from django import template

from claywork.practice import insights

register = template.Library()


@register.filter
def effect_words(effect_size: float) -> str:
    return insights.effect_words(effect_size)


@register.simple_tag
def difference_words(comparison: insights.Comparison) -> str:
    """“0.8 points higher”, in plain words."""
    size = abs(comparison.difference)
    if size < 0.05:
        return "about the same"
    direction = "higher" if comparison.difference > 0 else "lower"
    return f"{size:.1f} points {direction}"


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """``mapping|get_item:key``: a dictionary lookup by a variable key (None when absent)."""
    return mapping.get(key)
