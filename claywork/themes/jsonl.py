"""Reading a corpus file for ``claywork themes --file``: one ``{"id", "date", "session",
"text"}`` object per line, no database. A line without a session belongs to the session of
the latest earlier-dated line that has one (writing that follows a session)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from claywork.themes.pipeline import Document


class CorpusError(ValueError):
    """A line that is not a usable object; the message names the line."""


def _when(value: Any, line_number: int) -> date | datetime:
    if not isinstance(value, str):
        raise CorpusError(f"line {line_number}: 'date' must be an ISO date")
    try:
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError as error:
        raise CorpusError(f"line {line_number}: 'date' must be an ISO date") from error


def documents_from_lines(lines: Iterable[str]) -> list[Document]:
    rows = []
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise CorpusError(f"line {line_number}: not JSON") from error
        if not isinstance(row, dict) or "text" not in row or "id" not in row:
            raise CorpusError(f"line {line_number}: needs at least 'id' and 'text'")
        when = _when(row.get("date"), line_number)
        session = row.get("session")
        rows.append((when, line_number, row, None if session is None else str(session)))
    rows.sort(key=lambda item: (_day(item[0]), item[1]))
    documents = []
    current: str | None = None
    for when, _, row, session in rows:
        current = session if session is not None else current
        documents.append(
            Document(
                key=str(row["id"]), kind="entry", text=str(row["text"]), when=when, session=current
            )
        )
    return documents


def _day(when: date | datetime) -> date:
    return when.date() if isinstance(when, datetime) else when


def documents_from_file(path: Path) -> list[Document]:
    with path.open(encoding="utf-8") as corpus:
        return documents_from_lines(corpus)
