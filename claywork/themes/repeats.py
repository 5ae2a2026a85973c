"""Repeated lines: filler, journaling templates and habit lines ("Feeling okay today.",
"Slept early and woke before the alarm.") written again and again across a journal. They are
left out before themes are looked for, so they can never make a theme "recurring"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

# A line written (the same or nearly) in this many pieces of writing, and in this share of
# them, is a repeated line.
REPEATED_LINE_MIN_DOCUMENTS = 5
REPEATED_LINE_MIN_SHARE = 0.03


def repeated_lines(
    keys: Sequence[frozenset[str]], owners: Sequence[int], *, documents: int
) -> set[frozenset[str]]:
    """Of the sentences (as sets of stemmed words; ``owners`` gives each one's document, out
    of ``documents``), those written the same or nearly in at least
    ``REPEATED_LINE_MIN_DOCUMENTS`` documents and ``REPEATED_LINE_MIN_SHARE`` of them:
    filler ("Slept early and woke before the alarm."), a journaling template, a habit line.
    Nearly the same is one word more or less ("Evening walk around the block." and "Took my
    evening walk around the block."); case, punctuation, stop words and plural endings never
    count. Only direct neighbours count, so a chain of small changes does not join different
    sentences."""
    documents_of: dict[frozenset[str], set[int]] = defaultdict(set)
    for key, owner in zip(keys, owners, strict=True):
        documents_of[key].add(owner)
    family = {key: set(found) for key, found in documents_of.items()}
    for key, found in documents_of.items():
        if len(key) < 3:
            continue
        for word in key:
            shorter = key - {word}
            if shorter in documents_of:
                family[key] |= documents_of[shorter]
                family[shorter] |= found
    least = max(REPEATED_LINE_MIN_DOCUMENTS, REPEATED_LINE_MIN_SHARE * documents)
    return {key for key, found in family.items() if len(found) >= least}
