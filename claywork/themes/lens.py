"""The session lens and the tone page: read-only views over a patient's writing, computed
when asked (one session's entries, or a per-entry score, are quick to work out)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from claywork.accounts.models import User
from claywork.care.models import Session, SessionIntention
from claywork.journal.models import Entry
from claywork.measures.models import CheckIn
from claywork.themes import tone
from claywork.themes.pipeline import Document, content_words, stem
from claywork.themes.selectors import SessionRef, patient_inputs

LENS_PHRASES = 10


@dataclass
class Echo:
    session_label: str
    intention: str
    words: list[str]
    entry_ids: list[int]


@dataclass
class Lens:
    ref: SessionRef | None
    entries: int
    earlier_entries: int
    new_words: list[str] = field(default_factory=list)
    returning_words: list[str] = field(default_factory=list)
    echoes: list[Echo] = field(default_factory=list)

    @property
    def has_writing(self) -> bool:
        return self.entries > 0


def _stems(document: Document) -> dict[str, str]:
    """{stem: the word as written} for one document."""
    found: dict[str, str] = {}
    for word in content_words(document.text):
        found.setdefault(stem(word), word)
    return found


def session_lens(patient: User, session: Session) -> Lens:
    inputs = patient_inputs(patient)
    keys = inputs.session_keys
    ref = next((ref for ref in inputs.sessions if ref.session.pk == session.pk), None)
    if ref is None:  # a cancelled session: nothing was written after it
        return Lens(None, 0, 0)
    position = keys.index(ref.key)
    earlier_keys = set(keys[:position])
    entries = [d for d in inputs.documents if d.kind == "entry"]
    this = [d for d in entries if d.session == ref.key]
    earlier = [d for d in entries if d.session is None or d.session in earlier_keys]
    earlier_stems = set().union(*(set(_stems(d)) for d in earlier)) if earlier else set()
    counts: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for document in this:
        for root, word in _stems(document).items():
            counts[root] += 1
            spelled.setdefault(root, word)
    ranked = [root for root, _ in counts.most_common()]
    lens = Lens(ref, len(this), len(earlier))
    lens.new_words = [spelled[r] for r in ranked if r not in earlier_stems][:LENS_PHRASES]
    lens.returning_words = [spelled[r] for r in ranked if r in earlier_stems][:LENS_PHRASES]
    lens.echoes = _echoes(inputs.sessions[: position + 1], this)
    return lens


def _echoes(sessions: list[SessionRef], reflections: list[Document]) -> list[Echo]:
    """Intentions (this session's and earlier ones) whose words come back in the reflections
    written after this session."""
    by_session = {ref.session.pk: ref for ref in sessions}
    echoes = []
    intentions = SessionIntention.objects.filter(session_id__in=by_session).order_by("-session_id")
    for intention in intentions:
        wanted = {stem(word): word for word in content_words(intention.text)}
        words: set[str] = set()
        entry_ids = []
        for document in reflections:
            shared = wanted.keys() & _stems(document).keys()
            if shared:
                words |= shared
                entry_ids.append(int(document.key.partition(":")[2]))
        if words:
            echoes.append(
                Echo(
                    session_label=by_session[intention.session_id].label,
                    intention=intention.text,
                    words=sorted(wanted[root] for root in words),
                    entry_ids=entry_ids,
                )
            )
    return echoes


# --- Tone over time -------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryTone:
    entry_id: int
    day: date
    tone: float | None
    words: str


@dataclass
class ToneOverTime:
    entries: list[EntryTone]
    weeks: list[tone.WeeklyTone]

    @property
    def scored(self) -> int:
        return sum(entry.tone is not None for entry in self.entries)

    def chart(self) -> dict[str, Any]:
        return {
            "weeks": [week.week_of.isoformat() for week in self.weeks],
            "tone": [week.tone for week in self.weeks],
            "mood": [week.mood for week in self.weeks],
        }


def tone_over_time(patient: User) -> ToneOverTime:
    try:
        zone = ZoneInfo(patient.timezone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    scored = []
    for entry in Entry.objects.filter(patient=patient).order_by("created_at", "pk"):
        score = tone.tone_of(f"{entry.title}\n{entry.body}")
        scored.append(
            EntryTone(
                entry.pk, entry.created_at.astimezone(zone).date(), score, tone.describe(score)
            )
        )
    moods = CheckIn.objects.filter(patient=patient).values_list("day", "mood")
    weeks = tone.weekly(((e.day, e.tone) for e in scored), moods)
    return ToneOverTime(list(reversed(scored)), weeks)
