"""Reads of a patient's journal."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.journal.models import Entry, Prompt, Tag, tag_index_of
from claywork.vault.services import open_text

PAGE_SIZE = 20
EXCERPT_CHARS = 240


@dataclass(frozen=True)
class SearchHit:
    entry: Entry
    excerpt: str


def _listed(user: AnyUser) -> QuerySet[Entry]:
    return (
        policy.journal_of(user)
        .select_related("session", "prompt")
        .prefetch_related("tags")
        .defer("body_sealed")
    )


def recent_entries(*, user: AnyUser, limit: int) -> list[Entry]:
    """The newest entries (title, kind, date), without counting them all or their tags."""
    return list(policy.journal_of(user).defer("body_sealed")[:limit])


def journal_page(*, user: AnyUser, page_number: str | int | None, tag: str = "") -> Page:
    entries = _listed(user)
    if tag:
        entries = entries.filter(tags__name_index=tag_index_of(tag))
    paginator = Paginator(entries, PAGE_SIZE)
    return paginator.get_page(page_number)


def excerpt_of(text: str, *, around: int = 0, width: int = EXCERPT_CHARS) -> str:
    start = max(0, around - width // 3)
    piece = " ".join(text[start : start + width].split())
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def _tag_names_by_entry(entries: QuerySet[Entry]) -> dict[int, str]:
    names: dict[int, list[str]] = {}
    links = Entry.tags.through.objects.filter(entry__in=entries)
    context = Tag.name.context
    for entry_id, owner_id, sealed in links.values_list(
        "entry_id", "tag__patient_id", "tag__name_sealed"
    ):
        names.setdefault(entry_id, []).append(_opened(sealed, context=context, owner_id=owner_id))
    return {entry_id: " ".join(tag_names) for entry_id, tag_names in names.items()}


def _opened(token: str, *, context: str, owner_id: int) -> str:
    """What the SealedText descriptor does, without building the model instance."""
    return open_text(token=token, context=context, owner_id=owner_id) if token else ""


def search_journal(*, user: AnyUser, query: str, limit: int = 50) -> list[SearchHit]:
    """Every word of the query, anywhere in an entry's title, body or tags.

    Bodies are encrypted at rest, so the database cannot match them: the patient's entries
    are opened here, in memory, and nothing of the query or the text is indexed in clear.
    The scan reads only the sealed columns and tag names (a model instance with its tags per
    entry cost more than the decryption); whole entries are loaded for the hits alone.
    """
    terms = [term.casefold() for term in query.split() if term.strip()]
    if not terms:
        return []
    visible = policy.journal_of(user)
    tags = _tag_names_by_entry(visible)
    title_context, body_context = Entry.title.context, Entry.body.context
    excerpts: dict[int, str] = {}
    sealed = visible.values_list("pk", "patient_id", "title_sealed", "body_sealed")
    for entry_id, owner_id, title_sealed, body_sealed in sealed.iterator(chunk_size=500):
        title = _opened(title_sealed, context=title_context, owner_id=owner_id)
        body = _opened(body_sealed, context=body_context, owner_id=owner_id)
        haystack = f"{title}\n{body}\n{tags.get(entry_id, '')}".casefold()
        if all(term in haystack for term in terms):
            position = body.casefold().find(terms[0])
            excerpts[entry_id] = excerpt_of(body, around=max(position, 0))
            if len(excerpts) >= limit:
                break
    entries = visible.select_related("session").prefetch_related("tags").in_bulk(list(excerpts))
    return [
        SearchHit(entry=entries[entry_id], excerpt=excerpt)
        for entry_id, excerpt in excerpts.items()
        if entry_id in entries  # deleted while we searched
    ]


def patient_tags(*, user: AnyUser) -> list[str]:
    """The patient's tag names, in order (sealed: opened and sorted here)."""
    return sorted(tag.name for tag in Tag.objects.filter(patient_id=user.pk))


def prompt_library() -> dict[str, list[Prompt]]:
    grouped: dict[str, list[Prompt]] = {}
    for prompt in Prompt.objects.filter(is_active=True):
        grouped.setdefault(prompt.get_topic_display(), []).append(prompt)
    return grouped
