"""Reads for themes: what writing goes in (per audience), and the stored themes as pages show
them, with the patient's edits applied."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from claywork.accounts.models import User
from claywork.care.models import GuideNote, Session, SessionIntention, SessionStatus
from claywork.core import policy
from claywork.journal.models import Entry
from claywork.themes.models import Audience, Theme, ThemeSnapshot, ThemeState
from claywork.themes.pipeline import Document, is_recurring


@dataclass(frozen=True)
class SessionRef:
    key: str
    label: str
    session: Session


@dataclass
class Inputs:
    """The documents for one analysis, the patient's sessions in order, and a digest."""

    documents: list[Document]
    sessions: list[SessionRef]

    @property
    def session_keys(self) -> list[str]:
        return [ref.key for ref in self.sessions]

    @property
    def fingerprint(self) -> str:
        """Ids and lengths only (no text): changes when anything analysed changes."""
        digest = hashlib.sha256()
        for document in self.documents:
            digest.update(f"{document.key}|{document.session}|{len(document.text)}|".encode())
            digest.update(hashlib.sha256(document.text.encode()).digest())
        return digest.hexdigest()


def _zone(patient: User) -> ZoneInfo:
    try:
        return ZoneInfo(patient.timezone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def session_refs(patient: User) -> list[SessionRef]:
    """The patient's sessions that happened or will happen (not cancelled), in order."""
    zone = _zone(patient)
    refs = []
    sessions = Session.objects.filter(patient=patient).exclude(status=SessionStatus.CANCELLED)
    for number, session in enumerate(sessions.order_by("scheduled_at", "pk"), start=1):
        day = (session.completed_at or session.scheduled_at).astimezone(zone)
        refs.append(SessionRef(str(session.pk), f"Session {number}, {day.day} {day:%b}", session))
    return refs


def _bucket(
    moment: datetime, linked_session_id: int | None, sessions: list[SessionRef]
) -> str | None:
    """The session an entry belongs to: the one it is linked to, or else the latest session
    completed before it was written (None before the first)."""
    keys = {ref.key for ref in sessions}
    if linked_session_id is not None and str(linked_session_id) in keys:
        return str(linked_session_id)
    latest = None
    for ref in sessions:
        completed = ref.session.completed_at
        if completed is not None and completed <= moment:
            latest = ref.key
    return latest


def _entry_documents(entries: QuerySet[Entry], sessions: list[SessionRef]) -> list[Document]:
    documents = []
    for entry in entries.order_by("created_at", "pk"):
        text = f"{entry.title}\n{entry.body}".strip()
        documents.append(
            Document(
                key=f"entry:{entry.pk}",
                kind="entry",
                text=text,
                when=entry.created_at,
                session=_bucket(entry.created_at, entry.session_id, sessions),
            )
        )
    return documents


def _care_record_documents(
    patient: User, sessions: list[SessionRef], *, reader: User
) -> list[Document]:
    """Intentions, and the guide notes this reader may read (the patient: only once the
    session is completed)."""
    by_pk = {ref.session.pk: ref for ref in sessions}
    documents = []
    for intention in SessionIntention.objects.filter(session_id__in=by_pk).order_by("pk"):
        ref = by_pk[intention.session_id]
        documents.append(
            Document(
                key=f"intention:{intention.pk}",
                kind="intention",
                text=intention.text,
                when=ref.session.scheduled_at,
                session=ref.key,
            )
        )
    readable = [pk for pk, ref in by_pk.items() if policy.may_read_guide_notes(reader, ref.session)]
    for note in GuideNote.objects.filter(session_id__in=readable, private=False).order_by(
        "noted_at", "pk"
    ):
        documents.append(
            Document(
                key=f"note:{note.pk}",
                kind="guide_note",
                text=note.text,
                when=note.noted_at,
                session=str(note.session_id),
            )
        )
    return documents


def patient_inputs(patient: User) -> Inputs:
    """Everything the patient may read: their own journal and care record."""
    sessions = session_refs(patient)
    entries = Entry.objects.filter(patient=patient)
    documents = _entry_documents(entries, sessions)
    documents += _care_record_documents(patient, sessions, reader=patient)
    return Inputs(documents, sessions)


def care_team_inputs(patient: User, *, clinician: User) -> Inputs:
    """Only the entries this clinician may read (those the patient shared with the care
    team), plus the care record the clinician already reads. Never a private entry."""
    sessions = session_refs(patient)
    entries = policy.entries_visible_to(clinician).filter(patient=patient)
    documents = _entry_documents(entries, sessions)
    documents += _care_record_documents(patient, sessions, reader=clinician)
    return Inputs(documents, sessions)


# --- Stored themes, as the pages show them --------------------------------------------------


@dataclass
class Passage:
    kind: str
    object_id: int
    session_id: int | None
    day: str
    snippet: str


@dataclass
class ThemeCard:
    theme: Theme
    label: str
    computed_label: str
    key_phrases: list[str]
    session_counts: dict[str, int]
    passages: list[Passage]
    recurring: bool
    pinned: bool = False
    hidden: bool = False
    renamed: bool = False
    # (label, theme id) of the themes the patient merged into this one
    merged: list[tuple[str, int]] = field(default_factory=list)
    # (session label, count) across the whole course, for the chart and its table
    series: list[tuple[str, int]] = field(default_factory=list)

    @property
    def chart_id(self) -> str:
        return f"theme-chart-{self.theme.pk}"

    @property
    def chart(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "sessions": [label for label, _ in self.series],
            "values": [count for _, count in self.series],
        }

    @property
    def session_total(self) -> int:
        return len(self.session_counts)


@dataclass
class Board:
    snapshot: ThemeSnapshot | None
    cards: list[ThemeCard]
    hidden: list[ThemeCard]
    sessions: list[list[str]]
    updating: bool

    @property
    def has_themes(self) -> bool:
        return bool(self.cards or self.hidden)

    def fill_series(self) -> Board:
        # The axis ends at the last session any theme was found after: sessions still to come
        # (kept for the intentions set before them) would only add empty columns.
        cards = self.cards + self.hidden
        used = {key for card in cards for key, count in card.session_counts.items() if count}
        last = max((i for i, (key, _) in enumerate(self.sessions) if key in used), default=-1)
        shown = self.sessions[: last + 1]
        for card in cards:
            card.series = [(label, card.session_counts.get(key, 0)) for key, label in shown]
        return self


def _passages(detail: dict[str, Any]) -> list[Passage]:
    passages = []
    for document in detail.get("documents", []):
        session = document.get("session")
        passages.append(
            Passage(
                kind=document.get("kind", "entry"),
                object_id=int(document.get("id", 0)),
                session_id=int(session) if session and str(session).isdigit() else None,
                day=document.get("day", ""),
                snippet=document.get("snippet", ""),
            )
        )
    return passages


def _card(theme: Theme) -> ThemeCard:
    detail = theme.detail
    label = theme.label
    return ThemeCard(
        theme=theme,
        label=label,
        computed_label=label,
        key_phrases=theme.key_phrases,
        session_counts={str(k): int(v) for k, v in detail.get("sessions", {}).items()},
        passages=_passages(detail),
        recurring=theme.recurring,
    )


def snapshot_for(patient: User, audience: str) -> ThemeSnapshot | None:
    return ThemeSnapshot.objects.filter(patient=patient, audience=audience).first()


def _is_updating(patient: User) -> bool:
    state = ThemeState.objects.filter(patient=patient).first()
    return state is not None and state.dirty_since is not None


def theme_board(patient: User) -> Board:
    """The patient's themes with their renames, merges, pins and hidden themes applied."""
    snapshot = snapshot_for(patient, Audience.PATIENT)
    if snapshot is None:
        return Board(None, [], [], [], updating=_is_updating(patient))
    themes = list(snapshot.themes.select_related("edit", "edit__merged_into"))
    cards = {theme.pk: _card(theme) for theme in themes}
    roots: dict[int, int] = {}  # merged theme id -> theme id it was merged into
    for theme in themes:
        edit = getattr(theme, "edit", None)
        if edit is None:
            continue
        card = cards[theme.pk]
        if edit.label:
            card.label, card.renamed = edit.label, True
        card.pinned, card.hidden = edit.pinned, edit.hidden
        target = edit.merged_into.theme_id if edit.merged_into is not None else None
        if target is not None and target in cards and target != theme.pk:
            roots[theme.pk] = target
    for merged_id in list(roots):
        root_id, seen = roots[merged_id], {merged_id}
        while root_id in roots and root_id not in seen:  # merged into a merged theme
            seen.add(root_id)
            root_id = roots[root_id]
        if root_id in seen:  # a loop: show the theme on its own
            del roots[merged_id]
            continue
        roots[merged_id] = root_id
    for merged_id, root_id in roots.items():
        _fold(cards[root_id], cards[merged_id])
    shown = [card for pk, card in cards.items() if pk not in roots]
    shown.sort(key=lambda card: (not card.pinned, not card.recurring, -len(card.passages)))
    return Board(
        snapshot=snapshot,
        cards=[card for card in shown if not card.hidden],
        hidden=[card for card in shown if card.hidden],
        sessions=snapshot.sessions,
        updating=_is_updating(patient),
    ).fill_series()


def _fold(root: ThemeCard, merged: ThemeCard) -> None:
    root.merged.append((merged.label, merged.theme.pk))
    seen = {(passage.kind, passage.object_id) for passage in root.passages}
    root.passages += [p for p in merged.passages if (p.kind, p.object_id) not in seen]
    for key, count in merged.session_counts.items():
        root.session_counts[key] = root.session_counts.get(key, 0) + count
    root.key_phrases += [p for p in merged.key_phrases if p not in root.key_phrases]
    root.recurring = is_recurring(root.session_counts)


def care_team_board(snapshot: ThemeSnapshot) -> Board:
    """The care team sees computed themes as they are: the patient's edits are their own."""
    cards = [_card(theme) for theme in snapshot.themes.all()]
    return Board(snapshot, cards, [], snapshot.sessions, updating=False).fill_series()
