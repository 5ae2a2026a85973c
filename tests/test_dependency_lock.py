"""`make` installs from a hashed lock: it must pin every dependency pyproject.toml asks for,
each at a release the declared range admits, and every pin must carry hashes."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "test.lock"
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)")


def _locked() -> dict[str, tuple[str, str]]:
    """name -> (version, the pin's whole entry including its hash lines)."""
    pins: dict[str, tuple[str, str]] = {}
    name = ""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        found = _PIN.match(line)
        if found:
            name = canonicalize_name(found.group(1))
            pins[name] = (found.group(2), line)
        elif name and line.strip().startswith("--hash="):
            version, entry = pins[name]
            pins[name] = (version, entry + "\n" + line)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return [Requirement(line) for line in wanted]


def test_every_declared_dependency_is_locked_at_a_release_its_range_admits() -> None:
    pins = _locked()
    problems = []
    for requirement in _declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in {LOCK.name}")
        elif not requirement.specifier.contains(pinned[0], prereleases=True):
            problems.append(f"{requirement.name}=={pinned[0]} is outside {requirement.specifier}")
    assert not problems, "re-run pip-compile (docs/operations.md): " + "; ".join(problems)


def test_every_pin_in_the_lock_carries_a_sha256_hash() -> None:
    pins = _locked()
    assert len(pins) > 20
    unhashed = [name for name, (_, entry) in pins.items() if "--hash=sha256:" not in entry]
    assert unhashed == []


def _audit_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "scripts" / "audit-deps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_audit_reads_a_vulnerable_release_as_a_failure_and_a_skipped_one_as_not_audited() -> (
    None
):
    audit = _audit_script()
    outcome = audit.read_report(
        {
            "dependencies": [
                {"name": "django", "version": "4.2.0", "vulns": [{"id": "PYSEC-2023-61"}]},
                {"name": "tzdata", "version": "2025.2", "vulns": []},
                {"name": "mystery", "version": "1.0", "skip_reason": "not found on PyPI"},
            ]
        }
    )
    assert outcome.vulnerable == ["django 4.2.0: PYSEC-2023-61"]
    assert outcome.audited == ["django 4.2.0", "tzdata 2025.2"]
    assert outcome.not_audited == ["mystery 1.0"]
