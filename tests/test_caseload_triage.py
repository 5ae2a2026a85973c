"""The caseload as a triage list: last check-in, mood line, fading, alert severity, scales
due, the filters, the saved view and the query count."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claywork.accounts.models import User
from claywork.clinics import consent
from claywork.clinics.models import Clinic
from claywork.measures import effect, schedule
from claywork.measures import services as measures
from claywork.measures.caseload import CaseloadRow, caseload_rows
from claywork.measures.models import CaseloadPreference, FadingEpisode
from claywork.measures.selectors import patient_today
from claywork.measures.triage import is_overdue
from claywork.safety.models import AlertKind, Severity
from claywork.safety.services import alert_raise
from tests import factories
from tests.conftest import Personas, client_for


def _check_in(patient: User, *, days_ago: int, mood: int = 6) -> None:
    measures.check_in_save(
        patient=patient,
        day=patient_today(patient) - timedelta(days=days_ago),
        values=measures.CheckInValues(mood),
    )


def _row(clinician: User, name: str = "Pat Patient", show: str | None = None) -> CaseloadRow:
    return {row.full_name: row for row in caseload_rows(clinician, None, show)}[name]


def _names(clinician: User, query: str = "") -> list[str]:
    response = client_for(clinician).get(f"/{query}")
    assert response.status_code == 200
    return [row.full_name for row in response.context["caseload"]]


def _fading(patient: User, rule: str) -> FadingEpisode:
    return FadingEpisode.objects.create(
        patient=patient,
        started_on=patient_today(patient) - timedelta(days=4),
        rule=rule,
        detail="mood 3.1 against usual 6.2",
        latest_rule=rule,
        latest_detail="mood 3.1 against usual 6.2",
        tier=effect.EARLY_WARNING if rule == effect.MOOD_EARLY_WARNING else effect.ALERT,
    )


def _alert(patient: User, severity: str, key: str) -> None:
    alert_raise(
        patient=patient,
        kind=AlertKind.MISSED_CHECK_INS,
        severity=severity,
        title="Triage test alert",
        dedupe_key=f"triage:{patient.pk}:{key}",
    )


# --- Columns ------------------------------------------------------------------------------


def test_last_check_in_turns_red_after_the_clinics_missed_check_in_setting(
    personas: Personas,
) -> None:
    Clinic.objects.filter(pk=personas.patient.clinic_id).update(missed_check_in_days=5)
    _check_in(personas.patient, days_ago=5)
    row = _row(personas.care_clinician)
    assert (row.days_since_check_in, row.check_in_late) == (5, False)

    _check_in(personas.patient, days_ago=6)  # an older one changes nothing
    Clinic.objects.filter(pk=personas.patient.clinic_id).update(missed_check_in_days=4)
    row = _row(personas.care_clinician)
    assert (row.days_since_check_in, row.check_in_late) == (5, True)
    page = client_for(personas.care_clinician).get("/?show=all").content.decode()
    assert '<span class="late">5 days ago</span>' in page
    assert "turns red after 4 days" in page


def test_without_a_clinic_setting_the_deployment_default_applies(
    personas: Personas, settings: Any
) -> None:
    settings.CLAYWORK_MISSED_CHECK_INS_DAYS = 2
    _check_in(personas.patient, days_ago=3)
    assert _row(personas.care_clinician).check_in_late


def test_the_row_draws_14_days_of_mood_with_gaps(personas: Personas) -> None:
    for days_ago, mood in ((0, 7), (1, 5), (13, 2), (20, 9)):
        _check_in(personas.patient, days_ago=days_ago, mood=mood)

    line = _row(personas.care_clinician).sparkline

    assert line is not None
    moods = [point.mood for point in line.points]
    assert len(moods) == 14
    assert (moods[0], moods[-2], moods[-1]) == (2, 5, 7)
    assert moods[1:12] == [None] * 11
    page = client_for(personas.care_clinician).get("/").content.decode()
    assert "Mood, last 14 days, oldest first: 2, none" in page


@pytest.mark.parametrize(
    ("rule", "tier", "depth"),
    [
        (effect.MOOD_EARLY_WARNING, effect.TIER_TITLES[effect.EARLY_WARNING], 1),
        (effect.PHQ9_RELIABLE_RISE, effect.TIER_TITLES[effect.ALERT], 2),
    ],
)
def test_the_fading_flag_names_its_rule_and_tier(
    personas: Personas, rule: str, tier: str, depth: int
) -> None:
    _fading(personas.patient, rule)

    row = _row(personas.care_clinician)

    assert row.fading is not None
    assert (row.fading.tier, row.fading.depth) == (tier, depth)
    assert row.fading.words.startswith(effect.RULE_TITLES[rule])
    assert tier in row.attention_reasons
    page = client_for(personas.care_clinician).get("/").content.decode()
    assert effect.RULE_TITLES[rule] in page


def test_an_ended_fading_episode_is_no_flag(personas: Personas) -> None:
    episode = _fading(personas.patient, effect.MOOD_EARLY_WARNING)
    FadingEpisode.objects.filter(pk=episode.pk).update(ended_on=patient_today(personas.patient))
    assert _row(personas.care_clinician).fading is None


def test_the_highest_open_alert_severity_is_shown(personas: Personas) -> None:
    _alert(personas.patient, Severity.LOW, "a")
    _alert(personas.patient, Severity.HIGH, "b")
    _alert(personas.patient, Severity.MEDIUM, "c")
    row = _row(personas.care_clinician)
    assert (row.open_alerts, row.open_alert_severity) == (3, "high")
    assert row.attention_reasons[0] == "High alert open"


def test_a_missing_baseline_after_a_session_is_overdue_and_a_weekly_scale_only_due(
    personas: Personas,
) -> None:
    # The personas' patient has a course with a completed session and no scales yet.
    scales = _row(personas.care_clinician).scales_due
    assert [(scale.title, scale.overdue) for scale in scales] == [
        ("PHQ-9", True),
        ("GAD-7", True),
    ]
    assert "Scale overdue" in _row(personas.care_clinician).attention_reasons


@pytest.mark.parametrize(
    ("today", "overdue"),
    [
        (date(2026, 5, 8), False),  # three days before the session: due, not yet overdue
        (date(2026, 5, 9), False),
        (date(2026, 5, 10), True),  # the day before it, still missing: overdue
        (date(2026, 5, 11), True),
    ],
)
def test_a_scale_for_the_next_session_is_overdue_from_the_day_before_it(
    today: date, overdue: bool
) -> None:
    due = schedule.DueScale("phq9", "before your next session")

    assert (
        is_overdue(
            due,
            today=today,
            last=date(2026, 5, 1),
            next_session_day=date(2026, 5, 11),
            completed_count=2,
        )
        is overdue
    )


def test_a_weekly_scale_is_overdue_only_after_its_grace_days() -> None:
    due = schedule.DueScale("gad7", "weekly")
    last = date(2026, 5, 1)

    def overdue_on(today: date) -> bool:
        return is_overdue(due, today=today, last=last, next_session_day=None, completed_count=1)

    assert not overdue_on(last + timedelta(days=schedule.WEEKLY_DAYS))
    assert not overdue_on(last + timedelta(days=schedule.WEEKLY_DAYS + 2))
    assert overdue_on(last + timedelta(days=schedule.WEEKLY_DAYS + 3))


def test_withdrawn_scores_hide_check_ins_mood_fading_and_scales_but_keep_alerts(
    personas: Personas,
) -> None:
    personas.patient.clinic.patients_may_withdraw_scores = True
    personas.patient.clinic.save()
    _check_in(personas.patient, days_ago=9, mood=1)
    _fading(personas.patient, effect.PHQ9_RELIABLE_RISE)
    _alert(personas.patient, Severity.MEDIUM, "kept")
    consent.consent_withdraw(user=personas.patient, topic=consent.SCORES)

    row = _row(personas.care_clinician)

    assert row.last_check_in is None and row.sparkline is None and row.fading is None
    assert row.scales_due == ()
    assert row.attention_reasons == ["Medium alert open"]


# --- Filters and the saved view --------------------------------------------------------------


@pytest.fixture
def triage(personas: Personas) -> User:
    """Four patients of one clinician: Ann (high alert), Ben (in the window now), Cal (quiet
    for 4 days), Dee (checked in today, nothing open)."""
    clinician = factories.ClinicianFactory(clinic=personas.patient.clinic, full_name="Tia Triage")
    patients = {}
    for name in ("Ann", "Ben", "Cal", "Dee"):
        patients[name] = factories.PatientFactory(clinic=clinician.clinic, full_name=name)
        factories.add_to_care_team(patients[name], clinician)
    _alert(patients["Ann"], Severity.HIGH, "ann")
    _check_in(patients["Ann"], days_ago=0)
    course = factories.make_course(patients["Ben"], clinician)
    factories.make_session(
        course, status="completed", completed_at=timezone.now() - timedelta(hours=14)
    )
    _check_in(patients["Ben"], days_ago=1)
    _check_in(patients["Cal"], days_ago=4)
    _check_in(patients["Dee"], days_ago=0)
    return clinician


@pytest.mark.parametrize(
    ("show", "names"),
    [
        ("attention", ["Ann", "Cal", "Ben"]),
        ("window", ["Ben"]),
        ("quiet", ["Cal"]),
        ("all", ["Ann", "Cal", "Ben", "Dee"]),
    ],
)
def test_each_filter_keeps_its_patients_most_urgent_first(
    triage: User, show: str, names: list[str]
) -> None:
    assert _names(triage, f"?show={show}") == names


def test_the_needs_attention_filter_says_why(triage: User) -> None:
    rows = {row.full_name: row for row in caseload_rows(triage, None, "attention")}
    assert rows["Ann"].attention_reasons == ["High alert open"]
    assert rows["Cal"].attention_reasons == ["Check-in overdue"]
    # Ben's baseline is missing after his session.
    assert rows["Ben"].attention_reasons == ["Scale overdue"]


def test_the_chosen_sort_and_filter_are_kept_for_that_clinician_only(
    triage: User, personas: Personas
) -> None:
    assert _names(triage, "?sort=-name&show=all") == ["Dee", "Cal", "Ben", "Ann"]
    assert _names(triage) == ["Dee", "Cal", "Ben", "Ann"]
    assert _names(triage, "?show=quiet") == ["Cal"]
    assert _names(triage) == ["Cal"]
    preference = CaseloadPreference.objects.get(clinician=triage)
    assert (preference.sort, preference.show) == ("-name", "quiet")
    assert not CaseloadPreference.objects.filter(clinician=personas.care_clinician).exists()
    assert _names(personas.care_clinician) == ["Pat Patient"]


@pytest.mark.parametrize("query", ["?show=nonsense", "?show=", "?sort=%00&show=%27--"])
def test_an_unknown_filter_is_ignored_and_not_saved(triage: User, query: str) -> None:
    assert _names(triage, query) == ["Ann", "Cal", "Ben", "Dee"]
    assert not CaseloadPreference.objects.filter(clinician=triage).exists()


def test_a_filter_with_nobody_in_it_says_so_and_links_to_everyone(triage: User) -> None:
    Clinic.objects.filter(pk=triage.clinic_id).update(missed_check_in_days=30)
    page = client_for(triage).get("/?show=quiet&sort=name")
    assert page.context["caseload"] != []  # Cal is still quiet for 4 days
    _check_in(User.objects.get(full_name="Cal"), days_ago=0)
    page = client_for(triage).get("/?show=quiet")
    assert page.context["caseload"] == []
    assert 'href="?show=all"' in page.content.decode()


# --- Query count ------------------------------------------------------------------------------


def _add_patients(clinician: User, count: int, start: int) -> None:
    for n in range(start, start + count):
        patient = factories.PatientFactory(clinic=clinician.clinic, full_name=f"Extra {n:02}")
        factories.add_to_care_team(patient, clinician)
        for days_ago in range(0, 20, 3):
            _check_in(patient, days_ago=days_ago, mood=n % 10)
        course = factories.make_course(patient, clinician)
        factories.make_session(course, status="completed")
        factories.make_session(course)
        if n % 2:
            _fading(patient, effect.MOOD_EARLY_WARNING)
        if n % 3:
            _alert(patient, Severity.MEDIUM, str(n))


@pytest.mark.parametrize("query", ["", "?show=attention", "?show=quiet&sort=-check_in"])
def test_the_triage_caseload_runs_the_same_queries_for_5_or_50_patients(
    personas: Personas, django_assert_max_num_queries: Any, query: str, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page
    clinician = factories.ClinicianFactory(clinic=personas.patient.clinic)
    _add_patients(clinician, 5, 0)
    client = client_for(clinician)
    client.get(f"/{query}")  # warm the session and save the view, as in a real browser
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/{query}").status_code == 200

    _add_patients(clinician, 45, 5)

    # The first view of a list of patients not shown before stores that set once for the audit
    # trail (two statements: the set, then its patients in one insert), whatever its size.
    with django_assert_max_num_queries(len(few) + 2):
        response = client.get(f"/{query}")
    assert response.status_code == 200
    assert len(response.context["caseload"]) <= 50
    with django_assert_max_num_queries(len(few)):
        client.get(f"/{query}")


# --- The clinic's settings ----------------------------------------------------------------------


def test_the_clinic_admin_sets_the_check_in_limit_and_the_session_observations(
    personas: Personas, settings: Any
) -> None:
    settings.CLAYWORK_MISSED_CHECK_INS_DAYS = 3
    admin = client_for(personas.clinic_admin)
    response = admin.post(
        "/clinic/settings/",
        {"missed_check_in_days": "5", "session_observations": ["vitals", "recovery"]},
    )
    assert response.status_code == 302
    clinic = Clinic.objects.get(pk=personas.clinic_admin.clinic_id)
    assert clinic.missed_check_in_days == 5
    assert clinic.session_observations == ["vitals", "recovery"]

    refused = admin.post("/clinic/settings/", {"missed_check_in_days": "many"})
    assert refused.status_code == 400
    assert "Enter a whole number." in refused.content.decode()
    admin.post("/clinic/settings/", {"missed_check_in_days": ""})
    assert Clinic.objects.get(pk=clinic.pk).missed_check_in_limit == 3  # the default again
