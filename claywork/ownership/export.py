"""The patient's export: one zip, streamed as it is written.

Inside ``claywork-<date>/``: ``README.txt``; ``index.html``, everything in one readable page
except the journal; ``journal.html``, every entry; and ``data/*.json``, the same as data
(``journal.json`` is one list, written an entry at a time). Python's ``zipfile`` writes to a
stream that cannot seek by putting each file's sizes after its data, so nothing is held whole:
memory stays at one batch of entries plus the compressor, whatever the journal's size; the
journal is read once, its readable page spooled to a temporary file past a few MiB
(``bench/export.py`` measures it).
"""

from __future__ import annotations

import html
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.utils import timezone

from claywork.accounts.models import User
from claywork.ownership import export_sections

FLUSH_BYTES = 64 * 1024
SPOOL_BYTES = 4 * 1024 * 1024


class _Pipe(io.RawIOBase):
    """A write-only stream the zip writes into and the response reads out of."""

    def __init__(self) -> None:
        self._chunks = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks += data
        return len(data)

    def pending(self) -> int:
        return len(self._chunks)

    def take(self) -> bytes:
        out = bytes(self._chunks)
        self._chunks.clear()
        return out


def export_name(patient: User) -> str:
    return f"claywork-{timezone.localdate(timezone.now(), patient.zone).isoformat()}"


def export_zip(patient: User) -> Iterator[bytes]:
    """The zip's bytes, a piece at a time."""
    pipe = _Pipe()
    root = export_name(patient)
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{root}/README.txt", _readme(patient))
        yield pipe.take()
        parts = [
            (name, heading, function(patient))
            for name, heading, function in export_sections.SECTIONS
        ]
        for name, _, data in parts:
            archive.writestr(f"{root}/data/{name}", _json(data))
        archive.writestr(f"{root}/index.html", _index_html(patient, parts))
        yield pipe.take()
        # One pass over the journal: its JSON goes into the zip as it is read, its readable
        # page into a spooled file (in memory up to SPOOL_BYTES, then on disk), copied after.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as page:
            with archive.open(f"{root}/data/journal.json", "w", force_zip64=True) as out:
                entries = _also_into(page, export_sections.journal(patient))
                yield from _streamed(pipe, out, _journal_json(entries))
            page.write(_JOURNAL_END.encode())
            page.seek(0)
            with archive.open(f"{root}/journal.html", "w", force_zip64=True) as out:
                yield from _streamed(pipe, out, _chunks_of(page))
    yield pipe.take()


def _streamed(pipe: _Pipe, out: IO[bytes], pieces: Iterable[str | bytes]) -> Iterator[bytes]:
    for piece in pieces:
        out.write(piece.encode() if isinstance(piece, str) else piece)
        if pipe.pending() >= FLUSH_BYTES:
            yield pipe.take()


def _chunks_of(spooled: IO[bytes]) -> Iterator[bytes]:
    while chunk := spooled.read(FLUSH_BYTES):
        yield chunk


def _also_into(page: IO[bytes], entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Pass the entries on, writing each one's readable HTML into ``page`` on the way."""
    page.write(_JOURNAL_START.encode())
    for entry in entries:
        page.write(_entry_html(entry).encode())
        yield entry


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _journal_json(entries: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for number, entry in enumerate(entries):
        yield ("\n" if number == 0 else ",\n") + json.dumps(entry, ensure_ascii=False)
    yield "\n]\n"


def _readme(patient: User) -> str:
    return (
        f"Everything {patient.full_name or patient.email} has in Claywork, "
        f"exported {timezone.now():%Y-%m-%d %H:%M} UTC.\n\n"
        "index.html    everything except the journal, to read in any browser\n"
        "journal.html  every journal entry, oldest first, with tags, shares and comments\n"
        "data/         the same as JSON files, for other programs (times in UTC, ISO 8601)\n\n"
        "This file holds private health information. Keep it somewhere safe.\n"
    )


# --- Readable pages ----------------------------------------------------------------------------

_STYLE = (
    "body{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;"
    "color:#1f2a2e;background:#fbf8f3}h1,h2,h3{line-height:1.25}dl{margin:0 0 1rem}"
    "dt{font-weight:600;margin-top:.5rem}dd{margin:0 0 0 1rem;white-space:pre-wrap}"
    ".item{background:#fff;border:1px solid #d9d2c5;border-radius:10px;padding:.75rem;"
    "margin:0 0 .75rem}.empty{color:#4a5a60}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _words(key: str) -> str:
    return html.escape(key.replace("_", " ").capitalize())


def readable(value: Any) -> str:
    """Any exported value as HTML: a dict as a list of terms, a list as items. Escaped."""
    if isinstance(value, dict):
        rows = "".join(f"<dt>{_words(k)}</dt><dd>{readable(v)}</dd>" for k, v in value.items())
        return f"<dl>{rows}</dl>"
    if isinstance(value, list):
        if not value:
            return '<span class="empty">None</span>'
        return "".join(f'<div class="item">{readable(item)}</div>' for item in value)
    if value is None or value == "":
        return '<span class="empty">—</span>'
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return html.escape(str(value))


def _index_html(patient: User, parts: list[tuple[str, str, Any]]) -> str:
    sections = "".join(
        f"<section><h2>{html.escape(heading)}</h2>{readable(data)}</section>"
        for _, heading, data in parts
    )
    intro = (
        '<h1>Your Claywork data</h1><p>Your journal is in <a href="journal.html">journal.html'
        "</a>; the same data for other programs is in the <code>data</code> folder.</p>"
    )
    return _page("Your Claywork data", intro + sections)


_JOURNAL_START, _JOURNAL_END = _page("Your journal", "<h1>Your journal</h1>§").split("§")


def _entry_html(entry: dict[str, Any]) -> str:
    title = html.escape(entry["title"] or "Untitled entry")
    details = {key: value for key, value in entry.items() if key not in {"id", "title"}}
    return f'<article class="item"><h2>{title}</h2>{readable(details)}</article>'
