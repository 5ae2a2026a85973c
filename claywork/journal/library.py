"""Claywork's prompt library ships as data (data/prompts.json) and is synced into the table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LIBRARY_FILE = Path(__file__).parent / "data" / "prompts.json"


def load_library(path: Path = LIBRARY_FILE) -> list[dict[str, Any]]:
    items = json.loads(path.read_text(encoding="utf-8"))
    for position, item in enumerate(items):
        for field in ("slug", "topic", "text"):
            if not item.get(field):
                raise ValueError(f"prompt #{position} in {path.name} has no {field}")
        item["position"] = position
        item.setdefault("step", "")
    return items


def sync_prompt_library(prompt_model: Any) -> int:
    """Create or update the shipped prompts by slug; a clinic's own prompts are left alone."""
    count = 0
    for item in load_library():
        prompt_model.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "topic": item["topic"],
                "text": item["text"],
                "step": item["step"],
                "position": item["position"],
            },
        )
        count += 1
    return count
