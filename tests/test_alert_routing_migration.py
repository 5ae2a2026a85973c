"""Upgrading carries existing alerts forward (safety 0003): an open alert that reached nobody,
and one "escalated to 0 people", are routed again by the next sweep instead of staying
silent; everything else is left as it was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("safety", "0002_alert_delivery_outbox")]
AFTER = [("safety", "0003_alert_routing_and_on_call")]


@pytest.fixture(autouse=True)
def newest_schema_afterwards() -> Iterator[None]:
    # Transactional tests run last, in one database: the next one expects every app at its
    # newest migration, not where this test left it.
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Move safety to ``targets``; the models as they are then (every other app at its newest)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    loader = MigrationExecutor(connection).loader
    others = [node for node in loader.graph.leaf_nodes() if node[0] != "safety"]
    return loader.project_state([*others, *targets]).apps


@pytest.mark.django_db(transaction=True)
def test_open_alerts_that_reached_nobody_are_routed_again_after_the_upgrade() -> None:
    old = _migrate(BEFORE)
    Clinic, User = old.get_model("clinics", "Clinic"), old.get_model("accounts", "User")
    Alert, Delivery = old.get_model("safety", "Alert"), old.get_model("safety", "AlertDelivery")
    clinic = Clinic.objects.create(name="Old", slug="old")
    patient = User.objects.create(email="p@old.test", full_name="P", clinic=clinic)
    guide = User.objects.create(email="g@old.test", full_name="G", role="clinician", clinic=clinic)
    now = timezone.now()

    def alert(key: str, **fields: Any) -> Any:
        return Alert.objects.create(
            patient=patient, kind="crisis_language", severity="high", title="t", dedupe_key=key,
            **fields,
        )  # fmt: skip

    silent = alert("silent")
    zero_escalation = alert("zero", escalated_at=now)
    Delivery.objects.create(alert=zero_escalation, recipient=guide, next_attempt_at=now)
    fine = alert("fine", escalated_at=now)
    for purpose in ("alert", "escalation"):
        Delivery.objects.create(alert=fine, recipient=guide, purpose=purpose, next_attempt_at=now)
    done = alert("done", acknowledged_at=now)

    new = _migrate(AFTER)
    Alert = new.get_model("safety", "Alert")

    silent, zero_escalation, fine, done = (
        Alert.objects.get(pk=a.pk) for a in (silent, zero_escalation, fine, done)
    )
    assert silent.undeliverable_since is not None and silent.next_route_at is not None
    assert zero_escalation.escalated_at is None and zero_escalation.undeliverable_since is None
    assert fine.escalated_at is not None and fine.undeliverable_since is None
    assert done.undeliverable_since is None
