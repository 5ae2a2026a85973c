"""Writes for themes: marking a patient's writing as changed (debounced recomputation),
recomputing and storing themes, and the patient's own edits (rename, merge, hide, pin)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from claywork.accounts.models import User
from claywork.themes import pipeline
from claywork.themes.models import (
    Audience,
    Status,
    Theme,
    ThemeEdit,
    ThemeSnapshot,
    ThemeState,
    dumps,
)
from claywork.themes.selectors import Inputs, care_team_inputs, patient_inputs

logger = logging.getLogger(__name__)

# Saves within this many seconds of the first change share one recomputation.
DEBOUNCE_SECONDS = 300
# A queued recomputation that has not run in this long (a worker lost it) may be queued again.
STALE_AFTER = timedelta(minutes=30)


def configured_engine() -> pipeline.Engine:
    """``CLAYWORK_THEMES_ENGINE`` (classic by default); embeddings only when installed."""
    wanted = getattr(settings, "CLAYWORK_THEMES_ENGINE", "classic")
    if wanted == "embeddings":
        if pipeline.embeddings_available():
            return "embeddings"
        logger.warning("CLAYWORK_THEMES_ENGINE=embeddings but the extra is not installed")
    return "classic"


def _debounce() -> timedelta:
    return timedelta(
        seconds=getattr(settings, "CLAYWORK_THEMES_DEBOUNCE_SECONDS", DEBOUNCE_SECONDS)
    )


# --- Debounced recomputation ----------------------------------------------------------------


def themes_writing_changed(*, patient_id: int) -> None:
    """Call from any write that changes what themes are made of. Registers the mark for
    after the commit, so a rolled-back save marks nothing; never raises into the save."""
    transaction.on_commit(lambda: themes_mark_dirty(patient_id=patient_id), robust=True)


def themes_mark_dirty(*, patient_id: int, delay: timedelta | None = None) -> bool:
    """Note that the patient's writing changed and queue one recomputation for a few minutes
    later, unless one is queued already. Returns True when it queued one. Never raises: themes
    must not break anything that writes."""
    try:
        return _mark_dirty(patient_id, _debounce() if delay is None else delay)
    except Exception:
        logger.exception("could not queue a themes recomputation for patient %s", patient_id)
        return False


def _mark_dirty(patient_id: int, delay: timedelta) -> bool:
    now = timezone.now()
    try:
        with transaction.atomic():
            ThemeState.objects.get_or_create(patient_id=patient_id)
    except IntegrityError:  # created by a concurrent save
        pass
    states = ThemeState.objects.filter(patient_id=patient_id)
    states.filter(dirty_since__isnull=True).update(dirty_since=now)
    run_after = now + delay
    # Queue unless a run is already queued for no later than this one would be; a queued run
    # that never happened (a lost worker) does not count after a while.
    claimed = states.filter(
        Q(run_after__isnull=True) | Q(run_after__lt=now - STALE_AFTER) | Q(run_after__gt=run_after)
    ).update(run_after=run_after)
    if claimed:
        _enqueue(patient_id, run_after)
    return bool(claimed)


def _enqueue(patient_id: int, run_after: datetime) -> None:
    from claywork.themes.tasks import recompute_patient_themes

    task = recompute_patient_themes
    if task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    task.enqueue(patient_id=patient_id)


def themes_recompute_if_dirty(*, patient_id: int) -> str:
    """The task's body: take the mark with one conditional UPDATE, then recompute. Writing
    saved while this runs sets the mark again and queues the next round."""
    taken = ThemeState.objects.filter(patient_id=patient_id, dirty_since__isnull=False).update(
        dirty_since=None, run_after=None
    )
    if not taken:
        ThemeState.objects.filter(patient_id=patient_id).update(run_after=None)
        return "clean"
    patient = User.objects.filter(pk=patient_id, is_active=True).first()
    if patient is None:
        return "gone"
    snapshot = themes_recompute(patient=patient)
    return snapshot.status


# --- Computing and storing ------------------------------------------------------------------


def themes_recompute(*, patient: User, engine: pipeline.Engine | None = None) -> ThemeSnapshot:
    """Analyse everything the patient may read and store it as their themes. The analysis
    runs outside any transaction; storing is one short transaction."""
    inputs = patient_inputs(patient)
    result = pipeline.discover_themes(
        inputs.documents, engine=engine or configured_engine(), sessions=inputs.session_keys
    )
    snapshot = themes_store(
        patient=patient, audience=Audience.PATIENT, result=result, inputs=inputs
    )
    ThemeState.objects.filter(patient=patient).update(computed_at=snapshot.computed_at)
    return snapshot


def care_team_themes(*, patient: User, clinician: User) -> ThemeSnapshot:
    """Themes from what this clinician may read of the patient: shared entries and the care
    record. Kept apart from the patient's own; recomputed only when those inputs change."""
    inputs = care_team_inputs(patient, clinician=clinician)
    stored = ThemeSnapshot.objects.filter(patient=patient, audience=Audience.CARE_TEAM).first()
    if stored is not None and stored.fingerprint == inputs.fingerprint:
        return stored
    result = pipeline.discover_themes(
        inputs.documents, engine=configured_engine(), sessions=inputs.session_keys
    )
    return themes_store(patient=patient, audience=Audience.CARE_TEAM, result=result, inputs=inputs)


def _day(when: datetime | date) -> str:
    return when.date().isoformat() if isinstance(when, datetime) else when.isoformat()


def _detail(theme: pipeline.Theme, inputs: Inputs) -> dict[str, Any]:
    by_key = {document.key: document for document in inputs.documents}
    documents = []
    for key in theme.document_keys:
        document = by_key[key]
        kind, _, object_id = key.partition(":")
        documents.append(
            {
                "kind": document.kind,
                "id": int(object_id),
                "session": document.session,
                "day": _day(document.when),
                "snippet": theme.snippets.get(key, ""),
            }
        )
    return {"sessions": theme.session_counts, "documents": documents}


def themes_store(
    *, patient: User, audience: str, result: pipeline.ThemeResult, inputs: Inputs
) -> ThemeSnapshot:
    """Replace the stored themes with ``result``. A new theme that matches an old one by key
    phrases updates the old row, so its id, and the patient's edit of it, carry over."""
    labels = {ref.key: ref.label for ref in inputs.sessions}
    with transaction.atomic():
        snapshot = ThemeSnapshot.objects.filter(patient=patient, audience=audience).first()
        if snapshot is None:
            snapshot = ThemeSnapshot(patient=patient, audience=audience)
        snapshot.engine = result.engine
        snapshot.status = Status.READY if result.status == "ready" else Status.NOT_ENOUGH
        snapshot.document_count = result.document_count
        snapshot.fingerprint = inputs.fingerprint
        snapshot.sessions_json = dumps([[key, labels.get(key, key)] for key in result.sessions])
        snapshot.computed_at = timezone.now()
        snapshot.save()
        old = list(snapshot.themes.all())
        pairs = pipeline.match_by_phrases(
            [theme.key_phrases for theme in result.themes], [row.key_phrases for row in old]
        )
        reuse = {new: old[previous] for previous, new in pairs.items()}
        kept = []
        for position, theme in enumerate(result.themes):
            row = reuse.get(position) or Theme(snapshot=snapshot, patient=patient)
            row.position = position
            row.label = theme.label
            row.phrases_json = dumps(theme.key_phrases)
            row.detail_json = dumps(_detail(theme, inputs))
            row.recurring = theme.recurring
            row.document_count = len(theme.document_keys)
            row.save()
            kept.append(row.pk)
        snapshot.themes.exclude(pk__in=kept).delete()
        if audience == Audience.PATIENT:
            _reattach_edits(patient, snapshot)
    return snapshot


def _reattach_edits(patient: User, snapshot: ThemeSnapshot) -> None:
    """Edits whose theme went away look for it again among the unclaimed themes; every
    attached edit then remembers its theme's current key phrases."""
    themes = list(snapshot.themes.all())
    edits = list(ThemeEdit.objects.filter(patient=patient))
    claimed = {edit.theme_id for edit in edits if edit.theme_id is not None}
    orphans = [edit for edit in edits if edit.theme_id is None]
    free = [theme for theme in themes if theme.pk not in claimed]
    if orphans and free:
        pairs = pipeline.match_by_phrases(
            [theme.key_phrases for theme in free], [edit.anchor for edit in orphans]
        )
        for orphan_index, theme_index in pairs.items():
            orphans[orphan_index].theme = free[theme_index]
            orphans[orphan_index].save(update_fields=["theme"])
    by_pk = {theme.pk: theme for theme in themes}
    for edit in edits:
        theme = by_pk.get(edit.theme_id) if edit.theme_id is not None else None
        if theme is not None and edit.anchor != theme.key_phrases:
            edit.anchor_json = dumps(theme.key_phrases)
            edit.save(update_fields=["anchor_sealed"])


# --- The patient's edits --------------------------------------------------------------------


def _edit_for(theme: Theme) -> ThemeEdit:
    edit = ThemeEdit.objects.filter(theme=theme).first()
    if edit is None:
        edit = ThemeEdit(patient_id=theme.patient_id, theme=theme)
        edit.anchor_json = dumps(theme.key_phrases)
    return edit


def theme_rename(*, theme: Theme, label: str) -> ThemeEdit:
    """Give the theme the patient's own name; an empty name goes back to the key phrases."""
    edit = _edit_for(theme)
    edit.label = label.strip()
    edit.save()
    return edit


def theme_hide(*, theme: Theme, hidden: bool) -> ThemeEdit:
    edit = _edit_for(theme)
    edit.hidden = hidden
    edit.save()
    return edit


def theme_pin(*, theme: Theme, pinned: bool) -> ThemeEdit:
    edit = _edit_for(theme)
    edit.pinned = pinned
    edit.save()
    return edit


def theme_merge(*, theme: Theme, into: Theme) -> ThemeEdit:
    """Show ``theme`` as part of ``into``. Themes already merged into ``theme`` move along,
    and merging into a theme that was itself merged goes to where that one went."""
    if theme.patient_id != into.patient_id:
        raise ValueError("themes merge only within one patient's themes")
    with transaction.atomic():
        target = _edit_for(into)
        if target.merged_into_id is not None:
            target = target.merged_into  # type: ignore[assignment]
        if target.theme_id == theme.pk:
            raise ValueError("a theme cannot be merged into itself")
        target.save()
        edit = _edit_for(theme)
        edit.merged_into = target
        edit.save()
        ThemeEdit.objects.filter(merged_into=edit).update(merged_into=target)
    return edit


def theme_unmerge(*, theme: Theme) -> ThemeEdit:
    edit = _edit_for(theme)
    edit.merged_into = None
    edit.save()
    return edit
