"""The verdicts of ``claywork effect --file`` on the simulation's fixed cohorts are pinned, so a
change made for speed (bench/fading_cost.py) cannot change what a clinician is told.

tests/data/effect_verdicts.json holds, for each patient of seeds 2027-2029 (bench/effect_cohort,
240 a seed), the first 16 hex digits of the SHA-256 of their output line. It was written by the
rules before the write path was made cheaper (decision 0007); rewrite it only when the rules
change on purpose, with ``python -m tests.test_effect_verdicts_pinned`` (and say so in the
commit).
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from django.core.management import call_command

from bench.effect_cohort import cohort

PINNED = Path(__file__).parent / "data" / "effect_verdicts.json"
SEEDS = (2027, 2028, 2029)
SIZE = 240


def verdict_digests(seed: int, tmp_path: Path) -> dict[str, str]:
    """Each patient's output line of ``claywork effect --file``, as a short digest."""
    cohort_file = tmp_path / f"cohort-{seed}.json"
    cohort_file.write_text(
        json.dumps([patient.as_cohort_entry() for patient in cohort(seed, SIZE)]), encoding="utf-8"
    )
    out = io.StringIO()
    call_command("effect", "--file", str(cohort_file), stdout=out)
    digests = {}
    for line in out.getvalue().splitlines():
        verdict = json.loads(line)
        digests[verdict["id"]] = hashlib.sha256(line.encode()).hexdigest()[:16]
    return digests


def test_effect_verdicts_on_the_fixed_cohorts_are_unchanged(tmp_path: Path) -> None:
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    for seed in SEEDS:
        found = verdict_digests(seed, tmp_path)
        assert len(found) == SIZE
        changed = sorted(pid for pid, digest in found.items() if pinned[str(seed)][pid] != digest)
        assert changed == [], f"seed {seed}: verdicts changed for {changed[:10]}"


if __name__ == "__main__":  # rewrite the pinned verdicts (only when the rules change on purpose)
    import os
    import tempfile

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claywork.settings_test")
    django.setup()
    with tempfile.TemporaryDirectory() as scratch:
        digests = {str(seed): verdict_digests(seed, Path(scratch)) for seed in SEEDS}
    PINNED.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
