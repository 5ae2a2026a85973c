"""No alert without a reader (issue 18, and part 4 of issue 17): the care team, else the
clinic's on-call list, else the clinic admins; with nobody, the alert stays open as
undeliverable and is routed again, backing off, until someone can receive it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care import services as care
from claywork.clinics.models import Clinic
from claywork.ops.health import health_report
from claywork.safety.delivery import deliveries_send_due
from claywork.safety.models import Alert, Audience, DeliveryPurpose
from claywork.safety.routing import alerts_escalate_due
from claywork.safety.services import alert_acknowledge, alert_raise, on_call_set
from claywork.safety.sweep import outbox_sweep
from tests import factories
from tests.conftest import Personas, client_for

TITLE = "Crisis language in a private journal entry"


def raise_alert(patient: User, key: str = "route:1", severity: str = "high") -> Alert:
    alert, _ = alert_raise(
        patient=patient, kind="crisis_language", severity=severity, title=TITLE, dedupe_key=key
    )
    alert.refresh_from_db()
    return alert


def recipients(alert: Alert, purpose: str = DeliveryPurpose.ALERT) -> set[User]:
    return {row.recipient for row in alert.deliveries.filter(purpose=purpose)}


@pytest.fixture
def later() -> Callable[..., Any]:
    def travel(**delta: float) -> Any:
        return time_machine.travel(timezone.now() + timedelta(**delta), tick=False)

    return travel


@pytest.fixture
def alone(personas: Personas) -> User:
    """A patient of the personas' clinic with no care team."""
    return factories.PatientFactory(clinic=personas.patient.clinic, full_name="Una Alone")


def _deactivate(*users: User) -> None:
    for user in users:
        User.objects.filter(pk=user.pk).update(is_active=False)


# --- Who receives an alert ------------------------------------------------------------------


def test_the_care_team_receives_the_alert(personas: Personas) -> None:
    alert = raise_alert(personas.patient)

    assert recipients(alert) == {personas.care_clinician}
    assert alert.routed_to == Audience.CARE_TEAM


def test_without_a_care_team_the_on_call_list_receives_it(personas: Personas, alone: User) -> None:
    on_call_set(clinic=alone.clinic, people=[personas.outside_clinician, personas.clinic_admin])

    alert = raise_alert(alone)

    assert recipients(alert) == {personas.outside_clinician, personas.clinic_admin}
    assert alert.routed_to == Audience.ON_CALL


def test_a_care_team_of_deactivated_clinicians_counts_as_empty(
    personas: Personas,
) -> None:
    on_call_set(clinic=personas.patient.clinic, people=[personas.outside_clinician])
    _deactivate(personas.care_clinician)

    alert = raise_alert(personas.patient)

    assert recipients(alert) == {personas.outside_clinician}


def test_an_on_call_list_naming_a_deactivated_user_skips_them_and_warns_the_admin(
    personas: Personas, alone: User
) -> None:
    on_call_set(clinic=alone.clinic, people=[personas.outside_clinician, personas.clinic_admin])
    _deactivate(personas.outside_clinician)

    alert = raise_alert(alone)
    admin = client_for(personas.clinic_admin)

    assert recipients(alert) == {personas.clinic_admin}
    for page in ("/clinic/settings/", "/clinic/people/"):
        text = admin.get(page).content.decode()
        assert "Otto Outside" in text and "will not receive alerts" in text


def test_without_care_team_or_on_call_list_the_clinic_admins_receive_it(
    personas: Personas, alone: User
) -> None:
    alert = raise_alert(alone)

    assert recipients(alert) == {personas.clinic_admin}
    assert alert.routed_to == Audience.CLINIC_ADMINS


# --- Nobody at all: never "done" ------------------------------------------------------------


def test_an_alert_nobody_can_receive_stays_open_undeliverable_and_is_counted(
    personas: Personas, alone: User
) -> None:
    _deactivate(personas.clinic_admin)

    alert = raise_alert(alone)

    assert alert.deliveries.count() == 0
    assert alert.is_open and alert.is_undeliverable
    assert alert.routed_to == Audience.NOBODY
    assert health_report()["undeliverable_alerts"] == 1
    assert health_report()["status"] == "degraded"


def test_an_undeliverable_alert_is_routed_again_with_backoff_until_someone_can_receive_it(
    personas: Personas, alone: User, later: Callable[..., Any]
) -> None:
    _deactivate(personas.clinic_admin)
    alert = raise_alert(alone)
    first_retry = alert.next_route_at
    assert first_retry is not None

    with later(minutes=1, seconds=5):
        outbox_sweep()
    alert.refresh_from_db()
    assert alert.route_attempts == 2
    assert alert.next_route_at - timezone.now() > timedelta(minutes=2)  # backing off

    # An on-call list appears: its people are told at once, without waiting for the sweep.
    on_call_set(clinic=alone.clinic, people=[personas.outside_clinician])
    alert.refresh_from_db()
    assert recipients(alert) == {personas.outside_clinician}
    assert not alert.is_undeliverable
    assert health_report()["undeliverable_alerts"] == 0


def test_an_escalation_nobody_can_receive_is_not_marked_escalated(
    personas: Personas, alone: User, later: Callable[..., Any]
) -> None:
    # Routed to the admin, who then leaves: the escalation has nobody.
    alert = raise_alert(alone)
    deliveries_send_due()
    _deactivate(personas.clinic_admin)

    with later(minutes=31):
        assert alerts_escalate_due(now=timezone.now()) == 0
    alert.refresh_from_db()
    assert alert.escalated_at is None
    assert alert.is_undeliverable

    User.objects.filter(pk=personas.clinic_admin.pk).update(is_active=True)
    with later(minutes=40):
        assert alerts_escalate_due(now=timezone.now()) == 1
    alert.refresh_from_db()
    assert alert.escalated_at is not None and not alert.is_undeliverable
    assert recipients(alert, DeliveryPurpose.ESCALATION) == {personas.clinic_admin}


def test_escalation_reaches_the_care_team_the_on_call_list_and_the_admins(
    personas: Personas, later: Callable[..., Any]
) -> None:
    on_call_set(clinic=personas.patient.clinic, people=[personas.outside_clinician])
    alert = raise_alert(personas.patient)

    with later(minutes=31):
        alerts_escalate_due(now=timezone.now())

    assert recipients(alert, DeliveryPurpose.ESCALATION) == {
        personas.care_clinician,
        personas.outside_clinician,
        personas.clinic_admin,
    }


# --- Re-routing -----------------------------------------------------------------------------


def test_a_new_care_team_member_is_told_of_the_open_alerts(personas: Personas, alone: User) -> None:
    open_alert = raise_alert(alone, "open")
    done = raise_alert(alone, "done")
    alert_acknowledge(alert=done, by=personas.clinic_admin, note="Called; fine.")
    deliveries_send_due()
    sent_before = len(mail.outbox)

    factories.add_to_care_team(alone, personas.care_clinician)
    deliveries_send_due()

    assert personas.care_clinician in recipients(open_alert)
    assert personas.care_clinician not in recipients(done)
    new_mail = mail.outbox[sent_before:]
    assert [m.to for m in new_mail] == [[personas.care_clinician.email]]
    # Adding the same member again tells nobody twice.
    factories.add_to_care_team(alone, personas.care_clinician)
    assert open_alert.deliveries.filter(recipient=personas.care_clinician).count() == 1


def test_removing_the_last_care_team_member_hands_open_alerts_to_the_on_call_list(
    personas: Personas,
) -> None:
    on_call_set(clinic=personas.patient.clinic, people=[personas.outside_clinician])
    alert = raise_alert(personas.patient)

    care.care_team_remove(patient=personas.patient, clinician=personas.care_clinician)

    assert recipients(alert) == {personas.care_clinician, personas.outside_clinician}
    alert.refresh_from_db()
    assert alert.routed_to == Audience.ON_CALL


# --- Enrolment and the People page ----------------------------------------------------------


def _invite(personas: Personas, **data: Any) -> Any:
    return client_for(personas.clinic_admin).post(
        "/clinic/invite/",
        {"full_name": "Nell New", "email": "nell@example.test", "role": "patient", **data},
    )


def test_a_patient_cannot_be_enrolled_into_an_empty_care_team_without_an_on_call_list(
    personas: Personas,
) -> None:
    response = _invite(personas)

    assert response.status_code == 400
    assert "Choose at least one clinician for the care team" in response.content.decode()
    assert "nell@example.test" in response.content.decode()  # the form keeps what was typed


def test_with_an_on_call_list_a_patient_may_be_enrolled_without_a_care_team(
    personas: Personas,
) -> None:
    on_call_set(clinic=personas.patient.clinic, people=[personas.clinic_admin])

    assert _invite(personas).status_code == 302


def test_a_care_team_cannot_be_emptied_without_an_on_call_list(personas: Personas) -> None:
    url = f"/clinic/patients/{personas.patient.pk}/care-team/"
    response = client_for(personas.clinic_admin).post(url, {"clinicians": []})

    assert response.status_code == 400
    assert care.CareTeamMembership.objects.filter(patient=personas.patient).exists()


def test_the_people_page_marks_patients_without_a_care_team(
    personas: Personas, alone: User
) -> None:
    page = client_for(personas.clinic_admin).get("/clinic/people/").content.decode()
    row = page[page.index("Una Alone") :]
    row = row[: row.index("</tr>")]

    assert "No care team" in row and "go only to the clinic admins" in row
    pat_row = page[page.index("Pat Patient") :]
    assert "No care team" not in pat_row[: pat_row.index("</tr>")]


# --- What the patient is told ---------------------------------------------------------------


def _crisis_entry(client: Any) -> str:
    response = client.post(
        "/journal/new/",
        {
            "kind": "reflection",
            "title": "Tonight",
            "body": "I want to kill myself tonight.",
            "tags": "",
            "submission_id": "5b0f6f5e-8d2e-4b55-9d44-3b8d35b0f0a1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_patient_is_told_their_care_team_knows_only_when_it_does(
    personas: Personas, alone: User
) -> None:
    assert "let your care team know" in _crisis_entry(client_for(personas.patient))

    on_call_set(clinic=alone.clinic, people=[personas.outside_clinician])
    told = _crisis_entry(client_for(alone))
    assert "your clinic's on-call team" in told and "care team" not in told


def test_with_nobody_to_tell_the_patient_is_not_told_anyone_was(
    personas: Personas, alone: User
) -> None:
    _deactivate(personas.clinic_admin)

    told = _crisis_entry(client_for(alone))

    assert "We could not pass this on to anyone at your clinic" in told
    assert "let your" not in told
    assert Alert.objects.get(patient=alone).is_undeliverable


def test_a_clinic_without_any_staff_is_not_a_crash(personas: Personas) -> None:
    empty = Clinic.objects.create(name="Empty", slug="empty")
    patient = factories.PatientFactory(clinic=empty)

    alert = raise_alert(patient)

    assert alert.is_undeliverable
