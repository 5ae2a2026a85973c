"""Computing, storing and editing themes; the debounced background recomputation."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from claywork.care import services as care
from claywork.journal import services as journal
from claywork.journal.models import Entry
from claywork.themes import selectors, services
from claywork.themes.models import Audience, Theme, ThemeEdit, ThemeSnapshot, ThemeState
from claywork.themes.pipeline import overlap
from tests import factories
from tests.conftest import Personas
from tests.themes_support import journal_from_corpus, labels

pytestmark = pytest.mark.django_db


def theme_like(patient: Any, *words: str) -> Theme:
    """The patient's stored theme sharing most words with ``words``."""
    themes = Theme.objects.filter(patient=patient, snapshot__audience=Audience.PATIENT)
    return max(themes, key=lambda theme: overlap(theme.key_phrases, words))


@pytest.fixture
def ocean_patient(personas: Personas) -> Any:
    journal_from_corpus(personas.other_patient, "patient_a")
    services.themes_recompute(patient=personas.other_patient)
    return personas.other_patient


def test_recomputing_stores_the_patients_themes_sealed(ocean_patient: Any) -> None:
    snapshot = ThemeSnapshot.objects.get(patient=ocean_patient, audience=Audience.PATIENT)
    ocean = theme_like(ocean_patient, *labels()["themes"]["ocean"])

    assert snapshot.status == "ready"
    assert "ocean" in " ".join(ocean.key_phrases)
    with connection.cursor() as cursor:
        cursor.execute("SELECT label_sealed, phrases_sealed, detail_sealed FROM themes_theme")
        stored = " ".join(" ".join(row) for row in cursor.fetchall())
    assert "ocean" not in stored and "waves" not in stored


def test_each_theme_links_to_the_passages_it_was_found_in(ocean_patient: Any) -> None:
    ocean = theme_like(ocean_patient, *labels()["themes"]["ocean"])
    passages = ocean.detail["documents"]
    own_entries = set(Entry.objects.filter(patient=ocean_patient).values_list("pk", flat=True))

    assert passages and all(p["kind"] == "entry" and p["id"] in own_entries for p in passages)
    assert any("ocean" in p["snippet"].lower() or "wave" in p["snippet"].lower() for p in passages)
    assert ocean.recurring
    assert sum(ocean.detail["sessions"].values()) <= len(passages)


def test_a_rename_pin_and_hide_survive_recomputation(ocean_patient: Any) -> None:
    ocean = theme_like(ocean_patient, *labels()["themes"]["ocean"])
    father = theme_like(ocean_patient, *labels()["themes"]["father"])
    services.theme_rename(theme=ocean, label="The sea in me")
    services.theme_pin(theme=ocean, pinned=True)
    services.theme_hide(theme=father, hidden=True)
    # New writing changes the themes' weights and passages; the edits must hold.
    for text in ("The ocean again, the waves and the shore at dusk.",) * 3:
        factories.make_entry(ocean_patient, body=text)

    services.themes_recompute(patient=ocean_patient)
    board = selectors.theme_board(ocean_patient)

    first = board.cards[0]
    assert first.label == "The sea in me" and first.pinned and first.renamed
    assert "ocean" in " ".join(first.key_phrases)
    assert any("father" in " ".join(card.key_phrases) for card in board.hidden)
    assert not any("father" in " ".join(card.key_phrases) for card in board.cards)


def test_an_edit_waits_for_its_theme_to_come_back(ocean_patient: Any) -> None:
    ocean = theme_like(ocean_patient, *labels()["themes"]["ocean"])
    services.theme_rename(theme=ocean, label="The sea in me")
    ocean_entries = [e for e in Entry.objects.filter(patient=ocean_patient) if "ocean" in e.body]
    bodies = {entry.pk: entry.body for entry in ocean_entries}
    Entry.objects.filter(pk__in=bodies).delete()

    services.themes_recompute(patient=ocean_patient)
    edit = ThemeEdit.objects.get(patient=ocean_patient)
    assert edit.theme is None and "ocean" in " ".join(edit.anchor)

    for body in bodies.values():
        factories.make_entry(ocean_patient, body=body)
    services.themes_recompute(patient=ocean_patient)

    edit.refresh_from_db()
    assert edit.theme is not None and "ocean" in " ".join(edit.theme.key_phrases)
    assert any(card.label == "The sea in me" for card in selectors.theme_board(ocean_patient).cards)


def test_merging_shows_two_themes_as_one_and_can_be_undone(ocean_patient: Any) -> None:
    ocean = theme_like(ocean_patient, *labels()["themes"]["ocean"])
    father = theme_like(ocean_patient, *labels()["themes"]["father"])
    before = len(selectors.theme_board(ocean_patient).cards)

    services.theme_merge(theme=father, into=ocean)
    services.themes_recompute(patient=ocean_patient)
    merged = selectors.theme_board(ocean_patient)

    assert len(merged.cards) == before - 1
    card = next(card for card in merged.cards if card.theme.pk == ocean.pk)
    assert [merged_id for _, merged_id in card.merged] == [father.pk]
    assert {"ocean", "father"} <= set(" ".join(card.key_phrases).split())

    services.theme_unmerge(theme=father)
    assert len(selectors.theme_board(ocean_patient).cards) == before


def test_merging_into_a_merged_theme_goes_where_that_one_went(ocean_patient: Any) -> None:
    ocean, father, control = (
        theme_like(ocean_patient, *labels()["themes"][name])
        for name in ("ocean", "father", "control")
    )
    services.theme_merge(theme=father, into=ocean)
    services.theme_merge(theme=control, into=father)

    board = selectors.theme_board(ocean_patient)
    card = next(card for card in board.cards if card.theme.pk == ocean.pk)
    assert sorted(merged_id for _, merged_id in card.merged) == sorted([father.pk, control.pk])
    with pytest.raises(ValueError, match="itself"):
        services.theme_merge(theme=ocean, into=control)  # control now lives inside ocean


def test_a_tiny_journal_is_stored_as_not_enough_writing(personas: Personas) -> None:
    snapshot = services.themes_recompute(patient=personas.patient)

    assert snapshot.status == "not_enough"
    assert not snapshot.themes.exists()


def test_the_patient_reads_guide_notes_only_of_completed_sessions(personas: Personas) -> None:
    care.guide_note_add(
        session=personas.in_progress,
        author=personas.care_clinician,
        text="Noticed: breathing slowed.",
        submission_id=__import__("uuid").uuid4(),
    )
    keys = {document.key for document in selectors.patient_inputs(personas.patient).documents}
    clinician_keys = {
        document.key
        for document in selectors.care_team_inputs(
            personas.patient, clinician=personas.care_clinician
        ).documents
    }

    assert f"note:{personas.guide_note.pk}" in keys
    assert not any(
        key.startswith("note:") and key != f"note:{personas.guide_note.pk}" for key in keys
    )
    assert len([key for key in clinician_keys if key.startswith("note:")]) == 2
    assert f"entry:{personas.entry.pk}" in keys
    assert f"entry:{personas.entry.pk}" not in clinician_keys  # private until shared


# --- Debounced background recomputation -----------------------------------------------------


def test_a_burst_of_saves_queues_one_recomputation(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(
        services, "_enqueue", lambda patient_id, run_after: queued.append(patient_id)
    )

    for _ in range(3):
        services.themes_mark_dirty(patient_id=personas.patient.pk)

    state = ThemeState.objects.get(patient=personas.patient)
    assert queued == [personas.patient.pk]
    assert state.dirty_since is not None
    assert state.run_after is not None and state.run_after > timezone.now() + timedelta(minutes=4)


def test_asking_for_themes_now_brings_a_queued_run_forward(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[Any] = []
    monkeypatch.setattr(
        services, "_enqueue", lambda patient_id, run_after: queued.append(run_after)
    )
    services.themes_mark_dirty(patient_id=personas.patient.pk)

    services.themes_mark_dirty(patient_id=personas.patient.pk, delay=timedelta(0))
    services.themes_mark_dirty(patient_id=personas.patient.pk, delay=timedelta(0))

    assert len(queued) == 2 and queued[1] < queued[0]


def test_a_lost_task_is_queued_again_after_a_while(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(
        services, "_enqueue", lambda patient_id, run_after: queued.append(patient_id)
    )
    services.themes_mark_dirty(patient_id=personas.patient.pk)
    ThemeState.objects.update(run_after=timezone.now() - timedelta(hours=1))

    services.themes_mark_dirty(patient_id=personas.patient.pk)

    assert queued == [personas.patient.pk, personas.patient.pk]


def test_saving_an_entry_marks_themes_after_the_commit_and_the_task_recomputes(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        factories.make_entry(personas.patient, body="The ocean again.")

    assert callbacks  # the mark waits for the commit
    state = ThemeState.objects.get(patient=personas.patient)
    # The test settings run tasks at once: the recomputation has taken the mark and run.
    assert state.dirty_since is None and state.run_after is None
    assert state.computed_at is not None
    assert ThemeSnapshot.objects.filter(patient=personas.patient).exists()


@pytest.mark.parametrize("write", ["intention", "guide_note", "session_complete"])
def test_care_record_writes_mark_themes_for_recomputation(
    personas: Personas,
    write: str,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    marked: list[int] = []
    monkeypatch.setattr(
        services, "_enqueue", lambda patient_id, run_after: marked.append(patient_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        if write == "intention":
            care.intention_save(session=personas.scheduled, text="To listen to the ocean.")
        elif write == "guide_note":
            care.guide_note_add(
                session=personas.in_progress,
                author=personas.care_clinician,
                text="Spoke of the lighthouse.",
                submission_id=uuid.uuid4(),
            )
        else:
            care.session_complete(session=personas.in_progress, debrief="Settled.")

    assert marked == [personas.patient.pk]
    assert ThemeState.objects.get(patient=personas.patient).dirty_since is not None


def test_a_task_with_nothing_to_do_changes_nothing(personas: Personas) -> None:
    assert services.themes_recompute_if_dirty(patient_id=personas.patient.pk) == "clean"
    assert not ThemeSnapshot.objects.exists()


def test_saving_an_entry_never_fails_because_of_themes(
    personas: Personas, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(patient_id: int, delay: timedelta) -> bool:
        raise RuntimeError("themes are broken")

    monkeypatch.setattr(services, "_mark_dirty", broken)
    with django_capture_on_commit_callbacks(execute=True):
        entry, created = journal.entry_create(
            patient=personas.patient,
            content=journal.EntryContent("reflection", "Still saved", "Words.", []),
            submission_id=__import__("uuid").uuid4(),
        )

    assert created and Entry.objects.filter(pk=entry.pk).exists()


def test_a_failing_recomputation_leaves_the_saved_entry_alone(
    personas: Personas, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("analysis failed")

    monkeypatch.setattr(services, "themes_recompute", broken)
    with django_capture_on_commit_callbacks(execute=True):
        entry = factories.make_entry(personas.patient, body="Saved anyway.")

    assert Entry.objects.filter(pk=entry.pk).exists()
