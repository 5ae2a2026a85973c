"""``claywork score`` and ``claywork export``: output on success, a clear message otherwise."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from fhirclient.models.bundle import Bundle

from claywork.measures import instruments, services
from tests.conftest import Personas

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def score(*args: str) -> dict[str, object]:
    return json.loads(run("score", *args))


# --- claywork score ---------------------------------------------------------------------------


def test_score_prints_total_band_and_flags_as_one_json_object() -> None:
    output = run("score", "phq9", *"012301230")

    assert output.count("\n") == 1
    assert json.loads(output) == {
        "instrument": "phq9",
        "total": 12,
        "band": "Moderate",
        "flags": [],
    }


def test_score_flags_an_answer_above_zero_on_the_self_harm_item() -> None:
    assert score("phq9", *"000000001") == {
        "instrument": "phq9",
        "total": 1,
        "band": "Minimal",
        "flags": ["self_harm"],
    }


@pytest.mark.parametrize(
    ("args", "total", "band"),
    [
        (["gad7", *"3333333"], 21, "Severe"),
        (["gad7", *"0000000"], 0, "Minimal"),
        (["pcl5", *"2" * 16, *"1111"], 36, "At or above the usual screening cut-point (33)"),
        (["phq9", *"333333333"], 27, "Severe"),
    ],
)
def test_score_other_instruments_and_extremes(args: list[str], total: int, band: str) -> None:
    result = score(*args)

    assert (result["total"], result["band"]) == (total, band)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["madrs", "1", "2"], "unknown instrument 'madrs' (known: cssrs_screen, gad7, pcl5, phq9)"),
        (["phq9", *"01230123"], "PHQ-9 has 10 items: give 9 to 10 answers, not 8"),
        (["phq9", *"01230123012"], "PHQ-9 has 10 items: give 9 to 10 answers, not 11"),
        (["phq9", *"012301230", "4"], "item 10 of PHQ-9: 4 is not one of 0, 1, 2, 3"),
        (["gad7", *"01230123"], "GAD-7 has 7 items: give 7 answers, not 8"),
        (["phq9", *"01230123", "x"], "item 9 of PHQ-9: 'x' is not a whole number"),
        (["phq9", "4", *"00000000"], "item 1 of PHQ-9: 4 is not one of 0, 1, 2, 3"),
        (["gad7", "0", "-1", *"00000"], "item 2 of GAD-7: -1 is not one of 0, 1, 2, 3"),
        (["phq9", "1.5", *"00000000"], "item 1 of PHQ-9: '1.5' is not a whole number"),
    ],
)
def test_score_refuses_bad_input_with_a_clear_message(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as refused:
        run("score", *args)

    assert str(refused.value) == message


def test_score_uses_a_clinics_own_instrument_and_names_a_broken_one(tmp_path: Path) -> None:
    phq2 = json.loads((ROOT / "docs" / "examples" / "phq2.json").read_text())
    (tmp_path / "phq2.json").write_text(json.dumps(phq2))
    try:
        with override_settings(CLAYWORK_INSTRUMENT_DIRS=[str(tmp_path)]):
            instruments.registry.cache_clear()
            assert score("phq2", "2", "1")["total"] == 3
            del phq2["items"][1]["text"]
            (tmp_path / "phq2.json").write_text(json.dumps(phq2))
            instruments.registry.cache_clear()
            with pytest.raises(CommandError, match=r"phq2.json items\[1\]: missing field 'text'"):
                run("score", "phq2", "2", "1")
    finally:
        instruments.registry.cache_clear()


def _claywork(*args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "claywork.settings_test"}
    return subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "claywork.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_score_command_line_exits_zero_with_json_and_non_zero_on_bad_answers() -> None:
    good = _claywork("score", "phq9", *"012301230")
    bad = _claywork("score", "phq9", *"01230123", "7")

    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["total"] == 12
    assert bad.returncode != 0
    assert bad.stdout == ""
    assert "item 9 of PHQ-9: 7 is not one of 0, 1, 2, 3" in bad.stderr


# --- claywork export --------------------------------------------------------------------------


@pytest.fixture
def answered(personas: Personas) -> Personas:
    patient = personas.patient
    response = services.response_start(
        patient=patient, instrument_code="gad7", submission_id=uuid.uuid4()
    )
    answers = {str(n): 1 for n in range(1, 8)}
    services.response_submit(response=response, answers=answers)
    return personas


def test_export_fhir_writes_the_patients_bundle_to_stdout(answered: Personas) -> None:
    output = run("export", "fhir", "--patient", answered.patient.email.upper())

    bundle = json.loads(output)
    Bundle(bundle, strict=True)
    kinds = sorted(entry["resource"]["resourceType"] for entry in bundle["entry"])
    assert kinds == ["Observation", "Patient", "Questionnaire", "QuestionnaireResponse"]
    assert "I noticed the ocean again." not in output


def test_export_csv_writes_the_spreadsheet_to_stdout(answered: Personas) -> None:
    output = run("export", "csv", "--patient", answered.patient.email)

    rows = list(csv.DictReader(io.StringIO(output)))
    assert [(row["record_type"], row["instrument"], row["total"]) for row in rows] == [
        ("scale", "gad7", "7")
    ]
    assert output.endswith("\r\n") and not output.endswith("\r\n\n")


@pytest.mark.parametrize("who", ["nobody@example.test", "care_clinician"])
def test_export_names_only_patients(personas: Personas, who: str) -> None:
    email = getattr(personas, who).email if who == "care_clinician" else who

    with pytest.raises(CommandError, match="no patient has the e-mail address"):
        run("export", "fhir", "--patient", email)


def test_export_needs_a_known_format_and_a_patient(personas: Personas) -> None:
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        run("export", "xml", "--patient", personas.patient.email)
    with pytest.raises(CommandError, match="--patient"):
        run("export", "csv")


def test_score_prints_the_pcl5_clusters_and_its_dsm5_pattern(capsys: Any) -> None:
    call_command("score", "pcl5", *"44444", *"00", *"4444444", *"000000")
    result = json.loads(capsys.readouterr().out)

    assert result["total"] == 48
    assert result["subscales"] == {"B": 20, "C": 0, "D": 28, "E": 0}
    assert result["provisional_pattern"] is False
