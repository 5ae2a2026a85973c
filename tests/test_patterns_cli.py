"""``claywork patterns --file DAYS``: the page's rules on anyone's days, JSON or CSV, and what bad
input gets (a message with the row and the field, never a traceback)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command

FIRST = date(2026, 3, 2)


def walking_days(days: int = 70, lift: float = 2.0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(1)
    rows = []
    for offset in range(days):
        walked = bool(rng.random() < 0.4)
        mood = int(np.clip(round(5 + lift * walked + rng.normal(0, 0.8)), 0, 10))
        rows.append(
            {
                "date": (FIRST + timedelta(days=offset)).isoformat(),
                "mood": mood,
                "anxiety": None if offset % 3 == 0 else 10 - mood,
                "practices": ["Walk"] if walked else [],
            }
        )
    return rows


def run(tmp_path: Path, text: str, name: str = "days.json", *extra: str) -> tuple[Any, str, int]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("patterns", "--file", str(path), *extra, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    result = json.loads(out.getvalue()) if out.getvalue() else None
    return result, err.getvalue(), code


def test_a_json_list_of_days_gets_the_pages_verdict_and_sentences(tmp_path: Path) -> None:
    result, errors, code = run(tmp_path, json.dumps(walking_days()))

    assert (code, errors) == (0, "")
    assert result["check_in_days"] == 70
    (walk,) = result["practices"]
    assert walk["name"] == "Walk"
    assert walk["mood"]["clear"] is True
    assert walk["mood"]["days_with"] + walk["mood"]["days_without"] == 70
    assert walk["sentences"][0].startswith("On days you did Walk, your mood was on average")
    assert any("Good days may lead to Walk" in line for line in walk["other_explanations"])


def test_a_csv_file_gives_the_same_answer_as_the_json(tmp_path: Path) -> None:
    rows = walking_days()
    lines = ["date,mood,anxiety,practices"] + [
        f"{r['date']},{r['mood']},{'' if r['anxiety'] is None else r['anxiety']},"
        f"{';'.join(r['practices'])}"
        for r in rows
    ]

    from_csv, errors, code = run(tmp_path, "\n".join(lines) + "\n", "days.csv")
    from_json, _, _ = run(tmp_path, json.dumps(rows))

    assert (code, errors) == (0, "")
    assert from_csv == from_json


def test_the_last_session_starts_the_window(tmp_path: Path) -> None:
    last_session = (FIRST + timedelta(days=30)).isoformat()
    text = json.dumps({"days": walking_days(), "last_session": last_session})

    result, _, code = run(tmp_path, text)

    assert code == 0
    assert result["first_day"] == (FIRST + timedelta(days=31)).isoformat()
    assert result["check_in_days"] == 39


def test_two_days_of_data_get_a_notice_not_an_error(tmp_path: Path) -> None:
    result, errors, code = run(tmp_path, json.dumps(walking_days(days=2)))

    assert (code, errors) == (0, "")
    assert result["practices"] == []
    assert result["notice"].startswith("There are 2 check-in days in this window")


def test_a_practice_logged_every_day_says_no_comparison_is_possible(tmp_path: Path) -> None:
    rows = walking_days()
    for row in rows:
        row["practices"] = ["Breathwork"]

    result, _, code = run(tmp_path, json.dumps(rows))

    assert code == 0
    (breathwork,) = result["practices"]
    assert "no days without it" in breathwork["mood"]["reason"]
    assert "nothing to compare" in breathwork["sentences"][0]


def test_each_problem_is_named_by_row_and_field_and_nothing_is_judged(tmp_path: Path) -> None:
    rows = walking_days()
    rows[3]["mood"] = 11
    rows[5]["date"] = "2026-02-30"
    rows[7]["date"] = rows[6]["date"]
    rows[9]["practices"] = "Walk"

    result, errors, code = run(tmp_path, json.dumps(rows))

    assert (code, result) == (1, None)
    assert "days[3].mood: must be a whole number from 0 to 10, not 11" in errors
    assert "days[5].date: '2026-02-30' is not a date (YYYY-MM-DD)" in errors
    assert f"days[7].date: {rows[6]['date']} is listed twice; keep one a day" in errors
    assert "days[9].practices: must be a list of names" in errors


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("{not json", "days.json", "not valid JSON"),
        ('{"id": 1}', "days.json", "must hold a JSON list of days"),
        ("mood,anxiety\n5,3\n", "days.csv", "the first row must name the columns"),
        ("[]", "days.json", "no days in the file"),
    ],
)
def test_an_unreadable_file_gets_a_one_line_message(
    tmp_path: Path, text: str, name: str, message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(tmp_path, text, name)


def test_a_missing_file_gets_a_message(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("patterns", "--file", str(tmp_path / "absent.json"))


def test_a_csv_problem_is_named_by_its_line(tmp_path: Path) -> None:
    result, errors, code = run(tmp_path, "date,mood\n2026-03-01,5\n2026-03-02,11\n", "days.csv")

    assert (code, result) == (1, None)
    assert "line 3.mood: must be a whole number from 0 to 10, not 11" in errors
