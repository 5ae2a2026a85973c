"""Audit the locked dependencies (requirements/test.lock) for known vulnerabilities.

    .venv/bin/python scripts/audit-deps.py [requirements/test.lock]

Runs pip-audit against PyPI's advisory data, then OSV. Exit status 1 when any locked
release has a known vulnerability. When no advisory service answers (our CI machines reach
only the package registries, and PyPI's per-release JSON with its advisories is not served
there), it says plainly that nothing was audited and exits 0: a missing network must not
block a release, but it must never read as "no known vulnerabilities".
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("pypi", "osv")


@dataclass
class Outcome:
    audited: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)  # "name version: ID, ID"
    not_audited: list[str] = field(default_factory=list)


def read_report(report: dict) -> Outcome:
    """What a pip-audit JSON report says, package by package."""
    outcome = Outcome()
    for dependency in report.get("dependencies", []):
        name = f"{dependency.get('name')} {dependency.get('version', '?')}"
        if dependency.get("skip_reason"):
            outcome.not_audited.append(name)
            continue
        outcome.audited.append(name)
        ids = [vuln.get("id", "?") for vuln in dependency.get("vulns", [])]
        if ids:
            outcome.vulnerable.append(f"{name}: {', '.join(ids)}")
    return outcome


def run_pip_audit(lock: Path, service: str) -> tuple[Outcome | None, str]:
    command = [sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--no-deps"]
    command += ["--disable-pip", "--format", "json", "--progress-spinner", "off"]
    command += ["--vulnerability-service", service]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        return read_report(json.loads(done.stdout)), ""
    except ValueError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, last[:300]


def main(argv: list[str]) -> int:
    lock = Path(argv[0]) if argv else ROOT / "requirements" / "test.lock"
    problems = []
    for service in SERVICES:
        outcome, problem = run_pip_audit(lock, service)
        if outcome is None:
            problems.append(f"{service}: {problem}")
            continue
        if outcome.vulnerable:
            print(f"dependency audit ({service}): KNOWN VULNERABILITIES in {lock.name}:")
            for line in outcome.vulnerable:
                print(f"  {line}")
            return 1
        if outcome.audited:
            skipped = outcome.not_audited
            print(
                f"dependency audit ({service}): {len(outcome.audited)} locked releases, "
                "no known vulnerabilities"
                + (f"; NOT audited: {', '.join(skipped)}" if skipped else "")
            )
            return 0
        known = len(outcome.not_audited)
        problems.append(f"{service}: the service knew none of the {known} releases")
    reasons = "; ".join(problems)
    print(f"dependency audit: NOT AUDITED. No advisory service answered here ({reasons}).")
    print("  Run `python scripts/audit-deps.py` where pypi.org or osv.dev is reachable.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
