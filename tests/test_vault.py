"""Health text is sealed at rest: the raw database holds no plaintext and tampering is loud."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from claywork.care import services as care
from claywork.care.models import GuideNote, Session, SessionIntention, TreatmentCourse
from claywork.journal import services as journal
from claywork.journal.models import Draft, Entry
from claywork.journal.selectors import search_journal
from claywork.vault.crypto import KeyRing, KeyRingError, VaultError, new_key_spec
from claywork.vault.keyring import keyring, reset_keyring_cache
from claywork.vault.models import PatientDataKey
from claywork.vault.services import data_key_destroy, forget_cached_keys
from tests import factories
from tests.conftest import Personas

# Distinctive phrases that may only ever exist in the database in sealed form.
ENTRY_TITLE = "Zanzibar lantern title"
ENTRY_BODY = "Quetzal-feather body: I forgave my father in the dream."
INTENTION = "Marmalade intention to face the grief."
MOTIVATION = "Obsidian motivation: twelve years of depression."
GUIDE_NOTE = "Periwinkle note: patient wept and laughed."
DEBRIEF = "Tangerine debrief: calm, no nausea."
DRAFT = "Ultramarine draft words not yet saved."
SECRETS = [ENTRY_TITLE, ENTRY_BODY, INTENTION, MOTIVATION, GUIDE_NOTE, DEBRIEF, DRAFT]

# (model, sealed column, plain attribute) for every sealed field Claywork has.
SEALED_FIELDS = [
    (Entry, "title_sealed", "title"),
    (Entry, "body_sealed", "body"),
    (SessionIntention, "text_sealed", "text"),
    (TreatmentCourse, "motivation_sealed", "motivation"),
    (GuideNote, "text_sealed", "text"),
    (Session, "debrief_sealed", "debrief"),
    (Draft, "content_sealed", "content"),
]


@pytest.fixture(autouse=True)
def _fresh_keyring() -> Iterator[None]:
    """Tests here swap CLAYWORK_FIELD_KEYS; no other test may inherit a swapped key ring."""
    reset_keyring_cache()
    forget_cached_keys()
    yield
    reset_keyring_cache()
    forget_cached_keys()


def _use_keys(spec: str) -> None:
    reset_keyring_cache()
    forget_cached_keys()
    assert keyring().primary_id == spec.split(":", 1)[0]


def _raw_column(model: type, column: str, pk: int) -> str:
    table = connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]
    select = f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select, [pk])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def _write_raw_column(model: type, column: str, pk: int, value: str) -> None:
    table = connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


def _every_value_in_the_database() -> str:
    dump: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                dump.extend(
                    bytes(value).decode("latin-1")
                    if isinstance(value, bytes | memoryview)
                    else str(value)
                    for value in row
                )
    return "\n".join(dump).casefold()


@pytest.fixture
def sealed_record(personas: Personas) -> dict[type, int]:
    """One row of every sealed field for the patient, each holding a distinctive phrase."""
    course = factories.make_course(personas.patient, personas.care_clinician)
    care.motivation_save(course=course, text=MOTIVATION)
    session = factories.make_session(course)
    care.intention_save(session=session, text=INTENTION)
    session = care.session_start(session=session)
    note = care.guide_note_add(
        session=session, author=personas.care_clinician, text=GUIDE_NOTE, submission_id=uuid.uuid4()
    )
    session = care.session_complete(session=session, debrief=DEBRIEF)
    entry = factories.make_entry(personas.patient, title=ENTRY_TITLE, body=ENTRY_BODY)
    draft = journal.draft_save(
        patient=personas.patient, draft_key="new-s0-p0", fields={"body": DRAFT}
    )
    return {
        Entry: entry.pk,
        SessionIntention: SessionIntention.objects.get(session=session).pk,
        TreatmentCourse: course.pk,
        GuideNote: note.pk,
        Session: session.pk,
        Draft: draft.pk,
    }


def _read_all(record: dict[type, int]) -> dict[str, str]:
    forget_cached_keys()
    return {
        f"{model.__name__}.{attribute}": getattr(model.objects.get(pk=record[model]), attribute)
        for model, _column, attribute in SEALED_FIELDS
    }


EXPECTED_PLAINTEXT = {
    "Entry.title": ENTRY_TITLE,
    "Entry.body": ENTRY_BODY,
    "SessionIntention.text": INTENTION,
    "TreatmentCourse.motivation": MOTIVATION,
    "GuideNote.text": GUIDE_NOTE,
    "Session.debrief": DEBRIEF,
}


def _assert_reads_back(record: dict[type, int]) -> None:
    plain = _read_all(record)
    for name, expected in EXPECTED_PLAINTEXT.items():
        assert plain[name] == expected, name
    assert DRAFT in plain["Draft.content"]


# --- At rest ----------------------------------------------------------------------------------


def test_raw_sealed_columns_hold_none_of_the_plaintext(sealed_record: dict[type, int]) -> None:
    for model, column, _attribute in SEALED_FIELDS:
        raw = _raw_column(model, column, sealed_record[model])
        assert raw, f"{model.__name__}.{column} is empty"
        for secret in SECRETS:
            for word in secret.split():
                if len(word) > 6:
                    assert word.casefold() not in raw.casefold(), (model.__name__, column, word)


def test_no_table_anywhere_in_the_database_holds_the_plaintext(
    sealed_record: dict[type, int],
) -> None:
    everything = _every_value_in_the_database()
    for secret in SECRETS:
        assert secret.casefold() not in everything, secret
        distinctive = secret.split()[0].rstrip(":").casefold()
        assert distinctive not in everything, distinctive


def test_the_sealed_fields_read_back_as_the_plaintext(sealed_record: dict[type, int]) -> None:
    _assert_reads_back(sealed_record)


def test_each_sealed_value_names_its_patients_data_key(
    personas: Personas, sealed_record: dict[type, int]
) -> None:
    data_key = PatientDataKey.objects.get(owner=personas.patient)
    for model, column, _attribute in SEALED_FIELDS:
        raw = _raw_column(model, column, sealed_record[model])
        assert raw.startswith(f"cw1.{data_key.pk}."), (model.__name__, column, raw[:20])


def test_two_patients_have_different_data_keys(personas: Personas) -> None:
    mine = _raw_column(Entry, "body_sealed", personas.entry.pk)
    theirs = _raw_column(Entry, "body_sealed", personas.other_patient_entry.pk)
    assert mine.split(".")[1] != theirs.split(".")[1]


def test_sealing_the_same_text_twice_gives_different_tokens(personas: Personas) -> None:
    first = factories.make_entry(personas.patient, body="same words")
    second = factories.make_entry(personas.patient, body="same words")
    assert _raw_column(Entry, "body_sealed", first.pk) != _raw_column(
        Entry, "body_sealed", second.pk
    )


def test_the_data_key_is_stored_only_wrapped(personas: Personas) -> None:
    row = PatientDataKey.objects.get(owner=personas.patient)
    assert row.kek_id == keyring().primary_id
    # nonce (12) + 32-byte key + GCM tag (16): a wrapped key, never the bare 32 bytes.
    assert len(bytes(row.wrapped_key)) == 12 + 32 + 16


# --- Tampering --------------------------------------------------------------------------------


def _flip_one_byte(token: str, position: int) -> str:
    prefix, key_id, payload = token.split(".", 2)
    replacement = "A" if payload[position] != "A" else "B"
    return f"{prefix}.{key_id}.{payload[:position]}{replacement}{payload[position + 1 :]}"


@pytest.mark.parametrize(("model", "column", "attribute"), SEALED_FIELDS)
def test_a_flipped_byte_in_any_sealed_field_makes_reading_fail_loudly(
    sealed_record: dict[type, int], model: type, column: str, attribute: str
) -> None:
    pk = sealed_record[model]
    token = _raw_column(model, column, pk)
    middle = len(token.split(".", 2)[2]) // 2
    _write_raw_column(model, column, pk, _flip_one_byte(token, middle))
    forget_cached_keys()
    with pytest.raises(VaultError, match="failed authentication"):
        getattr(model.objects.get(pk=pk), attribute)  # type: ignore[attr-defined]


@pytest.mark.parametrize("position", [0, 5, 11, 12, 20, -2])
def test_flipping_nonce_ciphertext_or_tag_bytes_all_fail(personas: Personas, position: int) -> None:
    token = _raw_column(Entry, "body_sealed", personas.entry.pk)
    payload_length = len(token.split(".", 2)[2])
    _write_raw_column(
        Entry, "body_sealed", personas.entry.pk, _flip_one_byte(token, position % payload_length)
    )
    with pytest.raises(VaultError):
        _ = Entry.objects.get(pk=personas.entry.pk).body


def test_a_truncated_or_foreign_token_fails_loudly(personas: Personas) -> None:
    token = _raw_column(Entry, "body_sealed", personas.entry.pk)
    for broken in [token[:20], "plain text that was never sealed", "cw1.x.abc", "cw2" + token[3:]]:
        _write_raw_column(Entry, "body_sealed", personas.entry.pk, broken)
        with pytest.raises(VaultError):
            _ = Entry.objects.get(pk=personas.entry.pk).body


def test_a_token_copied_into_another_field_does_not_open(personas: Personas) -> None:
    body_token = _raw_column(Entry, "body_sealed", personas.entry.pk)
    _write_raw_column(Entry, "title_sealed", personas.entry.pk, body_token)
    entry = Entry.objects.get(pk=personas.entry.pk)
    with pytest.raises(VaultError):
        _ = entry.title
    assert entry.body == "I noticed the ocean again."


def test_a_token_copied_into_another_model_does_not_open(personas: Personas) -> None:
    intention = SessionIntention.objects.get(session=personas.scheduled)
    body_token = _raw_column(Entry, "body_sealed", personas.entry.pk)
    _write_raw_column(SessionIntention, "text_sealed", intention.pk, body_token)
    with pytest.raises(VaultError):
        _ = SessionIntention.objects.get(pk=intention.pk).text


def test_a_token_copied_into_another_patients_row_does_not_open(personas: Personas) -> None:
    patients_token = _raw_column(Entry, "body_sealed", personas.entry.pk)
    _write_raw_column(Entry, "body_sealed", personas.other_patient_entry.pk, patients_token)
    with pytest.raises(VaultError, match="another person's data key"):
        _ = Entry.objects.get(pk=personas.other_patient_entry.pk).body
    # The patient's own row still opens.
    assert Entry.objects.get(pk=personas.entry.pk).body == "I noticed the ocean again."


def test_search_does_not_open_a_token_copied_into_another_patients_row(
    personas: Personas,
) -> None:
    # Search opens sealed columns without building entries; it must keep the owner check.
    patients_token = _raw_column(Entry, "body_sealed", personas.entry.pk)
    _write_raw_column(Entry, "body_sealed", personas.other_patient_entry.pk, patients_token)
    with pytest.raises(VaultError, match="another person's data key"):
        search_journal(user=personas.other_patient, query="ocean")


# --- Key rotation -----------------------------------------------------------------------------


def test_rotation_then_removing_the_old_key_keeps_everything_readable(
    personas: Personas, sealed_record: dict[type, int]
) -> None:
    old_spec = settings.CLAYWORK_FIELD_KEYS
    new_spec = new_key_spec("k2")
    with override_settings(CLAYWORK_FIELD_KEYS=f"{new_spec},{old_spec}"):
        _use_keys(new_spec)
        _assert_reads_back(sealed_record)  # both keys held: old data keys still unwrap
        call_command("rotate_keys", stdout=io.StringIO())
        assert set(PatientDataKey.objects.values_list("kek_id", flat=True)) == {"k2"}
        assert not PatientDataKey.objects.filter(rewrapped_at__isnull=True).exists()
    with override_settings(CLAYWORK_FIELD_KEYS=new_spec):
        _use_keys(new_spec)
        _assert_reads_back(sealed_record)
        assert Entry.objects.get(pk=personas.other_patient_entry.pk).body == (
            "Olive's private words."
        )
        # New text is sealed under a data key wrapped by the new key.
        newcomer = factories.PatientFactory()
        factories.make_entry(newcomer, body="after rotation")
        assert PatientDataKey.objects.get(owner=newcomer).kek_id == "k2"


def test_rotation_reports_how_many_keys_moved_and_can_run_again(
    personas: Personas,
) -> None:
    old_spec = settings.CLAYWORK_FIELD_KEYS
    new_spec = new_key_spec("k2")
    with override_settings(CLAYWORK_FIELD_KEYS=f"{new_spec},{old_spec}"):
        _use_keys(new_spec)
        first, second = io.StringIO(), io.StringIO()
        call_command("rotate_keys", stdout=first)
        call_command("rotate_keys", stdout=second)
    keys = PatientDataKey.objects.count()
    assert keys >= 2
    assert f"Re-wrapped {keys} data key(s)" in first.getvalue()
    assert "Re-wrapped 0 data key(s)" in second.getvalue()


def test_removing_the_old_key_before_rotation_makes_reading_fail(
    personas: Personas, sealed_record: dict[type, int]
) -> None:
    new_spec = new_key_spec("k2")
    with override_settings(CLAYWORK_FIELD_KEYS=new_spec):
        _use_keys(new_spec)
        with pytest.raises(VaultError, match="not in CLAYWORK_FIELD_KEYS"):
            _ = Entry.objects.get(pk=sealed_record[Entry]).body


def test_a_key_with_the_right_id_but_wrong_bytes_fails_to_unwrap(personas: Personas) -> None:
    impostor = new_key_spec(keyring().primary_id)
    with override_settings(CLAYWORK_FIELD_KEYS=impostor):
        _use_keys(impostor)
        with pytest.raises(VaultError, match="failed to unwrap"):
            _ = Entry.objects.get(pk=personas.entry.pk).body


# --- Crypto-shredding -------------------------------------------------------------------------


def test_destroying_a_data_key_makes_only_that_patients_text_unreadable(
    personas: Personas, sealed_record: dict[type, int]
) -> None:
    assert data_key_destroy(owner_id=personas.patient.pk) is True
    for model, _column, attribute in SEALED_FIELDS:
        with pytest.raises(VaultError, match="no longer exists"):
            getattr(model.objects.get(pk=sealed_record[model]), attribute)  # type: ignore[attr-defined]
    assert Entry.objects.get(pk=personas.other_patient_entry.pk).body == "Olive's private words."


def test_destroying_a_missing_data_key_reports_nothing_destroyed(personas: Personas) -> None:
    assert data_key_destroy(owner_id=personas.support_person.pk) is False


# --- Key ring configuration -------------------------------------------------------------------


def test_key_ring_parse_takes_the_first_key_as_primary() -> None:
    first, second = new_key_spec("a1"), new_key_spec("b2")
    ring = KeyRing.parse(f" {first} , {second} ,")
    assert ring.primary_id == "a1"
    assert set(ring.keys) == {"a1", "b2"}
    assert all(len(key) == 32 for key in ring.keys.values())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "no key-encryption key"),
        (" , ,", "no key-encryption key"),
        ("no-colon-here", "ID:BASE64"),
        (":" + new_key_spec("x").split(":")[1], "ID:BASE64"),
        ("bad-id:" + new_key_spec("x").split(":")[1], "ID:BASE64"),
        ("short:c2hvcnQ", "must be 32 bytes"),
        ("long:" + "A" * 60, "must be 32 bytes"),
        ("bad:%%%%", "base64|32 bytes"),
        (new_key_spec("dup") + "," + new_key_spec("dup"), "appears twice"),
    ],
)
def test_key_ring_parse_rejects_malformed_specs(spec: str, message: str) -> None:
    with pytest.raises(KeyRingError, match=message):
        KeyRing.parse(spec)


def test_asking_for_an_unknown_key_id_is_a_vault_error() -> None:
    ring = KeyRing.parse(new_key_spec("only"))
    with pytest.raises(VaultError, match="'gone'"):
        ring.get("gone")
