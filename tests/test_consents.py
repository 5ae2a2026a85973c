"""Consent records: every consent is a row with its words' version and time; the patient sees
them on "My consents", withdraws in one click and gives again, and each rule that reads a
consent (screening of private writing, scores to the care team) follows the latest row."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from claywork.accounts.models import User
from claywork.clinics import consent
from claywork.clinics.models import Clinic, ConsentRecord
from claywork.core import policy
from claywork.journal import services as journal
from claywork.measures import services as measures
from claywork.measures.caseload import caseload_rows
from claywork.measures.models import ScaleResponse
from claywork.safety import free_text
from claywork.safety.models import Alert
from tests import factories
from tests.conftest import Personas, client_for

CANARY = "the heron-canary wants to end it all"


@dataclass(frozen=True)
class StandIn:
    flag: bool
    reason: str = ""
    matched: str = ""

    @property
    def level(self) -> str:
        return "crisis" if self.flag else "none"


@pytest.fixture
def detector(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A stand-in detector that flags one canary phrase and notes every text it is shown."""
    seen: list[str] = []

    def screen(text: str) -> StandIn:
        seen.append(text)
        return StandIn(CANARY in text)

    monkeypatch.setattr(free_text, "screen_text", screen)
    return seen


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _allow_withdrawing_scores(patient: User) -> None:
    Clinic.objects.filter(pk=patient.clinic_id).update(patients_may_withdraw_scores=True)
    patient.refresh_from_db()


def _entry(patient: User, body: str) -> None:
    journal.entry_create(
        patient=patient,
        content=journal.EntryContent(kind="reflection", title="", body=body, tags=[]),
        submission_id=uuid.uuid4(),
    )


def _phq9(patient: User, *, item_9: int) -> None:
    measures.response_submit(
        response=measures.response_start(
            patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
        ),
        answers=dict.fromkeys("12345678", 1) | {"9": item_9},
    )


# --- The ledger -----------------------------------------------------------------------------


def test_giving_and_withdrawing_append_rows_and_the_latest_row_decides(
    personas: Personas,
) -> None:
    patient = personas.patient

    first = consent.consent_give(user=patient, topic="share", version="1", subject="mood:team")
    again = consent.consent_give(user=patient, topic="share", version="1", subject="mood:team")
    withdrawn = consent.consent_withdraw(user=patient, topic="share", subject="mood:team")
    nothing_left = consent.consent_withdraw(user=patient, topic="share", subject="mood:team")
    consent.consent_give(user=patient, topic="share", version="2", subject="mood:team")

    assert again == first  # a double submit records one row
    assert withdrawn is not None and withdrawn.given is False and withdrawn.version == "1"
    assert nothing_left is None
    assert consent.consent_is_given(patient, "share", "mood:team")
    rows = ConsentRecord.objects.filter(user=patient, topic="share").order_by("pk")
    assert [(r.given, r.version) for r in rows] == [(True, "1"), (False, "1"), (True, "2")]
    assert not consent.consent_is_given(patient, "share", "another:subject")


def test_screening_and_scores_stand_by_default_as_part_of_enrolment(personas: Personas) -> None:
    assert consent.consent_is_given(personas.patient, consent.SCREENING)
    assert consent.consent_is_given(personas.patient, consent.SCORES)
    assert not consent.consent_is_given(personas.patient, consent.ENROLMENT)


@pytest.fixture
def legacy_migration_state(transactional_db: None) -> Iterator[MigrationExecutor]:
    """The schema just before the enrolment consent moved into records."""
    executor = MigrationExecutor(connection)
    before = [("clinics", "0004_consent_records"), ("accounts", "0003_user_consent")]
    executor.migrate(before)
    executor.loader.build_graph()
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_data_migration_moves_each_accepted_enrolment_into_records(
    legacy_migration_state: MigrationExecutor,
) -> None:
    executor = legacy_migration_state
    old_apps = executor.loader.project_state(
        [("clinics", "0004_consent_records"), ("accounts", "0003_user_consent")]
    ).apps
    OldUser = old_apps.get_model("accounts", "User")  # noqa: N806
    accepted_at = timezone.now().replace(microsecond=0)
    joined = OldUser.objects.create(
        email="joined@example.test", consent_version="1", consented_at=accepted_at
    )
    OldUser.objects.create(email="staff@example.test", role="clinician")

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    records = ConsentRecord.objects.filter(user_id=joined.pk).order_by("topic")
    assert [(r.topic, r.version, r.given, r.recorded_at) for r in records] == [
        (consent.ENROLMENT, "1", True, accepted_at),
        (consent.SCORES, "1", True, accepted_at),
        (consent.SCREENING, "1", True, accepted_at),
    ]
    assert ConsentRecord.objects.count() == 3


# --- My consents ----------------------------------------------------------------------------


def test_my_consents_shows_each_consent_its_version_date_and_words(personas: Personas) -> None:
    patient = personas.patient
    consent.consent_give(user=patient, topic=consent.ENROLMENT, version=consent.CONSENT_VERSION)
    consent.consent_give(
        user=patient, topic=consent.SHARE, version="1", subject="weekly_mood:care_team"
    )
    consent.consent_give(
        user=patient,
        topic=consent.SHARE,
        version="1",
        subject=f"goals_and_wins:person:{personas.support_person.pk}",
    )

    page = _text(client_for(patient).get("/consents/"))

    assert "Enrolment terms" in page and f"version {consent.CONSENT_VERSION} of the words" in page
    assert "What Claywork stores:" in page  # the words they agreed to
    assert "Safety screening of what you write" in page
    assert "screens what you write (journal entries, check-in notes and intentions)" in page
    assert "Your scores go to your care team" in page
    assert "A standing share: Weekly mood summary, with your care team" in page
    assert "A standing share: Goals and wins, with Sue Support" in page
    assert timezone.localtime(timezone.now(), patient.zone).strftime("%Y") in page
    # Honest about what withdrawing screening means.
    assert "no longer checked for signs of crisis" in page
    assert "Answers to the safety questions in questionnaires still reach your care team" in page
    assert 'action="/consents/screening/withdraw/"' in page
    # The clinic keeps scores as part of care: no withdraw button for them.
    assert 'action="/consents/scores/withdraw/"' not in page
    assert "cannot be switched off here" in page


def test_a_patient_who_agreed_to_earlier_terms_is_shown_those_words(
    personas: Personas,
) -> None:
    consent.consent_give(user=personas.patient, topic=consent.ENROLMENT, version="1")

    page = _text(client_for(personas.patient).get("/consents/"))

    assert "version 1 of the words" in page and "Enrolment terms, version 1." in page
    assert "You can turn this screening off later" not in page  # added in version 2


def test_every_earlier_version_of_the_enrolment_terms_is_kept() -> None:
    from django.template.loader import get_template

    for version in range(1, int(consent.CONSENT_VERSION)):
        get_template(consent.TOPICS[consent.ENROLMENT].template(str(version)))


def test_the_enrolment_terms_say_screening_and_scores_can_be_changed_later(
    personas: Personas,
) -> None:
    from claywork.clinics import services as clinics

    _, token = clinics.invitation_create(
        clinic=personas.clinic_admin.clinic,  # type: ignore[arg-type]
        invited_by=personas.clinic_admin,
        email="nina@example.test",
        full_name="Nina New",
        role="patient",
        care_team=[personas.care_clinician],
    )
    page = _text(Client().get(f"/invitations/{token}/"))

    assert 'You can turn this screening off later on your "My consents" page' in page
    assert "If your clinic allows it, you can stop sending your scores later" in page


@pytest.mark.parametrize("role", ["care_clinician", "clinic_admin", "support_person"])
def test_only_patients_have_a_consents_page(personas: Personas, role: str) -> None:
    client = client_for(personas.role(role))

    assert client.get("/consents/").status_code == 404
    assert client.post("/consents/screening/withdraw/").status_code == 404
    assert not ConsentRecord.objects.exists()


def test_withdrawing_screening_is_one_click_and_recorded_and_regiving_too(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)

    withdrawn = client.post("/consents/screening/withdraw/", follow=True)
    regiven = client.post("/consents/screening/give/", follow=True)

    assert withdrawn.redirect_chain[-1][0] == "/consents/"
    assert "What you write is no longer checked for signs of crisis" in _messages(withdrawn)[0]
    assert "still reach your care team" in _messages(withdrawn)[0]
    assert "Screening is on again" in _messages(regiven)[0]
    rows = ConsentRecord.objects.filter(user=personas.patient, topic=consent.SCREENING)
    assert [(r.given, r.version) for r in rows.order_by("pk")] == [(False, "1"), (True, "1")]
    assert "History" in _text(client.get("/consents/"))


def test_the_enrolment_terms_and_shares_are_not_withdrawn_from_this_page(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)

    assert client.post("/consents/enrolment/withdraw/").status_code == 404
    assert client.post("/consents/share/withdraw/").status_code == 404
    with pytest.raises(consent.ConsentNotWithdrawable):
        consent.consent_withdraw(user=personas.patient, topic=consent.ENROLMENT)
    assert not ConsentRecord.objects.exists()


# --- Screening of private writing -----------------------------------------------------------


def test_writing_of_a_patient_who_withdrew_screening_is_not_screened(
    personas: Personas, detector: list[str]
) -> None:
    consent.consent_withdraw(user=personas.patient, topic=consent.SCREENING)

    _entry(personas.patient, CANARY)
    measures.check_in_save(
        patient=personas.patient,
        day=timezone.localdate(),
        values=measures.CheckInValues(5, 4, 6, 7, note=CANARY),  # type: ignore[arg-type]
    )

    assert detector == []  # the detector never saw the words
    assert not Alert.objects.filter(patient=personas.patient, kind="crisis_language").exists()


def test_screening_stands_for_others_and_returns_when_given_again(
    personas: Personas, detector: list[str]
) -> None:
    consent.consent_withdraw(user=personas.patient, topic=consent.SCREENING)
    _entry(personas.other_patient, CANARY)
    consent.consent_give(user=personas.patient, topic=consent.SCREENING, version="1")
    _entry(personas.patient, CANARY)

    assert Alert.objects.filter(patient=personas.other_patient, kind="crisis_language").exists()
    assert Alert.objects.filter(patient=personas.patient, kind="crisis_language").exists()


def test_a_self_harm_answer_still_alerts_the_care_team_without_screening(
    personas: Personas,
) -> None:
    consent.consent_withdraw(user=personas.patient, topic=consent.SCREENING)

    _phq9(personas.patient, item_9=1)

    assert Alert.objects.filter(patient=personas.patient, kind="self_harm_answer").exists()


# --- Scores to the care team ----------------------------------------------------------------


def test_withdrawing_scores_where_the_clinic_does_not_allow_it_is_refused_with_a_message(
    personas: Personas,
) -> None:
    response = client_for(personas.patient).post("/consents/scores/withdraw/", follow=True)

    assert _messages(response) == [
        "Your clinic keeps check-in and questionnaire scores as part of your care, so this "
        "cannot be switched off here. You can talk it through with your care team."
    ]
    assert not ConsentRecord.objects.exists()
    assert policy.may_read_scores(personas.care_clinician, personas.patient.pk)


def test_where_the_clinic_allows_it_withdrawn_scores_leave_the_care_teams_view(
    personas: Personas,
) -> None:
    p = personas
    _phq9(p.patient, item_9=0)
    _allow_withdrawing_scores(p.patient)
    clinician = client_for(p.care_clinician)
    assert caseload_rows(p.care_clinician)[0].phq9 is not None
    assert clinician.get(f"/patients/{p.patient.pk}/progress/").status_code == 200

    response = client_for(p.patient).post("/consents/scores/withdraw/", follow=True)

    assert "no longer sees your check-in numbers" in _messages(response)[0]
    assert not policy.may_read_scores(p.care_clinician, p.patient.pk)
    row = next(r for r in caseload_rows(p.care_clinician) if r.pk == p.patient.pk)
    assert (row.phq9, row.gad7, row.scores_shared) == (None, None, False)
    home = _text(clinician.get("/"))
    assert "Pat Patient" in home and "Scores not shared" in home
    assert f"/patients/{p.patient.pk}/progress/" not in home
    assert clinician.get(f"/patients/{p.patient.pk}/progress/").status_code == 404
    assert clinician.get(f"/patients/{p.patient.pk}/scores.csv").status_code == 404
    record = _text(clinician.get(f"/patients/{p.patient.pk}/"))
    assert "has chosen not to share their check-in and questionnaire scores" in record
    # The patient still reads their own scores.
    assert client_for(p.patient).get(f"/patients/{p.patient.pk}/progress/").status_code == 200


def test_giving_scores_again_restores_the_care_teams_view(personas: Personas) -> None:
    p = personas
    _allow_withdrawing_scores(p.patient)
    client = client_for(p.patient)
    client.post("/consents/scores/withdraw/")

    client.post("/consents/scores/give/")

    assert policy.may_read_scores(p.care_clinician, p.patient.pk)
    rows = ConsentRecord.objects.filter(user=p.patient, topic=consent.SCORES).order_by("pk")
    assert [r.given for r in rows] == [False, True]


def test_the_clinic_admin_lets_patients_withdraw_scores_on_the_settings_page(
    personas: Personas,
) -> None:
    admin = client_for(personas.clinic_admin)
    assert "Let patients stop sending their scores to their care team" in _text(
        admin.get("/clinic/settings/")
    )

    admin.post("/clinic/settings/", {"patients_may_withdraw_scores": "on"})

    clinic = Clinic.objects.get(pk=personas.clinic_admin.clinic_id)
    assert clinic.patients_may_withdraw_scores and not clinic.suicide_screener_enabled
    page = _text(client_for(personas.patient).get("/consents/"))
    assert 'action="/consents/scores/withdraw/"' in page


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    assert Client().get("/consents/").status_code == 302


def _phq9_scored(patient: User, total: int, *, days_ago: int) -> None:
    answers = {str(n): 0 for n in range(1, 10)}
    for n in range(1, 9):
        answers[str(n)] = min(3, total)
        total -= answers[str(n)]
    response = measures.response_start(
        patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
    )
    measures.response_submit(response=response, answers=answers)
    ScaleResponse.objects.filter(pk=response.pk).update(
        completed_at=timezone.now() - timedelta(days=days_ago)
    )


@pytest.mark.parametrize("withdrawn", [False, True])
def test_a_fading_alert_is_read_from_scores_so_it_follows_their_consent(
    personas: Personas, withdrawn: bool, django_capture_on_commit_callbacks: Any
) -> None:
    patient = personas.other_patient  # no completed session yet in the personas' world
    course = factories.make_course(patient)
    factories.make_session(
        course, status="completed", completed_at=timezone.now() - timedelta(days=30)
    )
    _allow_withdrawing_scores(patient)
    if withdrawn:
        consent.consent_withdraw(user=patient, topic=consent.SCORES)
    _phq9_scored(patient, 4, days_ago=20)
    _phq9_scored(patient, 4, days_ago=13)

    with django_capture_on_commit_callbacks(execute=True):
        _phq9_scored(patient, 15, days_ago=0)  # 11 above its usual 4: alerts alone (10)

    fading = Alert.objects.filter(patient=patient, kind="fading_effect").exists()
    assert fading is not withdrawn
