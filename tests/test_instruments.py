"""Instrument definitions: the shipped scales, scoring, and loading a clinic's own files."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from claywork.measures import instruments
from claywork.measures.instruments import Instrument, InstrumentError, InvalidAnswer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "docs" / "examples"


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    """The registry is cached once per process; tests that change its sources start afresh."""
    instruments.registry.cache_clear()
    yield
    instruments.registry.cache_clear()


def _answers_totalling(instrument: Instrument, total: int) -> dict[str, int]:
    """Answers filling the items in order, each up to the highest option, to reach ``total``."""
    highest = max(option.value for option in instrument.answers)
    answers: dict[str, int] = {}
    for item in instrument.items:
        answers[item.link_id] = min(highest, total)
        total -= answers[item.link_id]
    assert total == 0, "total is above the instrument's maximum"
    return answers


def _valid_definition() -> dict[str, Any]:
    """A small, valid clinic definition that each bad-input test breaks in one place."""
    return {
        "code": "calm3",
        "version": "1",
        "title": "CALM-3",
        "name": "Fictional Calm Scale (3 items)",
        "licence": {"redistribution": "restricted", "notice": "Licensed to the clinic."},
        "loinc": {"panel": None, "total": None},
        "stem": "In the last week, how often did you feel:",
        "answers": [
            {"value": 0, "text": "Never"},
            {"value": 1, "text": "Sometimes"},
            {"value": 2, "text": "Often"},
        ],
        "items": [
            {"link_id": "a", "text": "Settled"},
            {"link_id": "b", "text": "At ease"},
            {
                "link_id": "c",
                "text": "Rested",
                "safety": {"flag": "check", "flag_when_at_least": 2},
            },
        ],
        "scoring": {
            "method": "sum",
            "bands": [
                {"min": 0, "max": 2, "label": "Low"},
                {"min": 3, "max": 6, "label": "High"},
            ],
            "remission_below": 2,
            "meaningful_change": 2,
        },
    }


def _write(directory: Path, name: str, definition: dict[str, Any]) -> Path:
    path = directory / name
    path.write_text(json.dumps(definition), encoding="utf-8")
    return path


# --- The shipped definitions -----------------------------------------------------------------


def test_shipped_definitions_load_with_their_item_counts(fresh_registry: None) -> None:
    registry = instruments.registry()
    assert {"phq9", "gad7", "pcl5"} <= set(registry)
    # Nine scored items and the optional, unscored "how difficult" question.
    assert len(registry["phq9"].items) == 10
    assert [item.scored for item in registry["phq9"].items] == [True] * 9 + [False]
    assert len(registry["gad7"].items) == 7
    assert len(registry["pcl5"].items) == 20
    assert {registry[code].max_total for code in ("phq9", "gad7", "pcl5")} == {27, 21, 80}
    assert all(registry[code].licence == "free" for code in ("phq9", "gad7", "pcl5"))


def test_phq9_and_gad7_carry_their_loinc_codes() -> None:
    phq9 = instruments.get_instrument("phq9")
    gad7 = instruments.get_instrument("gad7")
    assert (phq9.panel_loinc, phq9.total_loinc) == ("44249-1", "44261-6")
    assert (gad7.panel_loinc, gad7.total_loinc) == ("69737-5", "70274-6")
    assert phq9.items[8].loinc == "44260-8"
    assert [item.loinc for item in gad7.items] == [
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",
        "69736-7",
    ]
    expected_answers = [
        (0, "Not at all", "LA6568-5"),
        (1, "Several days", "LA6569-3"),
        (2, "More than half the days", "LA6570-1"),
        (3, "Nearly every day", "LA6571-9"),
    ]
    for instrument in (phq9, gad7):
        assert [(a.value, a.text, a.loinc) for a in instrument.answers] == expected_answers


def test_shipped_item_texts_are_the_published_wording() -> None:
    phq9 = instruments.get_instrument("phq9")
    gad7 = instruments.get_instrument("gad7")
    pcl5 = instruments.get_instrument("pcl5")
    assert phq9.items[0].text == "Little interest or pleasure in doing things"
    assert phq9.items[8].text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert gad7.items[0].text == "Feeling nervous, anxious, or on edge"
    assert gad7.items[6].text == "Feeling afraid, as if something awful might happen"
    assert gad7.answers[0].text == "Not at all"
    assert [a.text for a in pcl5.answers] == [
        "Not at all",
        "A little bit",
        "Moderately",
        "Quite a bit",
        "Extremely",
    ]
    assert pcl5.items[19].text == "Trouble falling or staying asleep?"


def test_unknown_instrument_is_an_invalid_answer() -> None:
    with pytest.raises(InvalidAnswer, match="unknown instrument 'madrs'"):
        instruments.get_instrument("madrs")


# --- Scoring ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "total", "band"),
    [
        ("phq9", 0, "Minimal"),
        ("phq9", 4, "Minimal"),
        ("phq9", 5, "Mild"),
        ("phq9", 9, "Mild"),
        ("phq9", 10, "Moderate"),
        ("phq9", 14, "Moderate"),
        ("phq9", 15, "Moderately severe"),
        ("phq9", 19, "Moderately severe"),
        ("phq9", 20, "Severe"),
        ("phq9", 27, "Severe"),
        ("gad7", 0, "Minimal"),
        ("gad7", 4, "Minimal"),
        ("gad7", 5, "Mild"),
        ("gad7", 9, "Mild"),
        ("gad7", 10, "Moderate"),
        ("gad7", 14, "Moderate"),
        ("gad7", 15, "Severe"),
        ("gad7", 21, "Severe"),
        ("pcl5", 0, "Below the usual screening cut-point (33)"),
        ("pcl5", 32, "Below the usual screening cut-point (33)"),
        ("pcl5", 33, "At or above the usual screening cut-point (33)"),
        ("pcl5", 80, "At or above the usual screening cut-point (33)"),
    ],
)
def test_totals_fall_in_the_published_severity_band(code: str, total: int, band: str) -> None:
    instrument = instruments.get_instrument(code)
    score = instruments.score(instrument, _answers_totalling(instrument, total))
    assert (score.total, score.band) == (total, band)


def test_phq9_item_9_above_zero_flags_self_harm_whatever_the_total() -> None:
    phq9 = instruments.get_instrument("phq9")
    answers = {item.link_id: 0 for item in phq9.items} | {"9": 1}
    score = instruments.score(phq9, answers)
    assert score.total == 1
    assert score.band == "Minimal"
    assert score.flags == ("self_harm",)


def test_a_high_phq9_with_item_9_at_zero_has_no_flag() -> None:
    phq9 = instruments.get_instrument("phq9")
    answers = {item.link_id: 3 for item in phq9.items} | {"9": 0}
    score = instruments.score(phq9, answers)
    assert (score.total, score.band, score.flags) == (24, "Severe", ())


@pytest.mark.parametrize("value", [4, -1, "1", 1.5, True, None])
def test_an_answer_outside_the_options_is_rejected_with_the_options_named(value: Any) -> None:
    phq9 = instruments.get_instrument("phq9")
    answers = {item.link_id: 0 for item in phq9.items} | {"1": value}
    with pytest.raises(InvalidAnswer, match=r"item 1 of PHQ-9: .* is not one of 0, 1, 2, 3"):
        instruments.score(phq9, answers)


def test_an_answer_to_an_unknown_item_is_rejected() -> None:
    gad7 = instruments.get_instrument("gad7")
    answers = {item.link_id: 0 for item in gad7.items} | {"8": 1}
    with pytest.raises(InvalidAnswer, match="GAD-7 has no item '8'"):
        instruments.score(gad7, answers)


def test_incomplete_answers_are_not_scored() -> None:
    gad7 = instruments.get_instrument("gad7")
    with pytest.raises(InvalidAnswer, match="GAD-7 is incomplete: items 6, 7 unanswered"):
        instruments.score(gad7, {str(n): 1 for n in range(1, 6)})
    assert instruments.missing_items(gad7, {"1": 0, "7": 0}) == ["2", "3", "4", "5", "6"]


# --- Response, remission, meaningful change --------------------------------------------------


@pytest.mark.parametrize(
    ("code", "baseline", "current", "expected"),
    [
        ("phq9", 20, 10, True),  # exactly half
        ("phq9", 20, 11, False),
        ("phq9", 15, 7, True),
        ("phq9", 15, 8, False),
        ("phq9", 0, 0, False),  # nothing to drop from
        ("phq9", 4, 2, False),  # a minimal baseline: a "response" would mean nothing
        ("phq9", 9, 4, False),  # under the case threshold of 10
        ("phq9", 10, 5, True),
        ("gad7", 12, 6, True),
        ("gad7", 12, 7, False),
        ("pcl5", 30, 10, False),  # under the PCL-5 cut-point of 33
        ("pcl5", 40, 20, True),
    ],
)
def test_response_is_at_least_a_half_drop_from_baseline(
    code: str, baseline: int, current: int, expected: bool
) -> None:
    instrument = instruments.get_instrument(code)
    assert instruments.is_response(instrument, baseline=baseline, current=current) is expected


@pytest.mark.parametrize(
    ("code", "baseline", "current", "expected"),
    [
        ("phq9", 12, 4, True),
        ("phq9", 12, 5, False),
        ("phq9", 3, 3, False),  # a single minimal score before treatment is not "remission"
        ("phq9", 9, 2, False),
        ("gad7", 10, 4, True),
        ("gad7", 10, 5, False),
    ],
)
def test_remission_is_a_score_under_five_from_a_case_level_baseline(
    code: str, baseline: int, current: int, expected: bool
) -> None:
    instrument = instruments.get_instrument(code)
    assert instruments.is_remission(instrument, baseline=baseline, current=current) is expected


def test_a_phq9_change_of_five_points_either_way_is_meaningful() -> None:
    phq9 = instruments.get_instrument("phq9")
    assert instruments.is_meaningful_change(phq9, before=12, after=7)
    assert instruments.is_meaningful_change(phq9, before=7, after=12)
    assert not instruments.is_meaningful_change(phq9, before=12, after=8)


# --- Definitions that must fail at load ------------------------------------------------------


def _without_text(data: dict[str, Any]) -> None:
    del data["items"][1]["text"]


def _duplicate_link_id(data: dict[str, Any]) -> None:
    data["items"][2]["link_id"] = "a"


def _band_gap(data: dict[str, Any]) -> None:
    data["scoring"]["bands"][1]["min"] = 4


def _band_overlap(data: dict[str, Any]) -> None:
    data["scoring"]["bands"][1]["min"] = 2


def _bands_short_of_max(data: dict[str, Any]) -> None:
    data["scoring"]["bands"][1]["max"] = 5


def _weighted_method(data: dict[str, Any]) -> None:
    data["scoring"]["method"] = "weighted"


def _safety_without_threshold(data: dict[str, Any]) -> None:
    del data["items"][2]["safety"]["flag_when_at_least"]


def _text_answer_value(data: dict[str, Any]) -> None:
    data["answers"][1]["value"] = "1"


def _code_not_a_slug(data: dict[str, Any]) -> None:
    data["code"] = "Calm 3"


def _unknown_licence(data: dict[str, Any]) -> None:
    data["licence"]["redistribution"] = "ask us"


def _scored_not_a_boolean(data: dict[str, Any]) -> None:
    data["items"][0]["scored"] = "no"


def _optional_safety_item(data: dict[str, Any]) -> None:
    data["items"][2]["required"] = False


def _subscale_of_an_unknown_item(data: dict[str, Any]) -> None:
    data["scoring"]["subscales"] = [{"code": "X", "label": "X", "items": ["a", "z"]}]


def _pattern_of_an_unknown_subscale(data: dict[str, Any]) -> None:
    data["scoring"]["subscales"] = [{"code": "X", "label": "X", "items": ["a"]}]
    data["scoring"]["provisional_pattern"] = {
        "label": "P",
        "endorsed_at": 1,
        "minimum": {"Y": 1},
    }


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (_scored_not_a_boolean, "calm3.json items[0]: field 'scored' must be true or false"),
        (_optional_safety_item, "calm3.json items[2]: a safety item must be required"),
        (_subscale_of_an_unknown_item, "calm3.json scoring.subscales[0]: items must name"),
        (_pattern_of_an_unknown_subscale, "provisional_pattern: minimum.Y must name a subscale"),
        (_without_text, "calm3.json items[1]: missing field 'text' (item 'b')"),
        (_duplicate_link_id, "calm3.json: duplicate link_id 'a' in items"),
        (_band_gap, "calm3.json: scoring.bands must cover 0-6 without gaps or overlaps"),
        (_band_overlap, "calm3.json: scoring.bands must cover 0-6 without gaps or overlaps"),
        (_bands_short_of_max, "calm3.json: scoring.bands end at 5, but the highest possible"),
        (_weighted_method, "calm3.json: scoring.method must be 'sum'"),
        (_safety_without_threshold, "calm3.json items[2] safety: missing field 'flag_when_at"),
        (_text_answer_value, "calm3.json answers[1]: field 'value' must be int"),
        (_code_not_a_slug, "calm3.json: field 'code' must be 1-40 lower-case letters"),
        (_unknown_licence, "calm3.json: licence.redistribution must be one of"),
    ],
)
def test_a_broken_definition_fails_at_load_naming_file_and_field(
    tmp_path: Path, breakage: Any, message: str
) -> None:
    data = copy.deepcopy(_valid_definition())
    breakage(data)
    path = _write(tmp_path, "calm3.json", data)
    with pytest.raises(InstrumentError) as raised:
        instruments.load_instrument_file(path, shipped=False)
    assert message in str(raised.value)


def test_a_file_that_is_not_json_fails_at_load(tmp_path: Path) -> None:
    path = tmp_path / "calm3.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InstrumentError, match="calm3.json: cannot be read as JSON"):
        instruments.load_instrument_file(path, shipped=False)


def test_a_restricted_licence_in_the_shipped_directory_fails_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    _write(tmp_path, "calm3.json", _valid_definition())
    monkeypatch.setattr(instruments, "SHIPPED_DIR", tmp_path)
    with pytest.raises(InstrumentError) as raised:
        instruments.registry()
    assert "calm3.json: licence.redistribution is 'restricted'" in str(raised.value)


# --- A clinic's own directory ----------------------------------------------------------------


def test_a_clinic_directory_adds_a_restricted_instrument(
    tmp_path: Path, fresh_registry: None
) -> None:
    _write(tmp_path, "calm3.json", _valid_definition())
    with override_settings(CLAYWORK_INSTRUMENT_DIRS=[str(tmp_path)]):
        instruments.registry.cache_clear()
        calm = instruments.get_instrument("calm3")
        assert "phq9" in instruments.registry()
    assert calm.licence == "restricted"
    assert calm.source == "calm3.json"
    score = instruments.score(calm, {"a": 1, "b": 1, "c": 2})
    assert (score.total, score.band, score.flags) == (4, "High", ("check",))
    assert instruments.is_remission(calm, baseline=6, current=1)


def test_a_clinic_instrument_cannot_take_a_shipped_code(
    tmp_path: Path, fresh_registry: None
) -> None:
    _write(tmp_path, "my-phq9.json", _valid_definition() | {"code": "phq9"})
    with override_settings(CLAYWORK_INSTRUMENT_DIRS=[str(tmp_path)]):
        instruments.registry.cache_clear()
        with pytest.raises(InstrumentError, match="my-phq9.json: instrument code 'phq9' is taken"):
            instruments.registry()


def test_a_missing_clinic_directory_fails_loudly(tmp_path: Path, fresh_registry: None) -> None:
    missing = tmp_path / "no-such-dir"
    with override_settings(CLAYWORK_INSTRUMENT_DIRS=[str(missing)]):
        instruments.registry.cache_clear()
        with pytest.raises(
            InstrumentError, match="CLAYWORK_INSTRUMENT_DIRS: .* is not a directory"
        ):
            instruments.registry()


def test_the_documented_phq2_example_loads_and_scores(fresh_registry: None) -> None:
    with override_settings(CLAYWORK_INSTRUMENT_DIRS=[str(EXAMPLES_DIR)]):
        instruments.registry.cache_clear()
        phq2 = instruments.get_instrument("phq2")
    assert (phq2.panel_loinc, phq2.total_loinc) == ("55757-9", "55758-7")
    assert [item.loinc for item in phq2.items] == ["44250-9", "44255-8"]
    assert phq2.max_total == 6
    below = instruments.score(phq2, {"1": 1, "2": 1})
    above = instruments.score(phq2, {"1": 2, "2": 1})
    assert (below.total, below.band) == (2, "Below the usual screening cut-point (3)")
    assert (above.total, above.band) == (3, "At or above the usual screening cut-point (3)")
    assert above.flags == ()
    assert phq2.meaningful_change == 5  # the default when a definition names none
    assert not instruments.is_remission(phq2, baseline=6, current=0)


def test_a_broken_clinic_definition_fails_the_start_up_checks(
    tmp_path: Path, fresh_registry: None
) -> None:
    _write(tmp_path, "calm3.json", _valid_definition() | {"scoring": {"method": "mean"}})
    with override_settings(CLAYWORK_INSTRUMENT_DIRS=[str(tmp_path)]):
        instruments.registry.cache_clear()
        with pytest.raises(SystemCheckError, match=r"calm3.json: scoring.method must be 'sum'"):
            call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_shipped_definitions_pass_the_start_up_checks(fresh_registry: None) -> None:
    assert instruments.check_definitions() == []


# --- Unscored items, subscales, the PCL-5's DSM-5 pattern ------------------------------------


def test_the_phq9_difficulty_question_is_optional_and_never_scored() -> None:
    phq9 = instruments.get_instrument("phq9")
    nine = {str(n): 1 for n in range(1, 9)} | {"9": 0}

    without = instruments.score(phq9, nine)
    with_difficulty = instruments.score(phq9, nine | {"10": 3})

    assert without.total == with_difficulty.total == 8
    assert phq9.max_total == 27
    difficulty = phq9.item("10")
    assert difficulty is not None
    assert [option.text for option in phq9.options_for(difficulty)][-1] == "Extremely difficult"
    with pytest.raises(InvalidAnswer, match="item 10 of PHQ-9: 4 is not one of 0, 1, 2, 3"):
        instruments.validate_answers(phq9, {"10": 4})


def _pcl5(**clusters: list[int]) -> dict[str, int]:
    """PCL-5 answers by cluster: B items 1-5, C 6-7, D 8-14, E 15-20."""
    values = clusters["B"] + clusters["C"] + clusters["D"] + clusters["E"]
    return {str(number): value for number, value in enumerate(values, start=1)}


def test_pcl5_cluster_scores_follow_dsm5() -> None:
    pcl5 = instruments.get_instrument("pcl5")
    answers = _pcl5(B=[4, 3, 0, 0, 0], C=[0, 1], D=[2, 2, 0, 0, 0, 0, 4], E=[1, 0, 0, 0, 0, 3])

    scores = {s.subscale.code: s for s in instruments.subscale_scores(pcl5, answers)}

    assert {code: s.total for code, s in scores.items()} == {"B": 7, "C": 1, "D": 8, "E": 4}
    assert {code: s.maximum for code, s in scores.items()} == {"B": 20, "C": 8, "D": 28, "E": 24}
    assert {code: s.symptoms for code, s in scores.items()} == {"B": 2, "C": 0, "D": 3, "E": 1}
    assert instruments.provisional_pattern(pcl5, answers) is False


def test_a_high_pcl5_total_without_avoidance_or_arousal_is_not_the_dsm5_pattern() -> None:
    pcl5 = instruments.get_instrument("pcl5")
    full_b_and_d = _pcl5(B=[4] * 5, C=[0, 0], D=[4] * 7, E=[0] * 6)
    one_each = _pcl5(B=[2, 0, 0, 0, 0], C=[0, 2], D=[2, 2, 0, 0, 0, 0, 0], E=[0] * 4 + [2, 2])

    assert instruments.score(pcl5, full_b_and_d).total == 48
    assert instruments.provisional_pattern(pcl5, full_b_and_d) is False
    assert instruments.score(pcl5, one_each).total == 12
    assert instruments.provisional_pattern(pcl5, one_each) is True
    assert instruments.provisional_pattern(pcl5, {"1": 4}) is None  # incomplete
    assert instruments.provisional_pattern(instruments.get_instrument("phq9"), {}) is None
