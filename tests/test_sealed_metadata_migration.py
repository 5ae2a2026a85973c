"""Upgrading seals the revealing metadata already stored in clear (decision 0016): alert
titles, circle members' addresses, names and relationships, session places, course titles,
tag names. After
the upgrade no old value is left readable in its row, each opens to what it said, the address
and the tag are found by their blind index; going back opens every value into its clear column
again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from claywork.vault.crypto import token_data_key_id

# The apps whose tables the test fills move back and forth; every other stays at its newest.
BEFORE = [
    ("safety", "0005_outbox_claims"),
    ("circle", "0002_member_left"),
    ("care", "0003_session_notes_and_observations"),
    ("journal", "0004_entry_deleted_at"),
    ("measures", "0005_caseload_preference"),
]
AFTER = [
    ("safety", "0006_seal_alert_titles"),
    ("circle", "0003_seal_member_details"),
    ("care", "0005_seal_course_title"),
    ("journal", "0005_seal_tag_names"),
    ("measures", "0006_seal_bands_and_flags"),
]
APPS = {app for app, _ in BEFORE}
TITLE = "PHQ-9: self-harm item answered above zero"
PLACE = "Infusion room A, 12 Harbour Street"
COURSE = "Ketamine for treatment-resistant depression"


@pytest.fixture(autouse=True)
def newest_schema_afterwards() -> Iterator[None]:
    # Transactional tests run last, in one database: the next one expects every app at its
    # newest migration, not where this test left it.
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    # From wherever an earlier test left the schema: newest first, then back to the targets, so
    # no plan mixes forwards and backwards.
    executor.migrate(executor.loader.graph.leaf_nodes())
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    loader = MigrationExecutor(connection).loader
    others = [node for node in loader.graph.leaf_nodes() if node[0] not in APPS]
    return loader.project_state([*others, *targets]).apps


def _old_rows(old: Any) -> dict[str, Any]:
    Clinic, User = old.get_model("clinics", "Clinic"), old.get_model("accounts", "User")
    clinic = Clinic.objects.create(name="Old", slug="old")
    patient = User.objects.create(email="p@old.test", full_name="P", clinic=clinic)
    other = User.objects.create(email="q@old.test", full_name="Q", clinic=clinic)
    alert = old.get_model("safety", "Alert").objects.create(
        patient=patient, kind="self_harm_answer", severity="high", title=TITLE, dedupe_key="k"
    )
    Member = old.get_model("circle", "CircleMember")
    member = Member.objects.create(
        patient=patient, email="ana.rivera@example.org", full_name="Ana Rivera",
        relationship="sister",
    )  # fmt: skip
    # The same address in another patient's circle: still one row each.
    Member.objects.create(patient=other, email="ana.rivera@example.org", full_name="Ana")
    course = old.get_model("care", "TreatmentCourse").objects.create(
        patient=patient, title=COURSE, modality="iv"
    )
    session = old.get_model("care", "Session").objects.create(
        course=course, patient=patient, scheduled_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        location=PLACE,
    )  # fmt: skip
    # An account erased before the upgrade: its alert stays, its title goes as erasure now
    # does it, and no data key is made for it again.
    gone = User.objects.create(email="erased-3@erased.invalid", full_name="Deleted account")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    old.get_model("ownership", "AccountDeletion").objects.create(
        patient=gone, requested_at=now, erase_after=now, erased_at=now
    )
    erased_alert = old.get_model("safety", "Alert").objects.create(
        patient=gone, kind="account_deletion", severity="low", dedupe_key="gone",
        title="Their account was erased, as they asked",
    )  # fmt: skip
    Tag = old.get_model("journal", "Tag")
    # Tag names always matched exactly: two that differ in case stay two tags.
    tags = [Tag.objects.create(patient=patient, name=name).pk for name in ("relapse", "Relapse")]
    return {
        "patient": patient, "alert": alert.pk, "member": member.pk, "session": session.pk,
        "course": course.pk,
        "tags": tags, "gone": gone.pk, "erased_alert": erased_alert.pk,
        "response": old.get_model("measures", "ScaleResponse").objects.create(
            patient=patient, instrument="phq9", instrument_version="1", status="complete",
            total=22, band="Severe", flags=["self_harm"], submission_id=uuid.uuid4(),
            completed_at=now,
        ).pk,
    }  # fmt: skip


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_seals_clear_metadata_and_going_back_opens_it_again() -> None:
    rows = _old_rows(_migrate(BEFORE))

    _migrate(AFTER)
    from claywork.care.models import Session, TreatmentCourse
    from claywork.circle.models import CircleMember
    from claywork.journal.models import Tag, tag_index_of
    from claywork.measures.models import ScaleResponse
    from claywork.safety.models import Alert
    from claywork.vault.models import PatientDataKey

    sealed = {
        ("safety_alert", "title_sealed", rows["alert"]),
        ("circle_circlemember", "email_sealed", rows["member"]),
        ("circle_circlemember", "full_name_sealed", rows["member"]),
        ("circle_circlemember", "relationship_sealed", rows["member"]),
        ("care_session", "location_sealed", rows["session"]),
        ("care_treatmentcourse", "title_sealed", rows["course"]),
    }
    sealed |= {("journal_tag", "name_sealed", pk) for pk in rows["tags"]}
    sealed |= {
        ("measures_scaleresponse", column, rows["response"])
        for column in ("band_sealed", "flags_sealed")
    }
    for table, column, pk in sealed:
        stored = _raw(table, column, pk)
        assert token_data_key_id(stored), (table, column, stored)
        for word in ("self", "ana.rivera", "Ana Rivera", "sister", "Harbour", "elapse", "Severe",
                     "depression"):  # fmt: skip
            assert word not in stored
    assert Alert.objects.get(pk=rows["alert"]).title == TITLE
    assert Alert.objects.get(pk=rows["erased_alert"]).title_sealed == ""
    response = ScaleResponse.objects.get(pk=rows["response"])
    assert (response.total, response.band, response.flags) == (22, "Severe", ["self_harm"])
    assert not PatientDataKey.objects.filter(owner_id=rows["gone"]).exists()
    member = CircleMember.objects.with_email("Ana.Rivera@example.org").get(
        patient_id=rows["patient"].pk
    )
    assert (member.pk, member.email, member.full_name, member.relationship) == (
        rows["member"], "ana.rivera@example.org", "Ana Rivera", "sister"
    )  # fmt: skip
    assert CircleMember.objects.with_email("ana.rivera@example.org").count() == 2
    assert Session.objects.get(pk=rows["session"]).location == PLACE
    assert TreatmentCourse.objects.get(pk=rows["course"]).title == COURSE
    found = Tag.objects.filter(name_index=tag_index_of("Relapse"), patient_id=rows["patient"].pk)
    assert [tag.pk for tag in found] == rows["tags"][1:]
    assert [Tag.objects.get(pk=pk).name for pk in rows["tags"]] == ["relapse", "Relapse"]

    old = _migrate(BEFORE)

    assert _raw("safety_alert", "title", rows["alert"]) == TITLE
    assert _raw("circle_circlemember", "email", rows["member"]) == "ana.rivera@example.org"
    assert _raw("circle_circlemember", "full_name", rows["member"]) == "Ana Rivera"
    assert _raw("circle_circlemember", "relationship", rows["member"]) == "sister"
    assert _raw("care_session", "location", rows["session"]) == PLACE
    assert _raw("care_treatmentcourse", "title", rows["course"]) == COURSE
    assert [_raw("journal_tag", "name", pk) for pk in rows["tags"]] == ["relapse", "Relapse"]
    response = old.get_model("measures", "ScaleResponse").objects.get(pk=rows["response"])
    assert (response.band, response.flags) == ("Severe", ["self_harm"])
