"""After a crypto-shred, a scan of the raw database finds no readable health information.

The patient here has data in every table that can hold theirs: the journal, check-ins with
notes and numbers, scales with a self-harm answer, alerts, sessions with a place and notes, a
treatment course, a support circle, messages, tags, the integration plan and practices,
reminders, push subscriptions, themes, sign-ins, failed sign-ins in the shared cache, and the
audit trail. The scan reads every table the database has (introspection and SQL, not the
models, so a table no model describes is read too) and every text, JSON and bytes column of it.

Rows that must stay after the erasure (the clinic's alerts, the audit trail, the deletion
request, the emptied account row) are read closely: codes and ids only, nothing that names
the person or says what they wrote.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from claywork.measures import services as measures
from claywork.measures.selectors import patient_today
from claywork.ownership import services as ownership
from claywork.push.services import push_subscribe
from claywork.safety.models import Alert, AlertKind, Severity
from tests import factories
from tests.conftest import client_for
from tests.ownership_support import Everything, patient_with_everything

pytestmark = pytest.mark.django_db(transaction=False)

DB_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "claywork_cache",
    }
}

# Identifying values planted besides the canaries of ``patient_with_everything``.
COURSE_TITLE = "Canary course for Wren's depression"
PUSH_ENDPOINT = "https://push.example.test/send/wren-canary-device"
PUSH_LABEL = "Wren's canary phone"
USER_AGENT = "WrenCanaryBrowser/9.9 (canary)"
PATIENT_ADDRESS = "198.51.100.77"
NAME, EMAIL = "Wren Canary", "wren.canary@example.test"
# Words that say what care someone is in. None may be readable in a row that survives.
HEALTH_WORDS = [
    "self-harm",
    "suicid",
    "depress",
    "ketamine",
    "PHQ",
    "phq",
    "Severe",
    "severe",
    "Moderate",
    "mood",
    "crisis",
]

# Rows that belong to an erased patient and survive, and why (docs/security.md).
KEPT_TABLES = {
    "accounts_user",  # the account row, emptied: the audit trail names it
    "audit_auditevent",  # append-only: that data was read, changed, erased, and by whom
    "safety_alert",  # the clinic's record of safety events: kind, severity and times
    "ownership_accountdeletion",  # when it was asked for and done
}


def _with_everything_a_patient_can_have() -> tuple[Everything, list[str]]:
    everything = patient_with_everything()
    patient = everything.patient
    course = factories.make_course(patient, everything.clinician, title=COURSE_TITLE)
    factories.make_session(course, status="completed")
    measures.check_in_save(
        patient=patient,
        day=patient_today(patient),
        values=measures.CheckInValues(
            2,
            anxiety=9,
            energy=1,
            sleep_hours=Decimal("3.25"),
            note="Canary check-in note wren, a bad night",
        ),
    )
    # A PHQ-9 with the self-harm item answered: the alert the clinic keeps.
    measures.response_submit(
        response=measures.response_start(
            patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
        ),
        answers=dict.fromkeys("12345678", 3) | {"9": 2},
    )
    assert Alert.objects.filter(patient=patient, kind=AlertKind.SELF_HARM_ANSWER).exists()
    push_subscribe(
        patient=patient,
        endpoint=PUSH_ENDPOINT,
        p256dh="BCanaryP256dhKeyWren",
        auth="canaryAuthWren",
        device_label=PUSH_LABEL,
    )
    # Signed in from a phone of theirs (a sign-in row, a session); a wrong password from
    # elsewhere (the limiter's counters in the shared cache).
    phone = Client(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR=PATIENT_ADDRESS)
    assert phone.post("/accounts/login/", {"login": EMAIL, "password": "wrong"}).status_code
    signed_in = phone.post("/accounts/login/", {"login": EMAIL, "password": factories.PASSWORD})
    assert signed_in.status_code == 302
    # The care team reads the record (audit rows naming the patient).
    clinician = client_for(everything.clinician)
    assert clinician.get(f"/patients/{patient.pk}/").status_code == 200
    # The patient asks for the erasure from their phone; someone tries their password after.
    confirm = {"password": factories.PASSWORD, "understood": "on"}
    assert phone.post("/account/data/delete/", confirm).status_code == 302
    Client(REMOTE_ADDR="192.0.2.9").post("/accounts/login/", {"login": EMAIL, "password": "x"})
    planted = [
        *everything.canaries.values(),
        "Canary check-in note wren",
        NAME,
        EMAIL,
        COURSE_TITLE,
        PUSH_ENDPOINT,
        PUSH_LABEL,
        "BCanaryP256dhKeyWren",
        USER_AGENT,
        PATIENT_ADDRESS,
        "+14155552671",
        "+442079460958",
        # What the limiter keys the account by: an unkeyed hash of the address is guessable.
        hashlib.sha256(EMAIL.encode()).hexdigest(),
    ]
    return everything, planted


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor, include_views=False))


def _readable_text(value: Any) -> str | None:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict | list):
        return repr(value)
    if isinstance(value, str):
        return value
    return None


def _decoded(text: str) -> str:
    """A stored value and, when it is base64 (Django's sessions, cached values), what it
    decodes to: a reader of the raw database would decode it too."""
    candidate = text.split(":", 1)[0] if text.count(":") else text
    try:
        return (
            text
            + "\n"
            + base64.b64decode(candidate + "=" * (-len(candidate) % 4)).decode("latin-1")
        )
    except ValueError:
        return text


def raw_rows(table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - a name from introspection
        columns = [column[0] for column in cursor.description]
        return columns, list(cursor.fetchall())


def _session_text(stored: str) -> str:
    """A session as its reader would see it: Django signs and compresses, never encrypts."""
    return repr(SessionStore().decode(stored))


# Values that may stay, and why: the sign-in limiters' per-address counters in the shared cache
# name a network address and never the account, and expire (allauth's within a minute,
# Claywork's within the window); the erasure cannot tell which addresses were the patient's.
ADDRESS_COUNTERS = (":1:allauth:rl:", ":1:throttle:address:")


def raw_scan(words: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, word) wherever one of ``words`` is readable in the raw database."""
    found = []
    for table in _tables():
        columns, rows = raw_rows(table)
        for row in rows:
            if table == "claywork_cache" and str(row[0]).startswith(ADDRESS_COUNTERS):
                continue
            for column, value in zip(columns, row, strict=True):
                text = _readable_text(value)
                if text is None:
                    continue
                text = _decoded(text)
                if table == "django_session" and column == "session_data":
                    text += _session_text(value)
                found.extend((table, column, word) for word in words if word in text)
    return sorted(set(found))


def _columns_pointing_at_users() -> dict[str, list[str]]:
    """table -> its columns with a foreign key to the account table, from the database."""
    pointing: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in _tables():
            relations = connection.introspection.get_relations(cursor, table)
            for column, (_, target) in relations.items():
                if target == "accounts_user":
                    pointing.setdefault(table, []).append(column)
    return pointing


@override_settings(CACHES=DB_CACHE)
def test_after_the_crypto_shred_no_table_holds_a_readable_word_or_trace_of_the_patient() -> None:
    cache.clear()
    everything, planted = _with_everything_a_patient_can_have()
    patient_id = everything.patient.pk
    before = {word for *_, word in raw_scan(planted)}
    # Every planted value is somewhere in the raw database before (sealed words are not: the
    # scan is of the raw bytes, so only what was stored in clear is found).
    assert {NAME, EMAIL, PUSH_ENDPOINT, USER_AGENT} <= before
    # A course's title is sealed like the patient's words (decision 0016).
    assert COURSE_TITLE not in before

    assert ownership.accounts_erase_due(now=timezone.now() + ownership.grace_period() * 2) == 1

    leaks = raw_scan(planted)
    assert not leaks, f"readable in the raw database after the erasure: {leaks}"
    # No row of any table points at the erased account, except the ones kept on purpose.
    still_pointing = []
    for table, columns in _columns_pointing_at_users().items():
        for column in columns:
            quoted_table = connection.ops.quote_name(table)
            quoted_column = connection.ops.quote_name(column)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quoted_table} WHERE {quoted_column} = %s",  # noqa: S608
                    [patient_id],
                )
                if cursor.fetchone()[0] and table not in KEPT_TABLES:
                    still_pointing.append((table, column))
    assert not still_pointing, f"rows still tied to the erased account: {still_pointing}"
    # Nor does any session in the store (its user id is inside the signed data).
    _, sessions = raw_rows("django_session")
    signed_in_as = [SessionStore().decode(data).get("_auth_user_id") for _, data, _ in sessions]
    assert str(patient_id) not in signed_in_as
    cache.clear()


def _kept_rows(table: str, column: str, patient_id: int) -> list[dict[str, Any]]:
    columns, rows = raw_rows(table)
    index = columns.index(column)
    return [dict(zip(columns, row, strict=True)) for row in rows if row[index] == patient_id]


@override_settings(CACHES=DB_CACHE)
def test_the_rows_kept_after_an_erasure_hold_codes_and_ids_never_words_or_identity() -> None:
    cache.clear()
    everything, planted = _with_everything_a_patient_can_have()
    patient_id = everything.patient.pk
    assert ownership.accounts_erase_due(now=timezone.now() + ownership.grace_period() * 2) == 1

    alerts = _kept_rows("safety_alert", "patient_id", patient_id)
    audit = _kept_rows("audit_auditevent", "patient_id", patient_id)
    account = _kept_rows("accounts_user", "id", patient_id)
    assert alerts and audit and len(account) == 1
    kinds, severities = set(AlertKind.values), set(Severity.values)
    for alert in alerts:
        # The clinic's record: which kind of event, how severe, when; the words went with the key.
        assert alert["kind"] in kinds and alert["severity"] in severities
        assert alert["title_sealed"] == "" and alert["note_sealed"] == ""
    for row in [*alerts, *audit, *account]:
        # An alert's kind, severity and its dedupe key ("self-harm:12") are codes kept in clear
        # on purpose (decision 0016); every other column must say nothing.
        codes = {"kind", "severity", "dedupe_key"} if row in alerts else set()
        values = [v for column, v in row.items() if column not in codes]
        text = " ".join(t for value in values if (t := _readable_text(value)) is not None)
        words = [w for w in [*planted, *HEALTH_WORDS] if w in text]
        words += [w for w in planted if w in str(row.get("dedupe_key", ""))]
        assert not words, f"a kept row still carries {words}: {row}"
    # The patient's own actions (asking for the erasure) are in the trail without their
    # network address: it would tie the row to a household.
    assert all(row["ip_address"] is None for row in audit if row["actor_id"] == patient_id)
    cache.clear()
