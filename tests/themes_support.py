"""Shared helpers for the themes tests: the labelled corpus, written into a real journal."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from claywork.accounts.models import User
from claywork.care.models import Session, TreatmentCourse
from claywork.journal.models import Entry
from tests import factories

CORPUS = Path(__file__).resolve().parent / "data" / "themes"


def labels() -> dict[str, Any]:
    return json.loads((CORPUS / "labels.json").read_text())


def corpus_lines(name: str) -> list[dict[str, Any]]:
    with (CORPUS / f"{name}.jsonl").open() as corpus:
        return [json.loads(line) for line in corpus]


def completed_sessions(course: TreatmentCourse, days: list[date]) -> list[Session]:
    sessions = []
    for day in days:
        at = datetime.combine(day, time(15, 0), tzinfo=UTC)
        sessions.append(factories.make_session(course, status="completed", completed_at=at))
        Session.objects.filter(pk=sessions[-1].pk).update(scheduled_at=at)
    return sessions


def write_entry(
    patient: User, text: str, *, day: date, session: Session | None = None, title: str = ""
) -> Entry:
    entry = factories.make_entry(patient, body=text, title=title, session=session)
    written = datetime.combine(day, time(20, 0), tzinfo=UTC)
    Entry.objects.filter(pk=entry.pk).update(created_at=written)
    entry.created_at = written
    return entry


def journal_from_corpus(patient: User, name: str) -> dict[str, Entry]:
    """The corpus patient's 30 entries as the patient's journal, after 6 completed sessions
    (one the day before each session's first entry). Returns {corpus id: entry}."""
    lines = corpus_lines(name)
    course = factories.make_course(patient, title=f"Course for {name}")
    firsts: dict[str, date] = {}
    for line in lines:
        if line["session"] is not None:
            firsts.setdefault(line["session"], date.fromisoformat(line["date"]))
    keys = sorted(firsts, key=lambda key: firsts[key])
    sessions = dict(
        zip(
            keys,
            completed_sessions(course, [firsts[key] - timedelta(days=1) for key in keys]),
            strict=True,
        )
    )
    return {
        line["id"]: write_entry(
            patient,
            line["text"],
            day=date.fromisoformat(line["date"]),
            session=sessions.get(line["session"]) if line["session"] else None,
        )
        for line in lines
    }
