"""One page of a long list, for pages that listed every row (the alert inbox, the clinic's
patients).

Unlike Django's ``Paginator`` it counts only when there is more than one page: the first page
of a short list (the usual case) is one query, reading one row beyond the page to know
whether another follows. A page number that is not a number, or below 1, is page 1; one past
the end is the last page: never an error."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet

Row = TypeVar("Row", bound=Model)


@dataclass(frozen=True)
class ListPage(Generic[Row]):
    rows: list[Row]
    number: int
    total: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def first_shown(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last_shown(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)


def page_number(text: str | None) -> int:
    """``?page=`` as a number from 1; anything else is 1."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 9:
        return 1
    return max(1, int(text))


def list_page(rows: QuerySet[Row], number: int, *, size: int) -> ListPage[Row]:
    """Page ``number`` (from 1) of ``rows``, which must be ordered."""
    start = (number - 1) * size
    shown = list(rows[start : start + size + 1])
    if number == 1 and len(shown) <= size:
        return ListPage(shown, 1, len(shown), size)
    total = rows.count()
    last = max(1, ceil(total / size))
    if number > last:  # a link to a page that has since emptied: the last one instead
        number = last
        start = (number - 1) * size
        shown = list(rows[start : start + size])
    return ListPage(shown[:size], number, total, size)
