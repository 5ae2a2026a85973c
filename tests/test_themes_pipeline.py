"""The themes pipeline without a database: quality on the labelled corpus, bad input,
matching recomputed themes to edited ones, the corpus file format and the tone score."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from claywork.themes import pipeline, tone
from claywork.themes.evaluation import pair_planted, score, shared_words
from claywork.themes.jsonl import CorpusError, documents_from_file, documents_from_lines
from claywork.themes.pipeline import Document, discover_themes, match_by_phrases
from tests.themes_support import CORPUS, corpus_lines, labels

PATIENTS = ("patient_a", "patient_b", "patient_c")


def corpus_result(name: str, engine: pipeline.Engine = "classic") -> pipeline.ThemeResult:
    return discover_themes(documents_from_file(CORPUS / f"{name}.jsonl"), engine=engine)


def planted_and_distractors(name: str) -> tuple[dict, dict]:
    known = labels()
    spec = known["patients"][name]
    planted = {theme: known["themes"][theme] for theme in spec["themes"]}
    distractors = {event: known["distractors"][event] for event in spec["distractors"]}
    return planted, distractors


def test_the_labelled_corpus_has_three_patients_of_thirty_entries() -> None:
    for name in PATIENTS:
        lines = corpus_lines(name)
        assert len(lines) == 30
        assert {line["session"] for line in lines} - {None} == {f"s{n}" for n in range(1, 7)}
        assert any(line["distractor"] for line in lines)


@pytest.mark.parametrize("name", PATIENTS)
def test_each_planted_theme_matches_its_own_discovered_theme(name: str) -> None:
    result = corpus_result(name)
    planted, _ = planted_and_distractors(name)

    found = pair_planted(result.themes, planted)

    assert result.status == "ready"
    assert set(found) == set(planted), [theme.key_phrases for theme in result.themes]
    assert len(set(found.values())) == len(planted)
    assert all(result.themes[index].recurring for index in found.values())


def test_a_theme_made_of_a_one_off_event_is_not_marked_recurring() -> None:
    event_themes = []
    for name in PATIENTS:
        result = corpus_result(name)
        planted, distractors = planted_and_distractors(name)
        found = set(pair_planted(result.themes, planted).values())
        event_themes += [
            theme
            for index, theme in enumerate(result.themes)
            if index not in found
            and any(shared_words(theme, markers) >= 2 for markers in distractors.values())
        ]

    assert event_themes, "the one-off events should show up as (non-recurring) themes"
    assert not any(theme.recurring for theme in event_themes)


def test_scores_on_the_corpus_are_good_enough_to_be_useful() -> None:
    for name in PATIENTS:
        planted, distractors = planted_and_distractors(name)
        lines = corpus_lines(name)
        truth = {t: {line["id"] for line in lines if t in line["planted"]} for t in planted}
        result = score(
            corpus_result(name).themes, planted=planted, distractors=distractors, truth=truth
        )
        assert result.theme_recall == 1.0
        assert result.entry_recall >= 0.6
        assert result.entry_precision >= 0.8
        assert result.distractor_recurring == 0


def test_the_same_writing_gives_the_same_themes() -> None:
    first, second = corpus_result("patient_b"), corpus_result("patient_b")

    assert first.as_dict() == second.as_dict()


def test_theme_counts_follow_the_sessions_in_course_order() -> None:
    result = corpus_result("patient_a")

    assert result.sessions == [f"s{n}" for n in range(1, 7)]
    for theme in result.themes:
        assert list(theme.session_counts) == [
            s for s in result.sessions if s in theme.session_counts
        ]
        assert sum(theme.session_counts.values()) <= len(theme.document_keys)


# --- Bad input ------------------------------------------------------------------------------


def docs(*texts: str) -> list[Document]:
    start = date(2026, 1, 1)
    return [
        Document(f"entry:{n}", "entry", text, start + timedelta(days=n), f"s{n // 3}")
        for n, text in enumerate(texts)
    ]


@pytest.mark.parametrize(
    "texts",
    [
        (),
        ("",) * 10,
        ("ocean",),
        ("ocean",) * 10,
        ("😀🌊🙏",) * 12,
        ("12345 678",) * 6,
        ("ok", "fine", "tired", "sea"),
    ],
    ids=["no entries", "empty", "one word", "the same word", "emoji only", "numbers", "tiny"],
)
def test_too_little_writing_is_not_enough_rather_than_an_error(texts: tuple[str, ...]) -> None:
    result = discover_themes(docs(*texts))

    assert result.status == "not_enough"
    assert result.themes == []


def test_entries_in_another_language_still_give_themes() -> None:
    german = [
        "Das Meer war ruhig und die Wellen kamen langsam an den Strand.",
        "Mein Vater stand in seiner Werkstatt, und ich dachte an Vergebung.",
        "Wieder das Meer, die Wellen, der Strand im Abendlicht.",
        "Die Werkstatt meines Vaters roch nach Holz. Vergebung fällt mir schwer.",
        "Am Strand gesessen, den Wellen zugehört, das Meer gerochen.",
        "Vergebung für meinen Vater, vielleicht eines Tages, in seiner Werkstatt.",
    ] * 2

    result = discover_themes(docs(*german))

    assert result.status == "ready"
    words = {word for theme in result.themes for word in " ".join(theme.key_phrases).split()}
    assert words & {"meer", "wellen", "strand"}
    assert words & {"vater", "werkstatt", "vergebung"}


def test_a_one_megabyte_entry_gives_a_result() -> None:
    # The same sentence over and over: it counts once (a pasted block does not outweigh the
    # rest of the journal).
    huge = "The lighthouse beam swept the harbour again tonight. " * 20_000
    assert len(huge) > 1_000_000
    texts = [huge] + [
        "The lighthouse and the harbour came back in the session.",
        "Thinking of the harbour, boats and the lighthouse.",
        "My sister called about the harbour festival and the boats.",
        "Lighthouse dreams again, the beam across the water.",
    ]

    result = discover_themes(docs(*texts))

    assert result.status == "ready"
    assert any("lighthouse" in theme.key_phrases for theme in result.themes)
    assert all(len(snippet) <= 240 for t in result.themes for snippet in t.snippets.values())


# --- Matching edits to recomputed themes ----------------------------------------------------


def test_an_edited_theme_is_found_again_by_key_phrase_overlap() -> None:
    recomputed = [["forest", "roots", "moss"], ["ocean", "waves", "tide", "shore"], ["work"]]
    anchors = [["waves", "ocean", "salt"], ["daughter", "school"], ["root", "trees", "forest"]]

    matched = match_by_phrases(recomputed, anchors)

    assert matched == {0: 1, 2: 0}  # "root" matches "roots"; the daughter theme is gone


def test_two_edits_never_claim_the_same_theme() -> None:
    matched = match_by_phrases([["ocean", "waves"]], [["ocean", "waves"], ["ocean", "tide"]])

    assert matched == {0: 0}


# --- The corpus file format -----------------------------------------------------------------


def test_a_line_without_a_session_belongs_to_the_latest_earlier_session() -> None:
    lines = [
        json.dumps({"id": "b", "date": "2026-01-09", "session": None, "text": "after"}),
        json.dumps({"id": "a", "date": "2026-01-02", "session": "one", "text": "first"}),
        json.dumps({"id": "z", "date": "2026-01-01", "session": None, "text": "before"}),
    ]

    documents = documents_from_lines(lines)

    assert [(d.key, d.session) for d in documents] == [("z", None), ("a", "one"), ("b", "one")]


@pytest.mark.parametrize(
    "line", ["not json", "[1, 2]", '{"id": 1}', '{"id": 1, "text": "x", "date": "soon"}']
)
def test_a_bad_corpus_line_is_named_in_the_error(line: str) -> None:
    with pytest.raises(CorpusError, match="line 1"):
        documents_from_lines([line])


def test_the_corpus_files_use_the_documented_fields(tmp_path: Path) -> None:
    for name in PATIENTS:
        for line in corpus_lines(name):
            assert {"id", "date", "session", "text"} <= set(line)


# --- Tone -----------------------------------------------------------------------------------


def test_tone_reads_warm_and_heavy_words() -> None:
    warm = tone.tone_of("I felt loved and grateful, a calm happy day.")
    heavy = tone.tone_of("Everything felt hopeless and painful, I was so sad and afraid.")

    assert warm is not None and warm > 0.5
    assert heavy is not None and heavy < -0.5


@pytest.mark.parametrize("text", ["", "   ", "12345"])
def test_tone_of_nothing_readable_is_none(text: str) -> None:
    assert tone.tone_of(text) is None


def test_tone_reads_emoji_and_survives_a_huge_entry() -> None:
    assert (tone.tone_of("😀😀") or 0) > 0
    assert tone.tone_of("calm " * 300_000) is not None


def test_weekly_tone_sits_beside_mean_mood() -> None:
    monday = date(2026, 3, 2)
    weeks = tone.weekly(
        [(monday, 0.5), (monday + timedelta(days=2), -0.1), (monday + timedelta(days=7), None)],
        [(monday, 6), (monday + timedelta(days=1), 8), (monday + timedelta(days=14), 3)],
    )

    assert [(w.week_of, w.tone, w.entries, w.mood) for w in weeks] == [
        (monday, 0.2, 2, 7.0),
        (monday + timedelta(days=7), None, 1, None),
        (monday + timedelta(days=14), None, 0, 3.0),
    ]
