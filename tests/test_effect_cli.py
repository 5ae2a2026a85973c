"""``claywork effect --file COHORT.json``: the app's rules on a file, and what bad input gets."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from claywork.measures import effect
from claywork.measures.cohort_file import read_cohort

DAY_ZERO = date(2026, 1, 5)


def iso(offset: int) -> str:
    return (DAY_ZERO + timedelta(days=offset)).isoformat()


def fading_patient(patient_id: str = "p1") -> dict[str, Any]:
    """Lifted from 3 to 7 by a course, then 5 a day from day 40: an early warning on day 42,
    an alert on day 50 (the relapse filter)."""
    moods = [3] * 14 + [5] * 7 + [7] * 33 + [5] * 40
    return {
        "id": patient_id,
        "sessions": [iso(0), iso(3), iso(6)],
        "check_ins": [{"date": iso(n - 14), "mood": m} for n, m in enumerate(moods)],
        "scores": [
            {"date": iso(-3), "instrument": "phq9", "total": 18},
            {"date": iso(-3), "instrument": "gad7", "total": 12},
            *({"date": iso(14 + 7 * n), "instrument": "phq9", "total": 5} for n in range(5)),
        ],
    }


def run(tmp_path: Path, cohort: Any) -> tuple[list[dict[str, Any]], str, int]:
    path = tmp_path / "cohort.json"
    path.write_text(json.dumps(cohort) if not isinstance(cohort, str) else cohort)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("effect", "--file", str(path), stdout=out, stderr=err)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue(), code


def test_one_line_per_patient_in_the_issues_format(tmp_path: Path) -> None:
    lines, errors, code = run(tmp_path, [fading_patient("a"), fading_patient("b")])

    assert (code, errors) == (0, "")
    assert [line["id"] for line in lines] == ["a", "b"]
    first = lines[0]
    assert set(first) == {"id", "episodes", "benefit"}
    (episode,) = first["episodes"]
    assert episode == {
        "start": iso(42),
        "rule": "mood_early_warning",
        "detail": (
            f"mood 5.0 on average over 3 check-ins since {iso(40)}, 2.0 below its usual 7; "
            f"then on {iso(50)} mood_relapse_probable: probability of a sustained fall 0.79: "
            "mood 7 usually, 5.0 on average over the last 7 check-ins (4.0 above where it was "
            "before the course)"
        ),
        "tier": "alert",
        "alerted_on": iso(50),
    }
    assert set(first["benefit"]) == {"course", "sessions"}
    assert first["benefit"]["course"]["last_session"] == iso(6)
    assert len(first["benefit"]["sessions"]) == 3


def test_the_command_runs_the_apps_own_evaluation(tmp_path: Path) -> None:
    (patient,) = read_cohort(json.dumps([fading_patient()]))
    assert patient.inputs is not None
    expected = effect.evaluate(patient.inputs).as_dict()

    (line,), _, _ = run(tmp_path, [fading_patient()])

    assert line == {"id": "p1"} | expected
    assert patient.inputs.today == DAY_ZERO + timedelta(days=79)  # the last date in the data


def broken(**changes: Any) -> dict[str, Any]:
    patient = fading_patient("bad")
    for key, value in changes.items():
        if value is None:
            del patient[key]
        else:
            patient[key] = value
    return patient


@pytest.mark.parametrize(
    ("patient", "message"),
    [
        (broken(sessions=None), "missing field 'sessions'"),
        (broken(id=None), "missing field 'id'"),
        (
            broken(scores=[{"date": iso(1), "instrument": "madrs", "total": 3}]),
            "scores[0].instrument: unknown instrument 'madrs' (one of cssrs_screen, gad7, pcl5",
        ),
        (
            broken(sessions=[iso(3), iso(0)]),
            f"sessions[1]: {iso(0)} comes before {iso(3)}; list sessions oldest first",
        ),
        (
            broken(check_ins=[{"date": iso(1), "mood": 5}, {"date": iso(1), "mood": 6}]),
            f"check_ins[1].date: {iso(1)} is listed twice; keep one a day",
        ),
        (
            broken(check_ins=[{"date": iso(1), "mood": 11}]),
            "check_ins[0].mood: must be a whole number from 0 to 10, not 11",
        ),
        (
            broken(check_ins=[{"date": "2026-13-01", "mood": 5}]),
            "check_ins[0].date: '2026-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            broken(check_ins=[{"mood": 5}]),
            "check_ins[0]: missing field 'date'",
        ),
        (
            broken(scores=[{"date": iso(1), "instrument": "phq9", "total": 28}]),
            "scores[0].total: must be a whole number from 0 to 27, not 28",
        ),
        (broken(scores="phq9"), "scores: must be a list"),
    ],
)
def test_bad_input_names_the_patient_and_the_field_and_others_are_still_evaluated(
    tmp_path: Path, patient: dict[str, Any], message: str
) -> None:
    lines, errors, code = run(tmp_path, [fading_patient("first"), patient, fading_patient("last")])

    assert code == 1
    assert [line["id"] for line in lines][::2] == ["first", "last"]
    assert lines[0]["episodes"] and lines[2]["episodes"]
    assert message in lines[1]["error"]
    who = "bad" if "id" in patient else "#2"
    assert f'patient "{who}": {message}' in errors
    assert "1 of 3 patients could not be evaluated" in errors


def test_instruments_may_be_named_as_clinicians_write_them(tmp_path: Path) -> None:
    written = fading_patient("p1")
    written["scores"] = [
        {**score, "instrument": "PHQ-9"} if score["instrument"] == "phq9" else score
        for score in written["scores"]
    ]
    assert any(score["instrument"] == "PHQ-9" for score in written["scores"])

    (as_written,), _, _ = run(tmp_path, [written])
    (as_coded,), _, _ = run(tmp_path, [fading_patient("p1")])

    assert as_written == as_coded
    (out_of_range,), _, _ = run(
        tmp_path, [broken(scores=[{"date": iso(1), "instrument": "Gad 7", "total": 22}])]
    )
    assert "scores[0].total: must be a whole number from 0 to 21, not 22" in out_of_range["error"]


def test_a_patient_with_no_data_is_reported_and_still_gets_a_line(tmp_path: Path) -> None:
    empty = {"id": "empty", "sessions": [], "check_ins": [], "scores": []}

    lines, errors, code = run(tmp_path, [empty, fading_patient()])

    assert code == 0
    assert lines[0] == {"id": "empty", "episodes": [], "benefit": {"course": None, "sessions": []}}
    assert 'patient "empty": sessions, check_ins and scores are all empty' in errors
    assert lines[1]["episodes"]


def test_one_patient_may_have_several_problems_all_named(tmp_path: Path) -> None:
    patient = broken(
        check_ins=[{"date": iso(2), "mood": 5}, {"date": iso(1), "mood": -1}],
        scores=[{"date": iso(1), "instrument": 9, "total": 1}],
    )
    (line,), errors, _ = run(tmp_path, [patient])

    assert f"check_ins[1].date: {iso(1)} comes before {iso(2)}" in line["error"]
    assert "check_ins[1].mood: must be a whole number from 0 to 10, not -1" in line["error"]
    assert "scores[0].instrument: unknown instrument 9" in line["error"]
    assert errors.count('patient "bad"') == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ('{"id": "p1"}', "must hold a JSON list of patients")],
)
def test_a_file_that_is_not_a_cohort_stops_with_a_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(tmp_path, content)


def test_a_missing_file_stops_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read .*nowhere.json"):
        call_command("effect", "--file", str(tmp_path / "nowhere.json"))
