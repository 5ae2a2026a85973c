from __future__ import annotations

from django.http import Http404

from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.journal.models import Entry


def get_entry_for_user(user: AnyUser, entry_id: int, *, write: bool = False) -> Entry:
    """The entry, or 404. Today only its writer may read or change it."""
    entry = (
        policy.entries_visible_to(user)
        .select_related("session", "prompt")
        .prefetch_related("tags")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or (write and entry.patient_id != user.pk):
        raise Http404("No such entry.")
    return entry
