"""Reads of the care record, shaped for pages. Callers have already passed the policy."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Prefetch

from claywork.care.integration import IntegrationStep
from claywork.care.models import (
    EntryComment,
    GuideNote,
    Session,
    SessionIntention,
    SessionObservation,
    SessionStatus,
    Suggestion,
    SuggestionStatus,
    TreatmentCourse,
)
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.journal.models import Entry, Prompt


def courses_with_sessions(*, patient_id: int) -> list[TreatmentCourse]:
    return list(
        TreatmentCourse.objects.filter(patient_id=patient_id).prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("scheduled_at"))
        )
    )


def intention_text(*, session: Session) -> str:
    intention = SessionIntention.objects.filter(session=session).first()
    return intention.text if intention else ""


def guide_notes(*, session: Session, with_private: bool = False) -> list[GuideNote]:
    """The session's notes, oldest first; private ones only for the care team
    (``with_private`` is the caller's ``policy.may_plan_care``)."""
    notes = GuideNote.objects.filter(session=session).select_related("author")
    if not with_private:
        notes = notes.filter(private=False)
    return list(notes)


def observation_values(*, session: Session) -> dict[str, Any] | None:
    """The session's structured observations, or None when none were recorded."""
    observation = SessionObservation.objects.filter(session=session).first()
    if observation is None or not observation.values_json:
        return None
    values = json.loads(observation.values_json)
    return values if isinstance(values, dict) else None


def session_side_by_side(*, session: Session, viewer: AnyUser) -> dict[str, Any]:
    """A session's intentions, the guide's notes and the patient's own entries, together."""
    entries: list[Entry] = []
    if viewer.pk == session.patient_id:
        entries = list(
            policy.entries_visible_to(viewer)
            .filter(session=session)
            .select_related("prompt")
            .order_by("created_at")
        )
    notes = (
        guide_notes(session=session, with_private=policy.may_plan_care(viewer, session.patient_id))
        if policy.may_read_guide_notes(viewer, session)
        else None
    )
    return {
        "intention": intention_text(session=session),
        "guide_notes": notes,
        "entries": entries,
    }


def prompts_for_steps(step_keys: list[str]) -> dict[str, Prompt | None]:
    """The first active prompt for each integration step, one query for all of them."""
    found: dict[str, Prompt] = {}
    for prompt in Prompt.objects.filter(step__in=[*step_keys, "follow_up"], is_active=True):
        found.setdefault(prompt.step, prompt)
    # A clinic may configure follow-up days the library has no prompt for (say day 5).
    fallback = found.get("follow_up")
    return {
        key: found.get(key) or (fallback if key.startswith("day_") else None) for key in step_keys
    }


def latest_completed_session(*, user: AnyUser) -> Session | None:
    return (
        policy.sessions_visible_to(user)
        .filter(patient_id=user.pk, status=SessionStatus.COMPLETED)
        .order_by("-completed_at")
        .first()
    )


def next_session(*, patient_id: int) -> Session | None:
    return (
        Session.objects.filter(
            patient_id=patient_id,
            status__in=[SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS],
        )
        .select_related("course")
        .order_by("scheduled_at")
        .first()
    )


def entry_comments(*, entry: Entry) -> list[EntryComment]:
    """The care team's comments on one entry, oldest first (a conversation reads down)."""
    return list(EntryComment.objects.filter(entry=entry).select_related("author"))


def suggestions_for(*, patient_id: int) -> list[Suggestion]:
    """A patient's suggestions, pending first, then newest first."""
    return sorted(
        Suggestion.objects.filter(patient_id=patient_id).select_related("prompt", "clinician"),
        key=lambda s: (not s.is_pending, -s.created_at.timestamp(), -s.pk),
    )


def pending_suggestion_count(*, patient_id: int) -> int:
    """Suggestions from the care team still waiting for the patient's answer."""
    return Suggestion.objects.filter(patient_id=patient_id, status=SuggestionStatus.PENDING).count()


def reflections_by_step(
    *, session: Session, steps: list[IntegrationStep], prompts: dict[str, Prompt | None]
) -> dict[str, int]:
    """For each step of the timeline the patient reflected on, their newest entry for it: one
    written from the step's prompt once the step had begun (follow-up days may share a
    prompt), or any entry about the session written during the step. One query."""
    entries = list(
        Entry.objects.filter(patient_id=session.patient_id, session=session)
        .order_by("-created_at", "-pk")
        .values_list("pk", "prompt_id", "created_at")
    )
    found: dict[str, int] = {}
    for step in steps:
        prompt = prompts.get(step.key)
        for pk, prompt_id, created_at in entries:
            from_prompt = prompt is not None and prompt_id == prompt.pk
            if (from_prompt and created_at >= step.starts_at) or (
                step.starts_at <= created_at < step.ends_at
            ):
                found[step.key] = pk
                break
    return found
