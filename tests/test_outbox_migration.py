"""Upgrading gives back the reminders the old clean-up failed without trying them (reminders
0003): still useful, they return to the outbox with no attempts; anything else stays as it
was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("reminders", "0002_chosen_reminders")]
AFTER = [("reminders", "0003_outbox_claims")]
ABANDONED = "The sender stopped while sending, every time."


@pytest.fixture(autouse=True)
def newest_schema_afterwards() -> Iterator[None]:
    # Transactional tests run last, in one database: the next one expects every app at its
    # newest migration, not where this test left it.
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Move reminders (and push, which follows it) to ``targets``; the models as they are then
    (the apps that do not depend on reminders at their newest)."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    others = [node for node in loader.graph.leaf_nodes() if node[0] not in ("reminders", "push")]
    return loader.project_state([*others, *targets]).apps


@pytest.mark.django_db(transaction=True)
def test_reminders_failed_by_the_old_clean_up_and_still_useful_are_sent_after_all() -> None:
    old = _migrate(BEFORE)
    Clinic, User = old.get_model("clinics", "Clinic"), old.get_model("accounts", "User")
    Reminder = old.get_model("reminders", "Reminder")
    clinic = Clinic.objects.create(name="Old", slug="old")
    patient = User.objects.create(email="p@old.test", full_name="P", clinic=clinic)
    now = timezone.now()

    def reminder(minutes: int, useful: timedelta, **fields: Any) -> Any:
        due = now - timedelta(minutes=minutes)
        return Reminder.objects.create(
            patient=patient, kind="check_in", due_at=due, next_attempt_at=due,
            useful_until=now + useful, **fields,
        )  # fmt: skip

    burnt = reminder(1, timedelta(hours=2), state="failed", attempts=5, last_error=ABANDONED)
    too_late = reminder(2, -timedelta(minutes=1), state="failed", attempts=5, last_error=ABANDONED)
    really_failed = reminder(
        3, timedelta(hours=2), state="failed", attempts=5, last_error="SMTPConnectError: down"
    )
    sent = reminder(4, timedelta(hours=2), state="sent", attempts=1)

    try:
        new = _migrate(AFTER)
        Reminder = new.get_model("reminders", "Reminder")
        rows = {r.pk: (r.state, r.attempts) for r in Reminder.objects.all()}
    finally:  # back to the newest schema for the tests that follow
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert rows[burnt.pk] == ("pending", 0)
    assert rows[too_late.pk] == ("failed", 5)
    assert rows[really_failed.pk] == ("failed", 5)
    assert rows[sent.pk] == ("sent", 1)
