"""``{% entry_comment_thread entry %}``: the care team's comments under a journal entry, for the
patient and (while the entry is shared with them) the care team; nothing for anyone else."""

from __future__ import annotations

import uuid
from typing import Any

from django import template

from claywork.care import selectors
from claywork.care.forms import EntryCommentForm
from claywork.core import policy
from claywork.journal.models import Entry

register = template.Library()


@register.inclusion_tag("care/_entry_comments.html", takes_context=True)
def entry_comment_thread(context: dict[str, Any], entry: Entry) -> dict[str, Any]:
    user = context["request"].user
    if not policy.may_read_entry_comments(user, entry):
        return {"visible": False}
    may_comment = policy.may_comment_on_entry(user, entry)
    return {
        "visible": True,
        "entry": entry,
        "comments": selectors.entry_comments(entry=entry),
        "comment_form": EntryCommentForm(initial={"submission_id": uuid.uuid4()})
        if may_comment
        else None,
        "is_own": entry.patient_id == user.pk,
        "csrf_token": context.get("csrf_token"),
    }
