"""Staff pages that list many rows a page at a time (the alert inbox's open alerts, the clinic
admin's patients), the pager's answers to bad page numbers, and the navigation's count of
open alerts, which no longer reads the two policy querysets it stands for."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.accounts.models import User
from claywork.clinics import people
from claywork.core.paging import list_page, page_number
from claywork.core.policy import alerts_told_to, alerts_visible_to
from claywork.safety import selectors
from claywork.safety.models import Alert
from claywork.safety.services import alert_acknowledge, alert_raise, on_call_set
from tests import factories
from tests.conftest import Personas, client_for

NOTE = "Called; safe."


def _patients(personas: Personas, count: int, *, care_team: bool = True) -> list[User]:
    made = []
    for n in range(count):
        patient = factories.PatientFactory(
            clinic=personas.patient.clinic, full_name=f"Listed Patient {n:03}"
        )
        if care_team:
            factories.add_to_care_team(patient, personas.care_clinician)
        made.append(patient)
    return made


def _raise(patient: User, key: str, severity: str = "high") -> Alert:
    alert, _ = alert_raise(
        patient=patient,
        kind="self_harm_answer",
        severity=severity,
        title=f"Alert {key}",
        dedupe_key=f"list:{key}",
    )
    return alert


def _card_ids(page: str, list_id: str) -> list[str]:
    section = page[page.index(f'id="{list_id}"') :]
    section = section[: section.index("</ul>")]
    return [part.split('"')[0] for part in section.split('id="alert-')[1:]]


@pytest.mark.parametrize(
    ("text", "number"),
    [(None, 1), ("", 1), ("2", 2), ("0", 1), ("-3", 1), ("two", 1), ("9" * 40, 1), ("³", 1)],
)
def test_a_page_number_that_is_not_a_positive_number_is_the_first_page(
    text: str | None, number: int
) -> None:
    assert page_number(text) == number


def test_the_inbox_shows_open_alerts_a_page_at_a_time_most_severe_first(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "OPEN_PAGE_SIZE", 3)
    patients = _patients(personas, 5)
    alerts = [
        _raise(patient, str(n), "medium" if n < 2 else "high") for n, patient in enumerate(patients)
    ]
    client = client_for(personas.care_clinician)

    first = client.get("/alerts/").content.decode()
    second = client.get("/alerts/?page=2").content.decode()

    newest_high_first = [alerts[4], alerts[3], alerts[2], alerts[1], alerts[0]]
    assert _card_ids(first, "open-alerts") == [str(a.pk) for a in newest_high_first[:3]]
    assert _card_ids(second, "open-alerts") == [str(a.pk) for a in newest_high_first[3:]]
    assert 'id="open-count">(5)' in first
    assert "Open alerts 1–3 of 5 (page 1 of 2)" in first
    assert 'href="?page=2#open-heading" rel="next"' in first
    assert 'href="?page=1#open-heading" rel="prev"' in second
    assert 'rel="next"' not in second


@pytest.mark.parametrize("query", ["?page=99", "?page=abc", "?page=-1", "?told_page=%00"])
def test_a_page_past_the_end_or_not_a_number_still_answers(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    monkeypatch.setattr(selectors, "OPEN_PAGE_SIZE", 2)
    for n, patient in enumerate(_patients(personas, 3)):
        _raise(patient, str(n))

    response = client_for(personas.care_clinician).get(f"/alerts/{query}")

    assert response.status_code == 200
    assert len(response.context["inbox"].open) in (1, 2)
    assert response.context["inbox"].open_page.total == 3


def test_a_short_list_is_read_without_a_count(personas: Personas) -> None:
    for n, patient in enumerate(_patients(personas, 2)):
        _raise(patient, str(n))
    alerts = selectors.with_people(alerts_visible_to(personas.care_clinician))

    with CaptureQueriesContext(connection) as short:
        page = list_page(alerts.order_by("pk"), 1, size=5)
    with CaptureQueriesContext(connection) as long:
        later = list_page(alerts.order_by("pk"), 2, size=1)

    assert (page.total, page.pages, len(page.rows)) == (2, 1, 2)
    assert (later.number, later.total, later.has_next, later.has_previous) == (2, 2, False, True)
    assert len(short.captured_queries) == 1
    assert len(long.captured_queries) == 2


def test_the_inbox_reads_the_same_queries_for_one_page_or_many(
    personas: Personas,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: Any,
    settings: Any,
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page
    monkeypatch.setattr(selectors, "OPEN_PAGE_SIZE", 4)
    for n, patient in enumerate(_patients(personas, 5)):
        _raise(patient, f"a{n}")
    client = client_for(personas.care_clinician)
    client.get("/alerts/")
    with CaptureQueriesContext(connection) as two_pages:
        client.get("/alerts/")
    two_pages_queries = len(two_pages)  # read now: the next request resets the query log

    for n, patient in enumerate(_patients(personas, 12)):
        _raise(patient, f"b{n}")
    # A list of patients not shown before is stored once for the audit trail (two queries,
    # decision 0004): read page 3 once, then compare a view like the one measured above.
    client.get("/alerts/?page=3")

    with django_assert_max_num_queries(two_pages_queries):
        inbox = client.get("/alerts/?page=3").context["inbox"]
    assert len(inbox.open) == 4
    assert inbox.open_page.pages == 5


def test_the_admins_open_alerts_sent_to_them_are_paged_too(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "OPEN_PAGE_SIZE", 2)
    for n, patient in enumerate(_patients(personas, 3, care_team=False)):
        _raise(patient, f"told{n}")

    page = client_for(personas.clinic_admin).get("/alerts/?told_page=2").content.decode()

    assert len(_card_ids(page, "told-open-alerts")) == 1
    assert "Open alerts sent to you 3–3 of 3 (page 2 of 2)" in page
    assert 'href="?told_page=1#told-heading" rel="prev"' in page


def test_the_navigation_counts_the_same_alerts_as_the_two_policy_querysets(
    personas: Personas,
) -> None:
    """Care-team alerts, alerts sent as on-call staff, acknowledged ones left out, another
    clinic's never."""
    before = selectors.open_alert_count(personas.care_clinician)
    mine = _patients(personas, 2)
    orphans = _patients(personas, 2, care_team=False)
    on_call_set(clinic=personas.patient.clinic, people=[personas.care_clinician])
    _raise(mine[0], "mine0")
    alert_acknowledge(alert=_raise(mine[1], "mine1"), by=personas.care_clinician, note=NOTE)
    for n, patient in enumerate(orphans):
        _raise(patient, f"orphan{n}")
    _raise(factories.PatientFactory(clinic=personas.other_clinic_clinician.clinic), "elsewhere")

    for person in (
        personas.care_clinician,
        personas.clinic_admin,
        personas.outside_clinician,
        personas.other_clinic_clinician,
        personas.patient,
        personas.support_person,
    ):
        expected = (
            alerts_visible_to(person).filter(acknowledged_at__isnull=True).count()
            + alerts_told_to(person).filter(acknowledged_at__isnull=True).count()
        )
        assert selectors.open_alert_count(person) == expected, person.email
    # One of their own open, two sent to them as on-call staff.
    assert selectors.open_alert_count(personas.care_clinician) == before + 3


def test_the_people_page_lists_patients_a_page_at_a_time(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(people, "PATIENTS_PER_PAGE", 2)
    _patients(personas, 3)
    client = client_for(personas.clinic_admin)
    total = User.objects.filter(clinic=personas.patient.clinic, role="patient").count()

    pages = [client.get(f"/clinic/people/?page={n}") for n in (1, 2, 99, "x")]

    assert all(response.status_code == 200 for response in pages)
    names = [[row.full_name for row in response.context["patients"]] for response in pages]
    assert len(names[0]) == 2 and not set(names[0]) & set(names[1])
    last = (total + 1) // 2
    assert pages[2].context["patients_page"].number == last
    assert names[3] == names[0]
    assert f"Patients 1–2 of {total} (page 1 of {last})" in pages[0].content.decode()
