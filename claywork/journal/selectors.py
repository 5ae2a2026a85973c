"""Reads of a patient's journal."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.journal.models import Entry, Prompt, Tag

PAGE_SIZE = 20
EXCERPT_CHARS = 240


@dataclass(frozen=True)
class SearchHit:
    entry: Entry
    excerpt: str


def journal_page(*, user: AnyUser, page_number: str | int | None, tag: str = "") -> Page:
    entries: QuerySet[Entry] = (
        policy.entries_visible_to(user)
        .select_related("session", "prompt")
        .prefetch_related("tags")
        .defer("body_sealed")
    )
    if tag:
        entries = entries.filter(tags__name=tag)
    paginator = Paginator(entries, PAGE_SIZE)
    return paginator.get_page(page_number)


def excerpt_of(text: str, *, around: int = 0, width: int = EXCERPT_CHARS) -> str:
    start = max(0, around - width // 3)
    piece = " ".join(text[start : start + width].split())
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def search_journal(*, user: AnyUser, query: str, limit: int = 50) -> list[SearchHit]:
    """Every word of the query, anywhere in an entry's title, body or tags.

    Bodies are encrypted at rest, so the database cannot match them: the patient's entries
    are opened here, in memory, and nothing of the query or the text is indexed in clear.
    """
    terms = [term.casefold() for term in query.split() if term.strip()]
    if not terms:
        return []
    hits: list[SearchHit] = []
    candidates = policy.entries_visible_to(user).prefetch_related("tags").select_related("session")
    for entry in candidates.iterator(chunk_size=500):
        tags = " ".join(tag.name for tag in entry.tags.all())
        haystack = f"{entry.title}\n{entry.body}\n{tags}".casefold()
        if all(term in haystack for term in terms):
            position = entry.body.casefold().find(terms[0])
            hits.append(
                SearchHit(entry=entry, excerpt=excerpt_of(entry.body, around=max(position, 0)))
            )
            if len(hits) >= limit:
                break
    return hits


def patient_tags(*, user: AnyUser) -> list[str]:
    return list(Tag.objects.filter(patient_id=user.pk).values_list("name", flat=True))


def prompt_library() -> dict[str, list[Prompt]]:
    grouped: dict[str, list[Prompt]] = {}
    for prompt in Prompt.objects.filter(is_active=True):
        grouped.setdefault(prompt.get_topic_display(), []).append(prompt)
    return grouped
