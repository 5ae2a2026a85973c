"""One theme per theme: fragments merged, repeated filler lines left out, honest messages on
bad input (two entries, one huge entry, one sentence over and over), and ``claywork themes
--file`` answering the same with or without Django."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from bench.theme_corpus import planted_corpus
from claywork import cli
from claywork.themes import pipeline, textmodel
from claywork.themes.evaluation import fragment_score
from claywork.themes.jsonl import documents_from_lines
from claywork.themes.pipeline import Document, discover_themes
from claywork.themes.repeats import repeated_lines
from claywork.themes.report import run_without_django
from tests.themes_support import CORPUS, corpus_lines


def documents(lines: list[dict[str, Any]]) -> list[Document]:
    return documents_from_lines(json.dumps(line) for line in lines)


def docs(*texts: str) -> list[Document]:
    start = date(2026, 1, 1)
    return [
        Document(f"entry:{n}", "entry", text, start + timedelta(days=n), f"s{n // 3}")
        for n, text in enumerate(texts)
    ]


# --- Fragments ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 4])
def test_a_planted_theme_in_varied_words_comes_out_as_one_theme(seed: int) -> None:
    for lines in planted_corpus(seed)["patients"].values():
        own = sorted({theme for line in lines for theme in line["planted"]})
        truth = {t: {line["id"] for line in lines if t in line["planted"]} for t in own}

        found = fragment_score(discover_themes(documents(lines)).themes, truth)

        assert [planted.fragments for planted in found.planted] == [1] * len(own)
        assert all(planted.coverage >= 0.6 for planted in found.planted), found.planted
        assert all(planted.recurring for planted in found.planted)
        assert found.spurious_recurring == 0


def test_fragments_whose_sentences_share_words_are_merged_and_others_are_not() -> None:
    similarity = np.array(
        [[1.0, 0.5, 0.0, 0.0], [0.5, 1.0, 0.05, 0.0], [0.0, 0.05, 1.0, 0.3], [0.0, 0.0, 0.3, 1.0]]
    )

    assert textmodel.merge_groups(similarity, 0.15) == [[0, 1], [2, 3]]
    assert textmodel.merge_groups(similarity, 0.6) == [[0], [1], [2], [3]]


def test_the_factorisation_separates_two_groups_of_words() -> None:
    token_lists = [["ocean", "wave", "tide"], ["ocean", "tide"], ["wave", "shore", "ocean"]] * 3
    token_lists += [["father", "workshop"], ["father", "forgive", "workshop"], ["forgive"]] * 3
    matrix, terms = textmodel.tfidf(token_lists, min_df=2, max_df_share=1.0, max_terms=100)

    w, h = textmodel.nmf(matrix, 2)

    tops = sorted(sorted(terms[j] for j in np.argsort(-row)[:3]) for row in h)
    assert tops == [["father", "forgive", "workshop"], ["ocean", "tide", "wave"]]
    assert (w >= 0).all() and (h >= 0).all()
    assert (w[:9].argmax(axis=1) != w[9:].argmax(axis=1)[0]).all()


def test_the_stop_word_copy_equals_scikit_learns() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from claywork.themes.stopwords import ENGLISH_STOP_WORDS as copied

    assert copied == ENGLISH_STOP_WORDS


def test_finding_themes_does_not_import_scikit_learn() -> None:
    import subprocess

    code = (
        "import sys; from claywork.themes.jsonl import documents_from_file; "
        "from claywork.themes.pipeline import discover_themes; "
        f"discover_themes(documents_from_file(__import__('pathlib').Path({str(CORPUS)!r}) "
        "/ 'patient_a.jsonl')); print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert done.stdout.strip() == "False False"


# --- Repeated lines -------------------------------------------------------------------------


def test_a_line_repeated_across_entries_never_makes_a_recurring_theme() -> None:
    lines = corpus_lines("patient_a")
    template = "Gratitude list: espresso, my cardigan, a humming radiator."
    with_template = [{**line, "text": f"{line['text']} {template}"} for line in lines]

    result = discover_themes(documents(with_template))

    words = {word for theme in result.themes for word in " ".join(theme.key_phrases).split()}
    assert not words & {"gratitude", "list", "espresso", "cardigan", "humming", "radiator"}
    recurring = [theme.key_phrases for theme in result.themes if theme.recurring]
    assert recurring == [
        theme.key_phrases for theme in discover_themes(documents(lines)).themes if theme.recurring
    ]


def test_near_same_lines_count_as_one_repeated_line() -> None:
    keys = [
        frozenset(pipeline.analyse(text))
        for text in (
            "Evening walk around the block.",
            "Took my evening walk around the block!",
            "evening walks around the block",
            "Took the evening walk around the BLOCK.",
            "evening walk, around the block",
        )
    ] + [frozenset(pipeline.analyse("The ocean came back, wide and grey."))] * 4

    repeated = repeated_lines(keys, list(range(len(keys))), documents=len(keys))

    assert repeated == {keys[0], keys[1]}  # five entries; the ocean line is in only four


def test_a_sentence_repeated_inside_one_entry_counts_once() -> None:
    pasted = "The lighthouse beam swept the harbour again tonight. " * 50
    passages = pipeline._passages(docs(pasted))

    assert passages.sentences == ["The lighthouse beam swept the harbour again tonight."]


# --- Bad input ------------------------------------------------------------------------------


def test_two_entries_are_not_enough_and_say_why() -> None:
    result = discover_themes(docs("The ocean and the waves again.", "Waves, tide, the ocean."))

    assert result.status == "not_enough"
    assert result.reason == (
        "Themes need at least 4 pieces of writing with words in them; there are 2."
    )
    assert result.as_dict()["reason"] == result.reason


def test_one_entry_of_a_megabyte_is_not_enough_and_says_why() -> None:
    huge = " ".join(f"The lighthouse beam number {n} swept the harbour." for n in range(25_000))
    assert len(huge) > 1_000_000

    result = discover_themes(docs(huge))

    assert result.status == "not_enough"
    assert result.reason.endswith("there is 1.")


@pytest.mark.parametrize(
    "variants",
    [
        ["The ocean was calm and the waves were slow."],
        ["The ocean was calm and the waves were slow.", "the OCEAN was calm, the waves slow"],
    ],
    ids=["the same sentence", "near-same sentences"],
)
def test_entries_that_repeat_one_sentence_are_not_enough_and_say_why(variants: list[str]) -> None:
    texts = [variants[n % len(variants)] for n in range(12)]

    result = discover_themes(docs(*texts))

    assert result.status == "not_enough"
    assert result.reason == pipeline.ONLY_REPEATED


def test_a_ready_result_carries_no_reason() -> None:
    result = discover_themes(documents(corpus_lines("patient_b")))

    assert result.status == "ready"
    assert "reason" not in result.as_dict()


# --- The command line -----------------------------------------------------------------------


def corpus_file(tmp_path: Path, texts: list[str]) -> Path:
    path = tmp_path / "journal.jsonl"
    start = date(2026, 1, 1)
    path.write_text(
        "".join(
            json.dumps(
                {"id": n, "date": (start + timedelta(days=n)).isoformat(), "session": "s1"}
                | {"text": text}
            )
            + "\n"
            for n, text in enumerate(texts)
        )
    )
    return path


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["The ocean again.", "Waves and the tide."], "need at least 4 pieces of writing"),
        (["The ocean was calm and the waves were slow."] * 10, "repeats the same lines"),
    ],
    ids=["two entries", "one sentence repeated"],
)
def test_the_command_explains_not_enough_without_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], texts: list[str], message: str
) -> None:
    path = corpus_file(tmp_path, texts)

    cli.main(["claywork", "themes", "--file", str(path)])

    printed = capsys.readouterr().out
    assert printed.startswith("Not enough writing yet to find themes.")
    assert message in printed


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_the_command_prints_the_same_with_or_without_django(
    capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    path = CORPUS / "patient_c.jsonl"
    flags = ["--json"] if as_json else []

    assert run_without_django(["--file", str(path), *flags])
    quick = capsys.readouterr().out
    through_django = StringIO()
    call_command("themes", "--file", str(path), *flags, stdout=through_django)

    assert quick == through_django.getvalue()
    assert "(recurring)" in quick or '"recurring": true' in quick


@pytest.mark.parametrize(
    "arguments",
    [
        ["--file", "x.jsonl", "--verbosity", "2"],
        ["--file", "x.jsonl", "--engine", "embeddings"],
        ["--patient", "maya@clayhill.example"],
        ["--file"],
        ["--help"],
        ["--file", "does-not-exist.jsonl"],
    ],
)
def test_anything_but_a_plain_corpus_file_goes_through_django(arguments: list[str]) -> None:
    assert run_without_django(arguments) is False


def test_an_unreadable_corpus_file_is_still_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("themes", "--file", str(tmp_path / "missing.jsonl"))
