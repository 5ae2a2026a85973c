"""Claywork's practice catalogue ships as data (data/practices.json), synced into the table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATALOGUE_FILE = Path(__file__).parent / "data" / "practices.json"


def load_catalogue(path: Path = CATALOGUE_FILE) -> list[dict[str, Any]]:
    items = json.loads(path.read_text(encoding="utf-8"))
    for position, item in enumerate(items):
        for field in ("slug", "name", "description"):
            if not item.get(field):
                raise ValueError(f"practice #{position} in {path.name} has no {field}")
        item["position"] = position
    return items


def sync_catalogue(practice_model: Any) -> int:
    """Create or update the shipped practices by slug; patients' own practices are untouched."""
    items = load_catalogue()
    for item in items:
        practice_model.objects.update_or_create(
            slug=item["slug"],
            patient=None,
            defaults={
                "name": item["name"],
                "description": item["description"],
                "position": item["position"],
            },
        )
    return len(items)
