"""The audit trail itself: append-only in the database, hash-chained, verifiable, and correct
with several writers at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F
from django.test import RequestFactory

from claywork.accounts.models import User
from claywork.audit import guard
from claywork.audit.chain import GENESIS_HASH, row_digest
from claywork.audit.keys import mac_key
from claywork.audit.models import AuditEvent, AuditSubject
from claywork.audit.services import audit_record, audit_record_many
from claywork.audit.verify import chain_verify
from tests import factories
from tests.conftest import Personas


def _record(personas: Personas, n: int = 1) -> list[AuditEvent]:
    events = []
    for number in range(n):
        event = audit_record(
            actor=personas.care_clinician,
            patient=personas.patient,
            action="read",
            resource="measures.progress",
            object_id=number,
        )
        assert event is not None
        events.append(event)
    return events


def _verify() -> tuple[str, str]:
    out = StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as error:
        return "broken", str(error)
    return "ok", out.getvalue()


@pytest.fixture
def guard_lifted(db: None) -> None:
    """Tamper as an attacker with the table owner's rights would: drop the guard first (inside
    the test's transaction, so it is back afterwards)."""
    guard.remove(connection)


# --- Writing --------------------------------------------------------------------------------


def test_an_event_records_who_what_and_from_where(personas: Personas) -> None:
    request = RequestFactory().get("/patients/1/progress/", REMOTE_ADDR="203.0.113.9")
    request.resolver_match = type("Match", (), {"view_name": "measures:progress"})()  # type: ignore[attr-defined]

    event = audit_record(
        actor=personas.care_clinician,
        patient=personas.patient,
        action="read",
        resource="measures.progress",
        object_id=personas.patient.pk,
        request=request,
    )

    stored = AuditEvent.objects.get(pk=event.pk)  # type: ignore[union-attr]
    assert stored.actor == personas.care_clinician
    assert stored.actor_role == "clinician"
    assert stored.patient == personas.patient
    assert stored.clinic_id == personas.patient.clinic_id
    assert (stored.action, stored.resource, stored.object_id) == (
        "read",
        "measures.progress",
        str(personas.patient.pk),
    )
    assert stored.ip_address == "203.0.113.9"
    assert stored.route == "measures:progress"


def test_a_patient_reading_their_own_data_is_not_recorded(personas: Personas) -> None:
    assert (
        audit_record(
            actor=personas.patient,
            patient=personas.patient,
            action="read",
            resource="journal.entry",
        )
        is None
    )
    assert (
        audit_record(
            actor=personas.patient, patient=personas.patient.pk, action="read", resource="x"
        )
        is None
    )
    assert not AuditEvent.objects.exists()


def test_a_command_without_an_actor_is_recorded_as_the_system(personas: Personas) -> None:
    event = audit_record(
        actor=None,
        patient=personas.patient.pk,
        action="export",
        resource="measures.scores",
        route="command:export",
    )

    assert event is not None
    assert (event.actor_id, event.actor_role, event.route) == (None, "system", "command:export")
    assert event.clinic_id == personas.patient.clinic_id


def test_an_unknown_action_or_an_empty_resource_is_refused(personas: Personas) -> None:
    for action, resource in (("peek", "measures.progress"), ("read", "")):
        with pytest.raises(ValueError, match="audit"):
            audit_record(
                actor=personas.care_clinician,
                patient=personas.patient,
                action=action,
                resource=resource,
            )

    assert not AuditEvent.objects.exists()


def test_each_row_chains_onto_the_one_before(personas: Personas) -> None:
    first, second, third = _record(personas, 3)

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.row_hash
    assert third.prev_hash == second.row_hash
    for event in AuditEvent.objects.all():
        assert event.row_hash == row_digest(event.prev_hash, event.chain_fields(), mac_key())


def test_a_bulk_insert_keeps_the_chain_and_skips_the_reader(personas: Personas) -> None:
    _record(personas, 1)
    others = [factories.PatientFactory(clinic=personas.patient.clinic) for _ in range(4)]

    written = audit_record_many(
        actor=personas.care_clinician,
        patients=[personas.patient, *others, personas.care_clinician],
        action="read",
        resource="measures.caseload",
    )

    assert written == 5
    assert chain_verify().ok
    assert chain_verify().checked == 2  # the single read, then the list page's one event
    listed = AuditEvent.objects.get(patient__isnull=True)
    assert sorted(listed.subject_set.subjects.values_list("patient_id", flat=True)) == sorted(
        [personas.patient.pk, *(other.pk for other in others)]
    )


def test_a_bulk_insert_larger_than_one_statement_keeps_the_chain(personas: Personas) -> None:
    from claywork.accounts.models import User as Person

    clinic = personas.patient.clinic
    Person.objects.bulk_create(
        Person(email=f"many{n}@example.test", full_name=f"Many {n}", clinic=clinic)
        for n in range(150)
    )
    ids = list(Person.objects.filter(email__startswith="many").values_list("pk", flat=True))
    request = RequestFactory().get("/", REMOTE_ADDR="2001:DB8::A")

    written = audit_record_many(
        actor=personas.care_clinician,
        patients=ids,
        action="read",
        resource="measures.caseload",
        request=request,
    )

    assert written == 150
    event = AuditEvent.objects.get()
    assert (event.ip_address, event.clinic_id) == ("2001:db8::a", clinic.pk)  # type: ignore[union-attr]
    assert sorted(event.subject_set.subjects.values_list("patient_id", flat=True)) == sorted(ids)
    report = chain_verify()
    assert report.ok and report.checked == 1


def test_a_list_of_patients_of_two_clinics_writes_one_event_per_clinic(
    personas: Personas,
) -> None:
    elsewhere = factories.PatientFactory(clinic=personas.other_clinic_clinician.clinic)

    audit_record_many(
        actor=personas.care_clinician,
        patients=[personas.patient, elsewhere],
        action="read",
        resource="messaging.inbox",
    )

    events = {event.clinic_id: event for event in AuditEvent.objects.all()}
    assert [
        subject.patient_id
        for subject in events[personas.patient.clinic_id].subject_set.subjects.all()
    ] == [personas.patient.pk]
    assert [
        subject.patient_id for subject in events[elsewhere.clinic_id].subject_set.subjects.all()
    ] == [elsewhere.pk]
    assert chain_verify().ok


def test_an_ipv6_address_is_stored_in_the_form_it_was_hashed(personas: Personas) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="2001:DB8:0:0:0:0:0:1")
    audit_record(
        actor=personas.care_clinician,
        patient=personas.patient,
        action="read",
        resource="care.session",
        request=request,
    )

    assert AuditEvent.objects.get().ip_address == "2001:db8::1"
    assert chain_verify().ok


# --- Append-only ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda: AuditEvent.objects.update(resource="journal.entry"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.first().delete(),  # type: ignore[union-attr]
    ],
    ids=["update", "delete all", "delete one"],
)
def test_the_database_refuses_to_change_or_remove_an_event(personas: Personas, change) -> None:  # type: ignore[no-untyped-def]
    _record(personas, 2)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change()

    assert AuditEvent.objects.count() == 2
    assert chain_verify().ok


def _list_page(personas: Personas, *patients: User) -> AuditEvent:
    audit_record_many(
        actor=personas.care_clinician,
        patients=patients,
        action="read",
        resource="measures.caseload",
    )
    return AuditEvent.objects.filter(patient__isnull=True).order_by("-pk")[0]


@pytest.mark.parametrize(
    "change",
    [
        lambda: AuditSubject.objects.update(patient_id=F("patient_id")),
        lambda: AuditSubject.objects.all().delete(),
        lambda: AuditSubject.objects.first().delete(),  # type: ignore[union-attr]
    ],
    ids=["update", "delete all", "delete one"],
)
def test_the_database_refuses_to_change_or_remove_a_list_pages_patient(  # type: ignore[no-untyped-def]
    personas: Personas, change
) -> None:
    _list_page(personas, personas.patient, personas.other_patient)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change()

    assert AuditSubject.objects.count() == 2
    assert chain_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgres_refuses_to_truncate_the_log(personas: Personas) -> None:
    _record(personas, 1)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE audit_auditevent")

    assert AuditEvent.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's")
def test_postgres_application_role_has_no_right_to_change_the_log(personas: Personas) -> None:
    """A non-owner role set up as decision 0004 says: it may add events and read them, and the
    database refuses UPDATE, DELETE and TRUNCATE by privilege, before any trigger runs."""
    _record(personas, 1)
    role = f"claywork_app_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER")  # rolled back with the test
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False,)

    # The application's own write path works under the role...
    _record(personas, 1)
    assert chain_verify().ok
    # ...and every way of changing the log is refused for lack of privilege.
    for statement in (
        "UPDATE audit_auditevent SET resource = 'x'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "DROP TRIGGER audit_event_no_change ON audit_auditevent",
    ):
        with (
            pytest.raises(DatabaseError, match="permission denied|must be owner"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert AuditEvent.objects.count() == 2


# --- Verifying ------------------------------------------------------------------------------


def test_verify_reports_ok_with_the_count(personas: Personas) -> None:
    _record(personas, 7)

    outcome, message = _verify()

    assert outcome == "ok"
    assert "OK: 7 audit events" in message
    assert AuditEvent.objects.order_by("-pk").first().row_hash in message  # type: ignore[union-attr]


def test_verify_of_an_empty_log_is_ok(db: None) -> None:
    assert _verify() == ("ok", _verify()[1])
    assert "OK: 0 audit events" in _verify()[1]


def test_verify_walks_in_batches(personas: Personas) -> None:
    _record(personas, 11)

    report = chain_verify(batch_size=3)

    assert report.ok and report.checked == 11


def test_verify_finds_an_edited_row(personas: Personas, guard_lifted: None) -> None:
    events = _record(personas, 5)
    AuditEvent.objects.filter(pk=events[2].pk).update(actor_role="support")

    outcome, message = _verify()

    assert outcome == "broken"
    assert f"row {events[2].pk}" in message
    assert "changed after it was written" in message
    assert "The 2 events before it are intact" in message


def test_verify_finds_a_row_edited_together_with_its_hash(
    personas: Personas, guard_lifted: None
) -> None:
    events = _record(personas, 5)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.resource = "care.session"
    forged.row_hash = row_digest(forged.prev_hash, forged.chain_fields(), mac_key())
    forged.save()

    report = chain_verify()

    assert report.broken is not None
    assert report.broken.row_id == events[2].pk
    assert f"does not follow row {events[1].pk}" in report.broken.problem


def test_verify_finds_a_row_rehashed_without_the_key(
    personas: Personas, guard_lifted: None
) -> None:
    events = _record(personas, 5)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.resource = "care.session"
    forged.row_hash = row_digest(forged.prev_hash, forged.chain_fields(), None)
    forged.save()

    report = chain_verify()

    assert report.broken is not None
    assert report.broken.row_id == events[1].pk
    assert "without the audit key" in report.broken.problem


@pytest.mark.parametrize("tamper", ["remove", "add", "swap", "repoint"])
def test_verify_finds_a_list_pages_patients_changed(
    personas: Personas, guard_lifted: None, tamper: str
) -> None:
    _record(personas, 2)
    event = _list_page(personas, personas.patient, personas.other_patient)
    _record(personas, 1)
    shown = event.subject_set.subjects.get(patient=personas.other_patient)
    if tamper == "remove":
        shown.delete()
    elif tamper == "add":
        AuditSubject.objects.create(subject_set=event.subject_set, patient=personas.support_person)
    elif tamper == "swap":
        AuditSubject.objects.filter(pk=shown.pk).update(patient_id=personas.support_person.pk)
    else:
        other = _list_page(personas, personas.patient)  # a set of Pat alone
        AuditEvent.objects.filter(pk=event.pk).update(subject_set=other.subject_set)

    report = chain_verify()

    assert report.broken is not None
    assert report.broken.row_id == event.pk
    assert "changed after it was written" in report.broken.problem


def test_verify_walks_list_pages_across_batches(personas: Personas) -> None:
    for _ in range(4):
        _record(personas, 1)
        _list_page(personas, personas.patient, personas.other_patient)

    report = chain_verify(batch_size=3)

    assert report.ok and report.checked == 8


def test_verify_finds_a_removed_row(personas: Personas, guard_lifted: None) -> None:
    events = _record(personas, 5)
    AuditEvent.objects.filter(pk=events[3].pk).delete()

    outcome, message = _verify()

    assert outcome == "broken"
    assert f"row {events[4].pk}" in message
    assert f"does not follow row {events[2].pk}" in message


def test_verify_finds_the_first_rows_removed(personas: Personas, guard_lifted: None) -> None:
    events = _record(personas, 3)
    AuditEvent.objects.filter(pk=events[0].pk).delete()

    report = chain_verify()

    assert report.broken is not None
    assert report.broken.row_id == events[1].pk
    assert "does not start the chain" in report.broken.problem


def test_audit_verify_is_a_claywork_command() -> None:
    from django.core.management import get_commands

    assert get_commands()["audit_verify"] == "claywork.audit"


# --- Several writers ------------------------------------------------------------------------

WRITERS, EACH = 4, 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    """Four threads, each with its own database connection, append at the same time; the chain
    lock (IMMEDIATE transactions on SQLite, an advisory lock on PostgreSQL) keeps one chain."""
    clinic = factories.ClinicFactory()
    patient = factories.PatientFactory(clinic=clinic)
    readers = [factories.ClinicianFactory(clinic=clinic) for _ in range(WRITERS)]
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write(reader: User) -> None:
        try:
            start.wait()
            for number in range(EACH):
                audit_record(
                    actor=reader,
                    patient=patient,
                    action="read",
                    resource="measures.progress",
                    object_id=number,
                )
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(reader,)) for reader in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    report = chain_verify()
    assert report.ok, report.broken
    assert report.checked == WRITERS * EACH
    assert AuditEvent.objects.values("prev_hash").distinct().count() == WRITERS * EACH
