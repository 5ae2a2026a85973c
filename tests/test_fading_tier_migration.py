"""Upgrading to the two tiers (measures 0004, decision 0006): an episode only the daily-mood
rule fired on becomes an early warning, any firmer one an alert; alerts already raised stay
linked and open, so nothing a clinician saw disappears."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("measures", "0003_optional_extras_and_day_tags")]
AFTER = [("measures", "0004_fading_tier")]


@pytest.fixture(autouse=True)
def newest_schema_afterwards() -> Iterator[None]:
    # Transactional tests run last, in one database: the next one expects every app at its
    # newest migration, not where this test left it.
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Move measures to ``targets``; the models as they are then (every other app newest)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    loader = MigrationExecutor(connection).loader
    others = [node for node in loader.graph.leaf_nodes() if node[0] != "measures"]
    return loader.project_state([*others, *targets]).apps


@pytest.mark.django_db(transaction=True)
def test_mood_only_episodes_become_early_warnings_and_keep_their_open_alerts() -> None:
    old = _migrate(BEFORE)
    Clinic, User = old.get_model("clinics", "Clinic"), old.get_model("accounts", "User")
    Alert, Episode = old.get_model("safety", "Alert"), old.get_model("measures", "FadingEpisode")
    clinic = Clinic.objects.create(name="Old", slug="old")

    def episode(email: str, latest_rule: str, depth: int, **fields: Any) -> Any:
        patient = User.objects.create(email=email, full_name="P", clinic=clinic)
        alert = Alert.objects.create(
            patient=patient, kind="fading_effect", severity="medium",
            dedupe_key=f"fading:{patient.pk}:episode:1:0",
        )  # fmt: skip
        return Episode.objects.create(
            patient=patient, started_on=date(2026, 11, 2), rule="mood_early_warning",
            detail="mood 5.0", latest_rule=latest_rule, latest_detail="values", depth=depth,
            alert=alert, **fields,
        )  # fmt: skip

    mood_open = episode("a@old.test", "mood_early_warning", 1)
    mood_ended = episode("b@old.test", "mood_early_warning", 1, ended_on=date(2026, 11, 9))
    deepened = episode("c@old.test", "phq9_reliable_rise", 2)

    new = _migrate(AFTER)
    Alert, Episode = new.get_model("safety", "Alert"), new.get_model("measures", "FadingEpisode")

    tiers = {row.pk: row.tier for row in Episode.objects.all()}
    assert tiers == {
        mood_open.pk: "early_warning",
        mood_ended.pk: "early_warning",
        deepened.pk: "alert",
    }
    for row in Episode.objects.all():
        alert = Alert.objects.get(pk=row.alert_id)  # still linked...
        assert alert.acknowledged_at is None  # ...and still open
