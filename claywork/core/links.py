"""Links to many rows of one kind, reversed once.

A list page of hundreds of rows with a ``{% url %}`` per link spends much of its time in
``reverse``; the URL pattern is the same for every row, only the id differs."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import get_script_prefix, get_urlconf, reverse

# An id no row has: reversed once, then split around to put each row's id in its place.
_MARKER = 2_147_483_647


def url_for_each(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many ``pk``, reversing only once."""
    before, after = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{before}{pk}{after}"


# (name, script prefix, urlconf) -> the link maker: one per URL name for the process's life.
_MAKERS: dict[tuple[str, str, object], Callable[[int], str]] = {}


def url_maker(name: str) -> Callable[[int], str]:
    """``url_for_each(name)``, made once per URL name (and script prefix) and kept."""
    key = (name, get_script_prefix(), get_urlconf())
    maker = _MAKERS.get(key)
    if maker is None:
        maker = _MAKERS[key] = url_for_each(name)
    return maker
