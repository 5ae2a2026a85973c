"""The audit chain cannot be rewritten unseen by someone with only the database: rows are
HMAC-keyed, and signed checkpoints (in the table and in a file outside it) catch the removal of
the newest rows. The two attacks of issue 15 are reproduced here and must be caught."""

from __future__ import annotations

import importlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from claywork.audit import guard
from claywork.audit.chain import GENESIS_HASH, row_digest
from claywork.audit.checkpoint import checkpoint_due, checkpoint_make
from claywork.audit.keys import mac_key, new_keys
from claywork.audit.models import AuditCheckpoint, AuditEvent, CheckpointKind
from claywork.audit.services import audit_record
from claywork.audit.verify import chain_verify
from tests.conftest import Personas


def _record(personas: Personas, n: int) -> list[AuditEvent]:
    events = []
    for number in range(n):
        event = audit_record(
            actor=personas.care_clinician,
            patient=personas.patient,
            action="read",
            resource="care.session",
            object_id=number,
        )
        assert event is not None
        events.append(event)
    return events


def _verify(*extra: str) -> tuple[str, str]:
    out = StringIO()
    try:
        call_command("audit_verify", *extra, stdout=out)
    except CommandError as error:
        return "broken", str(error)
    return "ok", out.getvalue()


def _rechain_from(start_pk: int, key: bytes | None) -> None:
    """What an attacker with the table owner's rights does after removing a row: recompute
    every later row's links and hashes, with the key they have (none, or a guess)."""
    previous = AuditEvent.objects.filter(pk__lt=start_pk).order_by("-pk").first()
    prev_hash = previous.row_hash if previous else GENESIS_HASH
    for event in AuditEvent.objects.filter(pk__gte=start_pk).order_by("pk"):
        event.prev_hash = prev_hash
        event.row_hash = row_digest(prev_hash, event.chain_fields(), key)
        AuditEvent.objects.filter(pk=event.pk).update(
            prev_hash=event.prev_hash, row_hash=event.row_hash
        )
        prev_hash = event.row_hash


@pytest.fixture
def tamper(db: None) -> None:
    guard.remove(connection)


@pytest.fixture
def checkpoint_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "audit-checkpoints.jsonl"
    with override_settings(CLAYWORK_AUDIT_CHECKPOINT_FILE=str(path)):
        yield path


# --- Attack 1: the five newest rows deleted ---------------------------------------------------


def test_deleting_the_newest_rows_is_caught_by_the_last_checkpoint(
    personas: Personas, tamper: None, checkpoint_file: Path
) -> None:
    events = _record(personas, 8)
    checkpoint_make()
    AuditEvent.objects.filter(pk__in=[event.pk for event in events[-5:]]).delete()

    outcome, message = _verify()

    assert outcome == "broken"
    assert f"row {events[-1].pk}, the newest at the checkpoint" in message
    assert "rows were removed" in message


def test_deleting_the_checkpoints_in_the_database_too_is_caught_by_the_file(
    personas: Personas, tamper: None, checkpoint_file: Path
) -> None:
    events = _record(personas, 8)
    checkpoint_make()
    AuditEvent.objects.filter(pk__in=[event.pk for event in events[-5:]]).delete()
    AuditCheckpoint.objects.all().delete()

    outcome, message = _verify()

    assert outcome == "broken"
    assert "(file line 1)" in message
    assert f"row {events[-1].pk}" in message


def test_a_copy_of_the_checkpoints_from_elsewhere_is_checked_too(
    personas: Personas, tamper: None, tmp_path: Path
) -> None:
    events = _record(personas, 6)
    emailed = tmp_path / "from-the-security-contact.jsonl"
    emailed.write_text(checkpoint_make().as_line() + "\n")
    AuditCheckpoint.objects.all().delete()
    AuditEvent.objects.filter(pk=events[-1].pk).delete()

    assert _verify()[0] == "ok"  # nothing left in the database shows it...
    outcome, message = _verify("--checkpoints", str(emailed))
    assert outcome == "broken"  # ...the copy kept elsewhere does
    assert f"row {events[-1].pk}" in message


# --- Attack 2: a middle row deleted and the chain recomputed ---------------------------------


@pytest.mark.parametrize("attacker_key", [None, b"a guess at the key, 32 bytes long!!"])
def test_deleting_a_middle_row_and_rechaining_without_the_key_is_caught(
    personas: Personas, tamper: None, attacker_key: bytes | None
) -> None:
    events = _record(personas, 7)
    AuditEvent.objects.filter(pk=events[3].pk).delete()
    _rechain_from(events[4].pk, attacker_key)

    report = chain_verify()

    assert report.broken is not None
    assert report.broken.row_id == events[4].pk
    assert "without the audit key" in report.broken.problem


def test_rechaining_with_the_key_is_still_caught_by_a_checkpoint(
    personas: Personas, tamper: None
) -> None:
    # Someone who also stole the key from the server's environment: the signed checkpoint,
    # whose signing key they would need as well, still pins the old newest hash.
    events = _record(personas, 7)
    checkpoint_make()
    AuditEvent.objects.filter(pk=events[3].pk).delete()
    _rechain_from(events[4].pk, mac_key())

    outcome, message = _verify()

    assert outcome == "broken"
    assert f"row {events[-1].pk} no longer has the hash" in message


def test_a_checkpoint_signed_with_another_key_is_reported(personas: Personas) -> None:
    _record(personas, 2)
    _, other_signing_key, _ = new_keys()
    with override_settings(CLAYWORK_AUDIT_SIGNING_KEY=other_signing_key):
        checkpoint_make()

    outcome, message = _verify()

    assert outcome == "broken"
    assert "does not carry a valid signature" in message


def test_an_untouched_trail_with_checkpoints_verifies(
    personas: Personas, checkpoint_file: Path
) -> None:
    _record(personas, 3)
    checkpoint_make()
    _record(personas, 2)
    checkpoint_make()

    outcome, message = _verify()

    assert outcome == "ok", message
    assert "OK: 5 audit events" in message
    assert "4 signed checkpoints hold" in message  # two in the table, two in the file
    lines = [json.loads(line) for line in checkpoint_file.read_text().splitlines()]
    assert [line["events"] for line in lines] == [3, 5]


# --- Cut-over from the unkeyed chain (migration audit/0003) ----------------------------------


def _legacy_rows(personas: Personas, n: int) -> list[AuditEvent]:
    """Rows as the release before the key wrote them: plain SHA-256."""
    events = _record(personas, n)
    _rechain_from(events[0].pk, None)
    return events


def _run_cutover() -> None:
    migration = importlib.import_module("claywork.audit.migrations.0003_keyed_chain_checkpoints")
    migration.pin_unkeyed_rows(django_apps, None)


def test_rows_written_before_the_key_verify_after_the_cut_over(
    personas: Personas, tamper: None
) -> None:
    legacy = _legacy_rows(personas, 4)
    _run_cutover()
    keyed = _record(personas, 3)

    report = chain_verify()

    assert report.ok, (report.broken, report.checkpoint_problems)
    assert report.checked == 7
    cutover = AuditCheckpoint.objects.get(kind=CheckpointKind.CUTOVER)
    assert (cutover.row_id, cutover.events) == (legacy[-1].pk, 4)
    assert keyed[0].prev_hash == AuditEvent.objects.get(pk=legacy[-1].pk).row_hash


def test_rewriting_the_old_rows_after_the_cut_over_is_caught(
    personas: Personas, tamper: None
) -> None:
    legacy = _legacy_rows(personas, 4)
    _run_cutover()
    _record(personas, 2)
    AuditEvent.objects.filter(pk=legacy[1].pk).delete()
    _rechain_from(legacy[2].pk, None)  # the old rows re-chained with SHA-256...

    report = chain_verify()

    assert not report.ok  # ...no longer end in the hash the cut-over pinned


def test_removing_the_cut_over_checkpoint_is_caught(personas: Personas, tamper: None) -> None:
    legacy = _legacy_rows(personas, 3)
    _run_cutover()
    AuditCheckpoint.objects.all().delete()

    report = chain_verify()

    assert report.broken is not None
    assert report.broken.row_id == legacy[0].pk


def test_an_empty_trail_needs_no_cut_over(db: None) -> None:
    _run_cutover()

    assert not AuditCheckpoint.objects.exists()
    assert chain_verify().ok


# --- The sweep's checkpoints ----------------------------------------------------------------


def test_the_sweep_signs_a_checkpoint_when_the_trail_has_grown(personas: Personas) -> None:
    now = timezone.now()
    assert checkpoint_due(now) is None  # nothing to sign yet
    _record(personas, 2)

    first = checkpoint_due(now)
    assert first is not None
    assert checkpoint_due(now + timezone.timedelta(hours=2)) is None  # nothing new since
    _record(personas, 1)
    assert checkpoint_due(now + timezone.timedelta(minutes=10)) is None  # too soon
    assert checkpoint_due(now + timezone.timedelta(minutes=61)) is not None
    assert AuditCheckpoint.objects.count() == 2


def test_a_checkpoint_is_e_mailed_to_the_security_contact(personas: Personas) -> None:
    from django.core import mail

    _record(personas, 1)
    with override_settings(CLAYWORK_AUDIT_CHECKPOINT_EMAIL="security@clinic.example"):
        point = checkpoint_make()

    assert mail.outbox[-1].to == ["security@clinic.example"]
    assert point.signature in mail.outbox[-1].body


def test_new_audit_keys_prints_keys_the_settings_accept(personas: Personas) -> None:
    out = StringIO()
    call_command("new_audit_keys", stdout=out)
    values = dict(
        line.split("=", 1) for line in out.getvalue().splitlines() if line.startswith("CLAYWORK_")
    )

    with override_settings(**values):
        _record(personas, 2)
        checkpoint_make()
        assert chain_verify().ok


def test_who_has_seen_my_data_shows_the_last_checkpoint(personas: Personas) -> None:
    from tests.conftest import client_for

    _record(personas, 3)
    point = checkpoint_make()

    page = client_for(personas.patient).get("/privacy/access-log/").content.decode()

    assert "last sealed on" in page
    assert point.row_hash[:12] in page
    assert "3 entries" in page
