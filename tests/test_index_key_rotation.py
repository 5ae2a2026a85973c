"""``claywork rotate-index-key``: after CLAYWORK_INDEX_KEY changes, every blind index is
recomputed under the new key, in batches, once, resumably, and the audit trail says so."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from claywork.audit.models import AuditEvent
from claywork.audit.verify import chain_verify
from claywork.circle import services as circle
from claywork.circle.models import CircleMember, email_index_of
from claywork.journal.models import Tag, tag_index_of
from claywork.vault.blind_index import parse_index_key
from claywork.vault.reindex import INDEXED, indexes_recompute
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1] / "claywork"


def _new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


OLD, NEW = _new_key(), _new_key()


@pytest.fixture
def on_old_key() -> Iterator[None]:
    with override_settings(CLAYWORK_INDEX_KEY=OLD, CLAYWORK_INDEX_KEY_OLD=""):
        yield


def _patient_with_a_circle_and_tags(email: str, tags: list[str]) -> object:
    patient = factories.PatientFactory()
    circle.member_invite(
        patient=patient, email=email, full_name="Robin Friend", relationship="friend"
    )
    for name in tags:
        Tag.named(patient_id=patient.pk, name=name).save()
    return patient


def _rotate(**options: object) -> None:
    with override_settings(CLAYWORK_INDEX_KEY=NEW, CLAYWORK_INDEX_KEY_OLD=OLD):
        call_command("rotate_index_key", **options)


def _indexes() -> list[str]:
    return sorted(
        [*CircleMember.objects.values_list("email_index", flat=True)]
        + [*Tag.objects.values_list("name_index", flat=True)]
    )


def test_after_rotation_every_lookup_finds_its_row_under_the_new_key(on_old_key: None) -> None:
    first = _patient_with_a_circle_and_tags("Robin@Example.test", ["grief", "Sleep"])
    second = _patient_with_a_circle_and_tags("sam@example.test", ["grief"])
    with override_settings(CLAYWORK_INDEX_KEY=NEW):
        # Before: the new key finds nothing (this is why the command exists).
        assert not CircleMember.objects.with_email("robin@example.test").exists()

    _rotate(batch_size=2)

    with override_settings(CLAYWORK_INDEX_KEY=NEW):
        assert CircleMember.objects.with_email("ROBIN@example.test").get().patient_id == first.pk
        assert CircleMember.objects.with_email("sam@example.test").get().patient_id == second.pk
        grief = Tag.objects.filter(name_index=tag_index_of("grief"))
        assert sorted(grief.values_list("patient_id", flat=True)) == [first.pk, second.pk]
        assert Tag.objects.filter(name_index=tag_index_of("Sleep"), patient=first).exists()
        assert not Tag.objects.filter(name_index=tag_index_of("sleep")).exists()  # still exact
    events = AuditEvent.objects.filter(resource="vault.blind_index")
    assert sorted(events.values_list("patient_id", flat=True)) == [first.pk, second.pk]
    assert {(e.actor_id, e.action, e.route) for e in events} == {
        (None, "write", "command:rotate-index-key")
    }
    assert chain_verify().ok


def test_running_again_changes_nothing_and_records_nothing_more(on_old_key: None) -> None:
    _patient_with_a_circle_and_tags("robin@example.test", ["grief"])
    _rotate()
    after_first, audited = _indexes(), AuditEvent.objects.count()

    _rotate()

    assert _indexes() == after_first
    assert AuditEvent.objects.count() == audited


def test_an_interrupted_run_is_finished_by_the_next_one(on_old_key: None) -> None:
    patients = [
        _patient_with_a_circle_and_tags(f"p{n}@example.test", [f"tag {n}"]) for n in range(3)
    ]
    heard: list[set[int]] = []

    def stop_after_the_first_batch(patient_ids: set[int]) -> None:
        heard.append(patient_ids)
        if len(heard) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        indexes_recompute(
            old_key=parse_index_key(OLD),
            new_key=parse_index_key(NEW),
            on_batch=stop_after_the_first_batch,
            batch_size=1,
        )
    # The batch that was interrupted rolled back; the one before it stayed.
    with override_settings(CLAYWORK_INDEX_KEY=NEW):
        members = CircleMember.objects.order_by("pk")
        moved = [m.patient_id for m in members if m.email_index == email_index_of(m.email)]
    assert moved == [patients[0].pk]

    _rotate()

    with override_settings(CLAYWORK_INDEX_KEY=NEW):
        for n, patient in enumerate(patients):
            assert CircleMember.objects.with_email(f"p{n}@example.test").get().patient == patient
            assert Tag.objects.filter(patient=patient, name_index=tag_index_of(f"tag {n}"))
    recorded = AuditEvent.objects.filter(resource="vault.blind_index")
    assert sorted(recorded.values_list("patient_id", flat=True)) == [p.pk for p in patients]


def test_a_wrong_old_key_changes_nothing_and_says_so(on_old_key: None) -> None:
    _patient_with_a_circle_and_tags("robin@example.test", ["grief"])
    before = _indexes()

    with (
        override_settings(CLAYWORK_INDEX_KEY=NEW, CLAYWORK_INDEX_KEY_OLD=_new_key()),
        pytest.raises(CommandError, match="on neither key"),
    ):
        call_command("rotate_index_key")

    assert _indexes() == before
    assert not AuditEvent.objects.filter(resource="vault.blind_index").exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("", NEW, "Set CLAYWORK_INDEX_KEY_OLD"),
        (OLD, "", "Set CLAYWORK_INDEX_KEY to the new key"),
        (OLD, OLD, "the same key"),
        ("not base64 !", NEW, "CLAYWORK_INDEX_KEY_OLD must be base64url"),
        (base64.urlsafe_b64encode(b"short").decode(), NEW, "at least 32 bytes"),
    ],
)
def test_missing_same_or_malformed_keys_are_refused(old: str, new: str, message: str) -> None:
    with (
        override_settings(CLAYWORK_INDEX_KEY=new, CLAYWORK_INDEX_KEY_OLD=old),
        pytest.raises(CommandError, match=message),
    ):
        call_command("rotate_index_key")


def test_every_blind_index_in_the_code_is_rotated_by_the_command() -> None:
    purposes = set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts or path.name == "reindex.py":
            continue
        for call in re.findall(r"blind_index\((.*?)\)", path.read_text(), flags=re.S):
            purposes.update(re.findall(r'purpose="([^"]+)"', call))
    assert purposes, "no blind_index( call found: the scan is broken"
    assert purposes == {column.purpose for column in INDEXED}
