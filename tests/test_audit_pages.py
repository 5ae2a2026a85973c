"""The patient's "who has seen my data" page and the clinic admin's access log."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from claywork.accounts.models import User
from claywork.audit.models import AuditEvent
from claywork.audit.selectors import PAGE_SIZE
from claywork.audit.services import audit_record, audit_record_many
from tests import factories
from tests.conftest import Personas, client_for


def _read(actor: User | None, patient: User, resource: str = "measures.progress") -> None:
    action = "export" if actor is None else "read"
    audit_record(actor=actor, patient=patient, action=action, resource=resource)


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr>")[1:]
    ]


# --- The patient's page ---------------------------------------------------------------------


def test_patient_sees_who_read_what_and_when_newest_first_in_their_zone(
    personas: Personas,
) -> None:
    p = personas
    p.patient.timezone = "Asia/Tokyo"
    p.patient.save()
    with time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False):
        _read(p.care_clinician, p.patient, "measures.progress")
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        _read(p.support_person, p.patient, "journal.entry")
        _read(None, p.patient, "measures.scores")

    html = client_for(p.patient).get("/privacy/access-log/").content.decode()

    rows = _rows(html)
    assert rows == [
        "2 Mar 2026 18:00 Clinic export Clinic system Exported Check-in and questionnaire scores",
        "2 Mar 2026 18:00 Sue Support Support person Viewed A journal entry",
        "2 Mar 2026 08:30 Cara Clinician Clinician Viewed Check-in and questionnaire scores",
    ]


def test_patient_sees_only_events_about_themselves(personas: Personas) -> None:
    p = personas
    _read(p.outside_clinician, p.other_patient)

    html = client_for(p.patient).get("/privacy/access-log/").content.decode()

    assert "Otto Outside" not in html
    assert "Nobody else has opened your information yet." in html


def test_patient_pages_through_a_long_log_by_keyset(personas: Personas) -> None:
    p = personas
    total = PAGE_SIZE * 2 + 7
    for _ in range(total):
        _read(p.care_clinician, p.patient)
    ids = list(AuditEvent.objects.order_by("-pk").values_list("pk", flat=True))
    client = client_for(p.patient)

    first = client.get("/privacy/access-log/").context["page"]
    second = client.get(f"/privacy/access-log/?before={first.older}").context["page"]
    third = client.get(f"/privacy/access-log/?before={second.older}").context["page"]
    back = client.get(f"/privacy/access-log/?after={third.newer}").context["page"]

    assert [row.pk for row in first.rows] == ids[:PAGE_SIZE]
    assert first.newer is None
    assert [row.pk for row in second.rows] == ids[PAGE_SIZE : PAGE_SIZE * 2]
    assert [row.pk for row in third.rows] == ids[PAGE_SIZE * 2 :]
    assert third.older is None
    assert [row.pk for row in back.rows] == [row.pk for row in second.rows]


def test_a_junk_cursor_shows_the_newest_page(personas: Personas) -> None:
    _read(personas.care_clinician, personas.patient)

    response = client_for(personas.patient).get("/privacy/access-log/?before=x&after=-3")

    assert response.status_code == 200
    assert len(response.context["page"].rows) == 1


def _queries(client: Any, url: str) -> int:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_patient_page_runs_the_same_queries_for_3_or_200_events(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    p = personas
    readers = [p.care_clinician, p.support_person, None]
    for n in range(3):
        _read(readers[n], p.patient)
    client = client_for(p.patient)
    few = _queries(client, "/privacy/access-log/")

    for n in range(197):
        _read(readers[n % 3], p.patient)

    with django_assert_max_num_queries(few):
        assert client.get("/privacy/access-log/").status_code == 200


def test_patient_finds_the_page_from_privacy_in_the_navigation(personas: Personas) -> None:
    patient = client_for(personas.patient)
    html = patient.get("/journal/").content.decode()
    assert 'href="/privacy/"' in html

    assert 'href="/privacy/access-log/"' in patient.get("/privacy/").content.decode()


# --- The clinic admin's log -----------------------------------------------------------------


@pytest.fixture
def clinic_log(personas: Personas) -> Personas:
    p = personas
    _read(p.care_clinician, p.patient, "care.session")
    _read(p.outside_clinician, p.other_patient, "crisis.safety_plan")
    remote = factories.PatientFactory(
        clinic=p.other_clinic_clinician.clinic, full_name="Rhea Remote"
    )
    _read(p.other_clinic_clinician, remote)
    return p


def test_clinic_admin_sees_their_clinics_log_without_other_clinics(clinic_log: Personas) -> None:
    html = client_for(clinic_log.clinic_admin).get("/clinic/access-log/").content.decode()

    # When (the admin's zone), who, patient, what, action, from where (none: not a request).
    assert [row.split(" ", 4)[4] for row in _rows(html)] == [
        "Otto Outside Clinician Olive Other : show only this patient's events Safety plan Viewed "
        "no address",
        "Cara Clinician Clinician Pat Patient : show only this patient's events A session: its "
        "plan, intentions and notes Viewed no address",
    ]
    assert "Rhea Remote" not in html
    assert "Xavi Elsewhere" not in html


def test_clinic_admin_filters_by_patient_actor_and_days(clinic_log: Personas) -> None:
    p = clinic_log
    client = client_for(p.clinic_admin)

    by_patient = client.get(f"/clinic/access-log/?patient={p.patient.pk}").context["page"]
    by_name = client.get("/clinic/access-log/?name=olive").context["page"]
    no_one = client.get("/clinic/access-log/?name=rhea").context["page"]
    by_actor = client.get(f"/clinic/access-log/?actor={p.outside_clinician.pk}").context["page"]
    future = client.get("/clinic/access-log/?since=2999-01-01").context["page"]

    assert [row.patient_name for row in by_patient.rows] == ["Pat Patient"]
    assert [row.patient_name for row in by_name.rows] == ["Olive Other"]
    assert no_one.rows == []  # Rhea Remote is another clinic's patient
    assert [row.who for row in by_actor.rows] == ["Otto Outside"]
    assert future.rows == []


def test_clinic_admin_cannot_filter_their_way_into_another_clinic(clinic_log: Personas) -> None:
    remote = User.objects.get(full_name="Rhea Remote")

    response = client_for(clinic_log.clinic_admin).get(f"/clinic/access-log/?patient={remote.pk}")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Rhea Remote" not in response.content.decode()
    assert len(response.context["page"].rows) == 2


def test_clinic_admin_filters_keep_through_the_pages(clinic_log: Personas) -> None:
    p = clinic_log
    for _ in range(PAGE_SIZE + 1):
        _read(p.care_clinician, p.patient)
    client = client_for(p.clinic_admin)

    html = client.get(f"/clinic/access-log/?patient={p.patient.pk}").content.decode()

    assert f'href="?patient={p.patient.pk}&amp;before=' in html


def test_clinic_log_runs_the_same_queries_for_few_or_many_events(
    clinic_log: Personas, django_assert_max_num_queries: Any, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page
    p = clinic_log
    client = client_for(p.clinic_admin)
    few = _queries(client, "/clinic/access-log/")
    for n in range(120):
        _read((p.care_clinician, p.outside_clinician)[n % 2], (p.patient, p.other_patient)[n % 2])

    with django_assert_max_num_queries(few):
        assert client.get("/clinic/access-log/").status_code == 200


def test_clinic_log_is_sent_from_memory_while_no_event_is_added(clinic_log: Personas) -> None:
    p = clinic_log
    client = client_for(p.clinic_admin)
    first = client.get("/clinic/access-log/").content.decode()
    events = AuditEvent.objects.count()

    with CaptureQueriesContext(connection) as queries:
        again = client.get("/clinic/access-log/").content.decode()

    # Viewing the log records no event of its own, so the key it is stored under still holds.
    assert AuditEvent.objects.count() == events
    assert _rows(again) == _rows(first)
    read_rows = [q for q in queries if 'FROM "audit_auditevent" INNER JOIN' in q["sql"]]
    assert read_rows == []  # only the newest event's id, not the page's events
    assert len(queries) <= 4  # session, versions, newest event id (and nothing per row)


def test_clinic_log_shows_a_new_event_on_the_next_view(clinic_log: Personas) -> None:
    p = clinic_log
    client = client_for(p.clinic_admin)
    assert len(_rows(client.get("/clinic/access-log/").content.decode())) == 2

    _read(p.care_clinician, p.other_patient, "journal.entry")
    rows = _rows(client.get("/clinic/access-log/").content.decode())

    assert len(rows) == 3
    assert "Olive Other" in rows[0] and "A journal entry" in rows[0]


def test_clinic_log_filters_are_each_their_own_stored_page_and_go_stale_with_a_new_event(
    clinic_log: Personas,
) -> None:
    p = clinic_log
    client = client_for(p.clinic_admin)
    by_patient = f"/clinic/access-log/?patient={p.patient.pk}"
    by_actor = f"/clinic/access-log/?actor={p.outside_clinician.pk}"
    for url in (by_patient, by_actor, by_patient, by_actor):  # the second round from memory
        client.get(url)

    patient_rows = _rows(client.get(by_patient).content.decode())
    actor_rows = _rows(client.get(by_actor).content.decode())
    _read(p.outside_clinician, p.patient, "journal.entry")
    patient_after = _rows(client.get(by_patient).content.decode())
    actor_after = _rows(client.get(by_actor).content.decode())

    assert len(patient_rows) == 1 and "Pat Patient" in patient_rows[0]
    assert len(actor_rows) == 1 and "Otto Outside" in actor_rows[0]
    assert len(patient_after) == 2 and "A journal entry" in patient_after[0]
    assert len(actor_after) == 2 and "Pat Patient" in actor_after[0]


def test_clinic_log_stored_page_is_not_sent_to_another_admin_or_after_a_name_change(
    clinic_log: Personas,
) -> None:
    p = clinic_log
    client = client_for(p.clinic_admin)
    client.get("/clinic/access-log/")
    other_admin = factories.ClinicAdminFactory(clinic=p.other_clinic_clinician.clinic)

    elsewhere = client_for(other_admin).get("/clinic/access-log/").content.decode()
    p.care_clinician.full_name = "Cara Renamed"
    p.care_clinician.save()
    renamed = client.get("/clinic/access-log/").content.decode()

    assert "Rhea Remote" in elsewhere and "Pat Patient" not in elsewhere
    assert "Cara Renamed" in renamed


def test_clinic_admin_navigation_links_to_the_log(personas: Personas) -> None:
    html = client_for(personas.clinic_admin).get("/clinic/people/").content.decode()

    assert 'href="/clinic/access-log/"' in html


def test_every_resource_code_in_the_code_has_plain_words() -> None:
    """A new ``audit_*`` call with a code missing from ``RESOURCE_LABELS`` would show the patient
    only "Part of the care record"."""
    from pathlib import Path

    from claywork.audit.resources import RESOURCE_LABELS

    code = r'"([a-z_]+\.[a-z_]+)"'
    patterns = [
        re.compile(r"audit_(?:read|write|shown)\([^)]*?,\s*" + code, re.S),
        re.compile(r"resource=" + code),
        re.compile(r"^RESOURCE\w* = " + code, re.M),
    ]
    root = Path(__file__).resolve().parent.parent / "claywork"
    used = {
        found
        for path in root.rglob("*.py")
        if "audit" not in path.parts
        for pattern in patterns
        for found in pattern.findall(path.read_text())
    }

    assert {"care.session", "measures.caseload", "measures.scores"} <= used
    assert not used - set(RESOURCE_LABELS), "add these to claywork/audit/resources.py"


# --- List pages (one event naming its patients) -----------------------------------------------


def _list_read(actor: User, *patients: User, resource: str = "measures.caseload") -> None:
    audit_record_many(actor=actor, patients=patients, action="read", resource=resource)


def test_patient_sees_the_list_pages_that_showed_them_among_single_reads(
    personas: Personas,
) -> None:
    p = personas
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        _read(p.care_clinician, p.patient, "measures.progress")
    with time_machine.travel(datetime(2026, 3, 2, 9, 5, tzinfo=UTC), tick=False):
        _list_read(p.care_clinician, p.patient, p.other_patient)
    with time_machine.travel(datetime(2026, 3, 2, 9, 10, tzinfo=UTC), tick=False):
        _list_read(p.care_clinician, p.other_patient, resource="safety.alert_inbox")

    rows = _rows(client_for(p.patient).get("/privacy/access-log/").content.decode())
    others = _rows(client_for(p.other_patient).get("/privacy/access-log/").content.decode())

    assert [row.split(" ", 4)[4] for row in rows] == [
        "Cara Clinician Clinician Viewed Score summary on the caseload",
        "Cara Clinician Clinician Viewed Check-in and questionnaire scores",
    ]
    assert len(others) == 2  # the caseload and the alert inbox, not Pat's progress


def test_patient_pages_through_single_and_list_reads_by_keyset(personas: Personas) -> None:
    p = personas
    for n in range(PAGE_SIZE + 10):
        if n % 3:
            _list_read(p.care_clinician, p.patient, p.other_patient)
        else:
            _read(p.care_clinician, p.patient)
        _read(p.care_clinician, p.other_patient)  # never on Pat's pages
    ids = list(
        AuditEvent.objects.filter(
            Q(patient=p.patient) | Q(subject_set__subjects__patient=p.patient)
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
    )
    client = client_for(p.patient)

    first = client.get("/privacy/access-log/").context["page"]
    second = client.get(f"/privacy/access-log/?before={first.older}").context["page"]
    back = client.get(f"/privacy/access-log/?after={second.newer}").context["page"]

    assert [row.pk for row in first.rows] == ids[:PAGE_SIZE]
    assert [row.pk for row in second.rows] == ids[PAGE_SIZE:]
    assert second.older is None
    assert [row.pk for row in back.rows] == [row.pk for row in first.rows]
    assert {row.patient_id for row in first.rows} == {p.patient.pk}


def test_patient_page_runs_the_same_queries_for_few_or_many_list_reads(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    p = personas
    _read(p.care_clinician, p.patient)
    _list_read(p.care_clinician, p.patient, p.other_patient)
    client = client_for(p.patient)
    few = _queries(client, "/privacy/access-log/")

    for _ in range(120):
        _list_read(p.care_clinician, p.patient, p.other_patient)

    with django_assert_max_num_queries(few):
        assert client.get("/privacy/access-log/").status_code == 200


def test_clinic_admin_sees_a_list_page_as_one_row_and_opens_its_patients(
    clinic_log: Personas,
) -> None:
    p = clinic_log
    _list_read(p.care_clinician, p.patient, p.other_patient)
    event = AuditEvent.objects.get(patient__isnull=True)
    client = client_for(p.clinic_admin)

    rows = _rows(client.get("/clinic/access-log/").content.decode())
    listed = client.get(f"/clinic/access-log/lists/{event.pk}/")

    assert rows[0].split(" ", 4)[4] == (
        "Cara Clinician Clinician 2 patients : who this list showed Score summary on the "
        "caseload Viewed no address"
    )
    assert listed.status_code == 200
    assert [patient.full_name for patient in listed.context["patients"]] == [
        "Olive Other",
        "Pat Patient",
    ]
    assert listed.context["row"].who == "Cara Clinician"


def test_clinic_admin_finds_list_pages_by_patient_and_by_name(clinic_log: Personas) -> None:
    p = clinic_log
    _list_read(p.care_clinician, p.patient, p.other_patient)
    client = client_for(p.clinic_admin)

    by_patient = client.get(f"/clinic/access-log/?patient={p.patient.pk}").context["page"]
    by_name = client.get("/clinic/access-log/?name=olive").context["page"]
    by_actor = client.get(f"/clinic/access-log/?actor={p.care_clinician.pk}").context["page"]

    assert [(row.what, row.patient_name) for row in by_patient.rows] == [
        ("Score summary on the caseload", "Pat Patient"),
        ("A session: its plan, intentions and notes", "Pat Patient"),
    ]
    assert ("Score summary on the caseload", "Olive Other") in [
        (row.what, row.patient_name) for row in by_name.rows
    ]
    assert [row.shown for row in by_actor.rows] == [2, 0]


def test_another_clinics_admin_cannot_open_a_list_page(clinic_log: Personas) -> None:
    p = clinic_log
    _list_read(p.care_clinician, p.patient)
    event = AuditEvent.objects.get(patient__isnull=True)
    single = AuditEvent.objects.filter(patient=p.patient).first()
    assert single is not None
    other_admin = factories.ClinicAdminFactory(clinic=p.other_clinic_clinician.clinic)

    assert client_for(other_admin).get(f"/clinic/access-log/lists/{event.pk}/").status_code == 404
    assert (
        client_for(p.clinic_admin).get(f"/clinic/access-log/lists/{single.pk}/").status_code == 404
    )


def test_the_patients_export_holds_the_list_pages_that_showed_them(personas: Personas) -> None:
    from claywork.ownership.export_sections import access_log

    p = personas
    _read(p.care_clinician, p.patient, "measures.progress")
    _list_read(p.care_clinician, p.patient, p.other_patient)
    _list_read(p.care_clinician, p.other_patient)

    log = access_log(p.patient)

    assert [row["what"] for row in log] == [
        "Check-in and questionnaire scores",
        "Score summary on the caseload",
    ]
