"""The screen's training script keeps its calibration-only writing out of the heads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "claywork" / "safety" / "data" / "corpus"


def test_the_training_script_refuses_the_writing_kept_to_calibrate_long_entries() -> None:
    """Trained on, ``ordinary_windows.tsv`` would score near zero and stop showing how often
    harmless writing passes by chance, and the long-text limits would sink with it."""
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [
            sys.executable,
            str(ROOT / "scripts" / "screening_train.py"),
            "--train",
            str(CORPUS / "train.tsv"),
            "--train",
            str(CORPUS / "ordinary_windows.tsv"),
            "--dev",
            str(CORPUS / "dev.tsv"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "ordinary_windows.tsv is for calibration only" in result.stderr
