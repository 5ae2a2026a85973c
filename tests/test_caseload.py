"""The clinician's caseload: scores, response and remission, sessions, alerts, sorting, queries."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care.models import CareTeamMembership, Session
from claywork.measures import instruments
from claywork.measures import services as measures
from claywork.measures.caseload import SORT_KEYS, CaseloadRow, caseload_rows
from claywork.measures.models import ScaleResponse
from claywork.measures.selectors import patient_today
from claywork.safety.models import Alert, AlertKind, Severity
from claywork.safety.services import alert_raise
from tests import factories
from tests.conftest import Personas, client_for


def _answers(code: str, total: int) -> dict[str, int]:
    """Answers adding up to ``total``, leaving safety items (PHQ-9 item 9) at zero."""
    instrument = instruments.get_instrument(code)
    highest = max(option.value for option in instrument.answers)
    answers = {}
    for item in instrument.items:
        value = 0 if item.safety_flag else min(highest, total)
        answers[item.link_id] = value
        total -= value
    assert total == 0, "total too high for the non-safety items"
    return answers


def _respond(patient: User, code: str, total: int, *, days_ago: int) -> ScaleResponse:
    response = measures.response_start(
        patient=patient, instrument_code=code, submission_id=uuid.uuid4()
    )
    response = measures.response_submit(response=response, answers=_answers(code, total))
    completed_at = timezone.now() - timedelta(days=days_ago)
    ScaleResponse.objects.filter(pk=response.pk).update(completed_at=completed_at)
    return response


def _scores(patient: User, code: str, *totals: int) -> None:
    """Completed responses a week apart, the first one the baseline."""
    for weeks_ago, total in zip(range(len(totals), 0, -1), totals, strict=True):
        _respond(patient, code, total, days_ago=7 * weeks_ago)


def _treated_since(patient: User, *, days_ago: int) -> None:
    """The patient's completed sessions moved back: scores after it count as treated."""
    Session.objects.filter(patient=patient, status="completed").update(
        completed_at=timezone.now() - timedelta(days=days_ago)
    )


def _alerts(patient: User, *, open_count: int, acknowledged_count: int = 0) -> None:
    for n in range(open_count + acknowledged_count):
        alert, _ = alert_raise(
            patient=patient,
            kind=AlertKind.MISSED_CHECK_INS,
            severity=Severity.LOW,
            title="Missed check-ins",
            dedupe_key=f"test:{patient.pk}:{n}",
        )
        if n >= open_count:
            Alert.objects.filter(pk=alert.pk).update(acknowledged_at=timezone.now())


def _local_noon(clinician: User, days_ago: int) -> datetime:
    today = timezone.now().astimezone(clinician.zone).date()
    return datetime.combine(today - timedelta(days=days_ago), time(12), tzinfo=clinician.zone)


def _rows_for(clinician: User, sort: str | None = None) -> dict[str, CaseloadRow]:
    return {row.full_name: row for row in caseload_rows(clinician, sort)}


def _names(clinician: User, query: str = "") -> list[str]:
    response = client_for(clinician).get(f"/{query}")
    assert response.status_code == 200
    return [row.full_name for row in response.context["caseload"]]


# --- The numbers ------------------------------------------------------------------------------


def test_latest_baseline_change_response_and_remission_come_from_completed_responses(
    personas: Personas,
) -> None:
    patient = personas.patient
    _treated_since(patient, days_ago=90)
    _scores(patient, "phq9", 20, 12, 4)
    _scores(patient, "gad7", 14, 8)
    # Half-finished questionnaires are neither the latest nor the baseline.
    measures.response_start(patient=patient, instrument_code="phq9", submission_id=uuid.uuid4())

    row = _rows_for(personas.care_clinician)["Pat Patient"]

    assert row.phq9 is not None and row.gad7 is not None
    assert (row.phq9.baseline, row.phq9.latest, row.phq9.change) == (20, 4, -16)
    assert row.phq9.band == "Minimal"
    assert row.phq9.response and row.phq9.remission
    assert (row.gad7.baseline, row.gad7.latest, row.gad7.change) == (14, 8, -6)
    assert row.gad7.band == "Mild"
    assert not row.gad7.response and not row.gad7.remission


def test_baseline_is_the_first_completed_response_whatever_order_they_were_saved_in(
    personas: Personas,
) -> None:
    _treated_since(personas.patient, days_ago=90)
    _respond(personas.patient, "phq9", 9, days_ago=1)
    _respond(personas.patient, "phq9", 18, days_ago=60)
    _respond(personas.patient, "phq9", 14, days_ago=30)

    row = _rows_for(personas.care_clinician)["Pat Patient"]

    assert row.phq9 is not None
    assert (row.phq9.baseline, row.phq9.latest, row.phq9.change) == (18, 9, -9)
    assert row.phq9.response  # 9 points is exactly half of 18
    assert not row.phq9.remission


@pytest.mark.parametrize(
    ("totals", "response", "remission"),
    [
        ((10, 5), True, False),  # a 50% drop is a response; 5 is not under 5
        ((10, 6), False, False),
        ((12, 4), True, True),
        ((14, 8), False, False),
        ((6, 4), False, False),  # from a baseline under 10 neither means anything
        ((4, 2), False, False),
        ((0, 0), False, False),
        ((3, 9), False, False),
    ],
)
def test_response_and_remission_follow_the_phq9_rules(
    personas: Personas, totals: tuple[int, int], response: bool, remission: bool
) -> None:
    _treated_since(personas.patient, days_ago=90)
    _scores(personas.patient, "phq9", *totals)

    row = _rows_for(personas.care_clinician)["Pat Patient"]

    assert row.phq9 is not None
    assert (row.phq9.response, row.phq9.remission) == (response, remission)
    assert row.status_rank == ((2 if remission else 1 if response else 0), -1)


def test_a_patient_without_scales_has_no_standing(personas: Personas) -> None:
    row = _rows_for(personas.care_clinician)["Pat Patient"]
    assert row.phq9 is None and row.gad7 is None and row.status_rank is None


def test_open_alerts_count_only_the_unacknowledged(personas: Personas) -> None:
    _alerts(personas.patient, open_count=2, acknowledged_count=1)
    _alerts(personas.other_patient, open_count=3)

    assert _rows_for(personas.care_clinician)["Pat Patient"].open_alerts == 2


def test_days_since_last_completed_session(personas: Personas) -> None:
    clinician = personas.care_clinician
    assert _rows_for(clinician)["Pat Patient"].days_since_session == 0
    factories.make_session(
        personas.course, status="completed", completed_at=_local_noon(clinician, 40)
    )
    assert _rows_for(clinician)["Pat Patient"].days_since_session == 0
    personas.completed.refresh_from_db()
    personas.completed.completed_at = _local_noon(clinician, 10)
    personas.completed.save(update_fields=["completed_at"])

    row = _rows_for(clinician)["Pat Patient"]

    assert row.days_since_session == 10
    assert row.completed_count == 2
    assert row.next_session_at == personas.scheduled.scheduled_at


def test_no_response_or_remission_before_treatment_began(personas: Personas) -> None:
    _scores(personas.patient, "phq9", 20, 4)  # both before the session completed today

    row = _rows_for(personas.care_clinician)["Pat Patient"]

    assert row.phq9 is not None and row.phq9.change == -16
    assert not row.phq9.response and not row.phq9.remission


def test_the_page_shows_the_numbers_and_links_to_record_and_progress(personas: Personas) -> None:
    _treated_since(personas.patient, days_ago=90)
    _scores(personas.patient, "phq9", 20, 4)
    _alerts(personas.patient, open_count=1)
    patient_id = personas.patient.pk

    page = client_for(personas.care_clinician).get("/").content.decode()

    assert "<caption" in page and 'scope="col"' in page and 'scope="row"' in page
    assert f'href="/patients/{patient_id}/"' in page
    assert f'href="/patients/{patient_id}/progress/"' in page
    assert '4 <span class="muted">Minimal</span>' in page
    assert '-16 <span class="muted">from 20</span>' in page
    assert "PHQ-9: Remission" in page
    assert "<strong>1</strong>" in page


# --- Who is listed ----------------------------------------------------------------------------


def test_a_patients_name_is_escaped_in_their_caseload_row(personas: Personas) -> None:
    User.objects.filter(pk=personas.patient.pk).update(full_name="<b>Ada</b> & Co")

    page = client_for(personas.care_clinician).get("/").content.decode()

    assert "&lt;b&gt;Ada&lt;/b&gt; &amp; Co</a>" in page
    assert "<b>Ada</b>" not in page


def test_only_patients_on_the_clinicians_care_teams_are_listed(personas: Personas) -> None:
    clinician = personas.care_clinician
    elsewhere = factories.PatientFactory(
        clinic=personas.other_clinic_clinician.clinic, full_name="Far Away"
    )
    factories.add_to_care_team(elsewhere, personas.other_clinic_clinician)
    # A stray link across clinics (never made by the services) still does not show them.
    CareTeamMembership.objects.create(patient=elsewhere, clinician=clinician, care_role="guide")
    _scores(personas.other_patient, "phq9", 12)

    assert _names(clinician) == ["Pat Patient"]
    assert _names(personas.outside_clinician) == ["Olive Other"]
    assert _names(personas.other_clinic_clinician) == ["Far Away"]


# --- Sorting ----------------------------------------------------------------------------------


@pytest.fixture
def sorting_caseload(personas: Personas) -> User:
    """Four patients whose values differ in every column (Di has no scales, Cy no sessions)."""
    clinic = personas.patient.clinic
    clinician = factories.ClinicianFactory(clinic=clinic, full_name="Sol Sorter")
    patients = {}
    for name in ("Cy", "Ada", "Di", "Bo"):
        patients[name] = factories.PatientFactory(clinic=clinic, full_name=name)
        factories.add_to_care_team(patients[name], clinician)
    ada, bo, cy, di = (patients[name] for name in ("Ada", "Bo", "Cy", "Di"))
    _scores(ada, "phq9", 20, 4)  # remission
    _scores(ada, "gad7", 5, 9)  # worse
    _scores(bo, "phq9", 2, 10)  # worse
    _scores(bo, "gad7", 20, 6)  # response
    _scores(cy, "phq9", 24, 12)  # response
    _scores(cy, "gad7", 15, 3)  # remission
    for patient, last_days_ago, next_in_days in ((ada, 3, 5), (bo, 30, 1), (di, 1, None)):
        course = factories.make_course(patient, clinician)
        # The course began before the scales, so they count as treated.
        factories.make_session(course, status="completed", completed_at=_local_noon(clinician, 60))
        factories.make_session(
            course, status="completed", completed_at=_local_noon(clinician, last_days_ago)
        )
        if next_in_days:
            factories.make_session(course, at=timezone.now() + timedelta(days=next_in_days))
    _alerts(bo, open_count=2, acknowledged_count=1)
    _alerts(cy, open_count=1)
    for patient, days_ago in ((ada, 1), (bo, 5), (di, 0)):  # Cy never checked in
        _check_in(patient, days_ago=days_ago, mood=6)
    return clinician


def _check_in(patient: User, *, days_ago: int, mood: int) -> None:
    measures.check_in_save(
        patient=patient,
        day=patient_today(patient) - timedelta(days=days_ago),
        values=measures.CheckInValues(mood),
    )


# Each column, ascending then descending. Rows without a value stay last either way, and rows
# with the same value stay in name order.
SORTED = {
    # Bo (low alerts, checked in 5 days ago), Cy (a low alert), Di (no baseline after two
    # sessions: overdue), Ada (nothing)
    "attention": ("Bo Cy Di Ada", "Ada Di Cy Bo"),
    "check_in": ("Di Ada Bo Cy", "Bo Ada Di Cy"),  # today, 1, 5 days ago, never
    "name": ("Ada Bo Cy Di", "Di Cy Bo Ada"),
    "phq9": ("Ada Bo Cy Di", "Cy Bo Ada Di"),  # 4, 10, 12, none
    "phq9_change": ("Ada Cy Bo Di", "Bo Cy Ada Di"),  # -16, -12, +8, none
    "gad7": ("Cy Bo Ada Di", "Ada Bo Cy Di"),  # 3, 6, 9, none
    "gad7_change": ("Bo Cy Ada Di", "Ada Cy Bo Di"),  # -14, -12, +4, none
    # Cy (no session, so neither), Bo (PHQ-9 none, GAD-7 response), Ada (remission; her GAD-7
    # baseline of 5 is under 10, so none)
    "status": ("Cy Bo Ada Di", "Ada Bo Cy Di"),
    "last_session": ("Di Ada Bo Cy", "Bo Ada Di Cy"),  # 1, 3, 30 days ago, never
    "next_session": ("Bo Ada Cy Di", "Ada Bo Cy Di"),  # in 1 day, in 5 days, none, none
    "alerts": ("Ada Di Cy Bo", "Bo Cy Ada Di"),  # 0, 0, 1, 2
}


def test_every_column_has_an_expected_order() -> None:
    assert set(SORTED) == set(SORT_KEYS)


@pytest.mark.parametrize("key", sorted(SORTED))
def test_sorting_by_each_column_both_ways(sorting_caseload: User, key: str) -> None:
    ascending, descending = SORTED[key]
    assert _names(sorting_caseload, f"?sort={key}") == ascending.split()
    assert _names(sorting_caseload, f"?sort=-{key}") == descending.split()


@pytest.mark.parametrize(
    "sort", ["", "?sort=", "?sort=-", "?sort=password", "?sort=full_name", "?sort=name%27--"]
)
def test_an_unknown_sort_falls_back_to_needs_attention_first(
    sorting_caseload: User, sort: str
) -> None:
    response = client_for(sorting_caseload).get(f"/{sort}")
    assert response.status_code == 200
    assert [row.full_name for row in response.context["caseload"]] == ["Bo", "Cy", "Di", "Ada"]
    active = [column for column in response.context["columns"] if column.aria_sort]
    assert [(column.key, column.aria_sort) for column in active] == [("attention", "ascending")]


def test_column_headers_link_to_their_sort_and_mark_the_active_one(
    sorting_caseload: User,
) -> None:
    page = client_for(sorting_caseload).get("/?sort=-alerts").content.decode()

    assert page.count("aria-sort=") == 1
    assert '<th scope="col" aria-sort="descending"><a href="?sort=alerts">Open alerts' in page
    assert '<a href="?sort=-name">Patient</a>' not in page  # name sorts A-Z first
    assert '<a href="?sort=name">Patient</a>' in page
    assert '<a href="?sort=-phq9">PHQ-9</a>' in page  # the highest score first


# --- Query count ------------------------------------------------------------------------------


def _add_patients(clinician: User, count: int) -> None:
    for n in range(count):
        patient = factories.PatientFactory(clinic=clinician.clinic, full_name=f"Extra {n:02}")
        factories.add_to_care_team(patient, clinician)
        _scores(patient, "phq9", 15, 12, 6)
        _scores(patient, "gad7", 11, 4)
        course = factories.make_course(patient, clinician)
        factories.make_session(course, status="completed")
        factories.make_session(course)
        _alerts(patient, open_count=n % 3, acknowledged_count=1)


@pytest.mark.parametrize("sort", ["name", "-status", "phq9_change"])
def test_the_caseload_page_runs_the_same_queries_for_3_or_40_patients(
    personas: Personas, django_assert_max_num_queries: Any, sort: str
) -> None:
    clinician = personas.care_clinician
    _add_patients(clinician, 2)
    client = client_for(clinician)
    client.get("/")  # warm the session, as in a real browser
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(f"/?sort={sort}").context["caseload"]) == 3

    _add_patients(clinician, 37)

    with django_assert_max_num_queries(len(few)):
        assert len(client.get(f"/?sort={sort}").context["caseload"]) == 40
