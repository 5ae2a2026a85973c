"""Dates written for people on long lists, without Django's date formatter.

``|date:"D j M, H:i"`` builds a formatter object and looks up the format for each value: on a
caseload of 200 or an inbox of 72 alerts, a noticeable part of the page. These write the same
words (Django's own translated day and month names) in the reader's zone."""

from __future__ import annotations

from datetime import datetime

from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.timezone import localtime


def day_and_time(moment: datetime) -> str:
    """``moment|date:"D j M, H:i"``: "Fri 4 Dec, 09:30"."""
    local = localtime(moment)
    return (
        f"{WEEKDAYS_ABBR[local.weekday()]} {local.day} {MONTHS_3[local.month].title()}, "
        f"{local:%H:%M}"
    )


def iso(moment: datetime) -> str:
    """``moment|date:'c'``: ISO 8601 in the reader's zone, for ``<time datetime>``."""
    return localtime(moment).isoformat()
