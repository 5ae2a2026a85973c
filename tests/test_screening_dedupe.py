"""scripts/screening_dedupe.py: training lines that copy an evaluation line are dropped."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dedupe_module():
    spec = importlib.util.spec_from_file_location(
        "screening_dedupe", ROOT / "scripts" / "screening_dedupe.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_exact_and_near_copies_of_an_evaluation_line_are_dropped_and_the_rest_kept(
    tmp_path: Path, capsys
) -> None:
    evaluation = tmp_path / "eval.tsv"
    evaluation.write_text(
        "1\tI gave my guitar to my nephew because I will not be needing it after Sunday.\tprep\n",
        encoding="utf-8",
    )
    candidate = tmp_path / "train.tsv"
    candidate.write_text(
        "1\tI gave my guitar to my nephew because I will not be needing it after Sunday.\tprep\n"
        "1\tgave my guitar to my nephew because i will not be needing it after sunday!!\tprep\n"
        "0\tWe planted tomatoes along the back fence and the dog dug half of them up.\tordinary\n"
        "0\tWe planted tomatoes along the back fence and the dog dug half of them up.\tordinary\n",
        encoding="utf-8",
    )
    kept = tmp_path / "kept.tsv"

    _dedupe_module().main([str(candidate), "--against", str(evaluation), "--out", str(kept)])

    assert kept.read_text(encoding="utf-8").splitlines() == [
        "0\tWe planted tomatoes along the back fence and the dog dug half of them up.\tordinary"
    ]
    report = capsys.readouterr().err
    assert "dropped 2 near copies" in report and "1 repeats" in report
    assert "guitar" not in report  # counts only: an unseen set's words are never printed


def test_measured_by_the_larger_set_a_short_line_inside_a_long_passage_is_kept(
    tmp_path: Path,
) -> None:
    evaluation = tmp_path / "eval.tsv"
    evaluation.write_text(
        "1\tLong shift again and the van broke down twice, and honestly I cut again last night"
        " after everyone went to bed, I just needed it to stop.\tself_harm\n"
        "1\tcounted the pills twice tonight\tmeans\n",
        encoding="utf-8",
    )
    candidate = tmp_path / "train.tsv"
    candidate.write_text(
        "1\tcut again last night\tself_harm\tshort\n"
        "1\tcounted the pills twice tonight!\tmeans\tshort\n",
        encoding="utf-8",
    )
    by_smaller, by_larger = tmp_path / "smaller.tsv", tmp_path / "larger.tsv"
    module = _dedupe_module()

    module.main([str(candidate), "--against", str(evaluation), "--out", str(by_smaller)])
    module.main(
        [str(candidate), "--against", str(evaluation), "--out", str(by_larger)]
        + ["--measure", "larger"]
    )

    assert by_smaller.read_text(encoding="utf-8") == ""
    assert by_larger.read_text(encoding="utf-8").splitlines() == [
        "1\tcut again last night\tself_harm\tshort"
    ]
