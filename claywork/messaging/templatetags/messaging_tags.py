"""A thread's messages drawn in Python rather than by the template language.

A page of 100 messages resolved some 1,400 template variables and 100 date formats, most of
the thread's time (bench/README.md, "Speed work for issue 13, clinician pages"). The tag writes
the markup the template loop wrote, character for character; every value from a person goes
through ``escape``."""

from __future__ import annotations

from datetime import datetime
from html import escape as _escape

from django import template
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from claywork.accounts.models import User
from claywork.messaging.models import Thread
from claywork.messaging.selectors import ShownMessage

register = template.Library()


def _when(moment: datetime) -> str:
    """``moment|date:"j M, H:i"`` in the reader's zone, without a formatter object per call."""
    local = localtime(moment)
    return f"{local.day} {MONTHS_3[local.month].title()}, {local:%H:%M}"


def _author(shown: ShownMessage, reader: User, thread: Thread) -> str:
    if shown.mine or (shown.message.from_patient and reader.is_patient):
        return "You"
    if shown.message.from_patient:
        return _escape(thread.patient.full_name)
    return _escape(shown.author_name or "Your care team")


def _receipt(shown: ShownMessage, last: bool) -> str:
    if not shown.read:
        return "Not read yet"
    if last and shown.read_at:
        return f"Read {_escape(_when(shown.read_at))}"
    return "Read"


@register.simple_tag
def thread_message(
    shown: ShownMessage, reader: User, thread: Thread, unread_from: int, last: bool
) -> SafeString:
    """One message of ``messaging/thread.html``: who and when, the words, a read receipt on
    the reader's own side's messages."""
    message = shown.message
    new = message.pk > unread_from and not shown.mine
    classes = "card message" + (" message-mine" if shown.mine else "")
    classes += " message-new" if new else ""
    badge = '<span class="badge badge-medium">New</span>' if new else ""
    receipt = ""
    if shown.mine or message.from_patient == reader.is_patient:
        receipt = f'\n      <p class="muted read-receipt">{_receipt(shown, last)}</p>\n    '
    return mark_safe(  # noqa: S308 - every value from a person escaped above
        f'<li id="message-{message.pk}" class="{classes}">\n'
        '    <p class="muted message-meta">\n'
        f"      {_author(shown, reader, thread)}\n"
        f"      · {_escape(_when(message.created_at))}\n"
        f"      {badge}\n"
        "    </p>\n"
        f'    <p class="entry-body">{_escape(message.body)}</p>\n'
        f"    {receipt}\n"
        "  </li>"
    )
