"""The clinician's alert inbox: who sees what, acknowledging with a note, delivery state."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.accounts.models import User
from claywork.safety.delivery import deliveries_send_due
from claywork.safety.models import Alert
from claywork.safety.services import alert_acknowledge, alert_raise
from tests import factories
from tests.conftest import Personas, client_for

NOTE = "Called her at 14:10; safe, seeing her Friday."


def raise_alert(patient: User, key: str, severity: str = "high", title: str = "") -> Alert:
    alert, _ = alert_raise(
        patient=patient,
        kind="self_harm_answer" if severity == "high" else "fading_effect",
        severity=severity,
        title=title or f"Alert {key}",
        dedupe_key=key,
    )
    return alert


def test_the_inbox_lists_open_alerts_first_most_severe_first(personas: Personas) -> None:
    fading = raise_alert(personas.patient, "fading", severity="medium")
    high = raise_alert(personas.patient, "high")
    done = raise_alert(personas.patient, "done")
    alert_acknowledge(alert=done, by=personas.care_clinician, note=NOTE)

    inbox = client_for(personas.care_clinician).get("/alerts/").context["inbox"]

    assert [a.pk for a in inbox.open] == [high.pk, fading.pk]
    assert [a.pk for a in inbox.acknowledged] == [done.pk]


def test_a_clinician_sees_only_their_care_teams_alerts(personas: Personas) -> None:
    mine = raise_alert(personas.patient, "mine", title="About Pat")
    raise_alert(personas.other_patient, "theirs", title="About Olive")

    page = client_for(personas.care_clinician).get("/alerts/").content.decode()
    other_page = client_for(personas.outside_clinician).get("/alerts/").content.decode()

    assert "About Pat" in page and "About Olive" not in page
    assert "About Olive" in other_page and "About Pat" not in other_page
    for outsider in (personas.outside_clinician, personas.other_clinic_clinician):
        client = client_for(outsider)
        assert client.get(f"/alerts/{mine.pk}/").status_code == 404
        response = client.post(f"/alerts/{mine.pk}/acknowledge/", {"note": NOTE})
        assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.is_open


@pytest.mark.parametrize("role", ["patient", "support_person"])
def test_only_staff_have_an_inbox(personas: Personas, role: str) -> None:
    raise_alert(personas.patient, "any")

    assert client_for(personas.role(role)).get("/alerts/").status_code == 404


def test_a_clinic_admin_sees_no_alert_that_reached_a_care_team(personas: Personas) -> None:
    alert = raise_alert(personas.patient, "any", title="About Pat")
    admin = client_for(personas.clinic_admin)

    page = admin.get("/alerts/")

    assert page.status_code == 200
    assert "About Pat" not in page.content.decode()
    assert "Pat Patient" not in page.content.decode()
    assert admin.get(f"/alerts/{alert.pk}/").status_code == 404


def test_acknowledging_records_who_when_and_a_sealed_note(personas: Personas) -> None:
    alert = raise_alert(personas.patient, "ack")

    response = client_for(personas.care_clinician).post(
        f"/alerts/{alert.pk}/acknowledge/", {"note": NOTE}
    )

    assert response.status_code == 302 and response["Location"] == "/alerts/"
    alert.refresh_from_db()
    assert alert.acknowledged_by == personas.care_clinician
    assert alert.acknowledged_at is not None
    assert alert.note == NOTE
    assert NOTE not in alert.note_sealed and "Friday" not in alert.note_sealed


def test_acknowledging_twice_keeps_the_first_note(personas: Personas) -> None:
    colleague = factories.ClinicianFactory(clinic=personas.patient.clinic)
    factories.add_to_care_team(personas.patient, colleague)
    alert = raise_alert(personas.patient, "twice")

    client_for(personas.care_clinician).post(f"/alerts/{alert.pk}/acknowledge/", {"note": NOTE})
    client_for(colleague).post(f"/alerts/{alert.pk}/acknowledge/", {"note": "Me too."})

    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.note) == (personas.care_clinician, NOTE)


def test_an_acknowledgement_needs_a_note(personas: Personas) -> None:
    alert = raise_alert(personas.patient, "no-note")

    response = client_for(personas.care_clinician).post(
        f"/alerts/{alert.pk}/acknowledge/", {"note": ""}
    )

    assert response.status_code == 400
    alert.refresh_from_db()
    assert alert.is_open


def test_htmx_acknowledges_in_place(personas: Personas) -> None:
    alert = raise_alert(personas.patient, "htmx")

    response = client_for(personas.care_clinician).post(
        f"/alerts/{alert.pk}/acknowledge/", {"note": NOTE}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith(
        f'<li class="card alert-card alert-high" id="alert-{alert.pk}">'
    )
    assert "Acknowledged by Cara Clinician" in page and NOTE in page
    assert "<html" not in page


def test_htmx_shows_a_missing_note_in_place(personas: Personas) -> None:
    alert = raise_alert(personas.patient, "htmx-empty")

    response = client_for(personas.care_clinician).post(
        f"/alerts/{alert.pk}/acknowledge/", {"note": " "}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert "Write what was done before acknowledging" in response.content.decode()


def test_the_inbox_shows_how_each_alerts_emails_are_doing(personas: Personas) -> None:
    alert = raise_alert(personas.patient, "mail")
    client = client_for(personas.care_clinician)

    assert "1 waiting to send" in client.get("/alerts/").content.decode()
    deliveries_send_due()
    assert "sent to 1" in client.get("/alerts/").content.decode()
    detail = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Cara Clinician" in detail and "Sent" in detail


def test_the_clinician_navigation_counts_open_alerts(personas: Personas) -> None:
    raise_alert(personas.patient, "one")
    raise_alert(personas.patient, "two")
    alert_acknowledge(
        alert=raise_alert(personas.patient, "three"), by=personas.care_clinician, note=NOTE
    )

    page = client_for(personas.care_clinician).get("/alerts/").content.decode()
    patient_page = client_for(personas.patient).get("/").content.decode()

    assert (
        '>Alerts<span id="open-alerts-badge"> <span class="badge badge-high">2'
        '<span class="visually-hidden"> open' in page
    )
    assert "/alerts/" not in patient_page


def _add_alerts(personas: Personas, count: int, start: int) -> None:
    for n in range(start, start + count):
        patient = factories.PatientFactory(clinic=personas.patient.clinic)
        factories.add_to_care_team(patient, personas.care_clinician)
        alert = raise_alert(patient, f"many:{n}", severity="high" if n % 2 else "medium")
        if n % 3 == 0:
            alert_acknowledge(alert=alert, by=personas.care_clinician, note=NOTE)


def test_the_inbox_runs_the_same_queries_for_3_or_30_alerts(
    personas: Personas, django_assert_max_num_queries: Any, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page
    _add_alerts(personas, 3, 0)
    client = client_for(personas.care_clinician)
    client.get("/alerts/")  # warm the session and key caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/alerts/").status_code == 200

    _add_alerts(personas, 27, 3)
    deliveries_send_due()

    # The first view of a list of patients not shown before stores that set once for the audit
    # trail (two statements: the set, then its patients in one insert), whatever its size.
    with django_assert_max_num_queries(len(few) + 2):
        inbox = client.get("/alerts/").context["inbox"]
    assert len(inbox.open) + len(inbox.acknowledged) == 30
    with django_assert_max_num_queries(len(few)):
        client.get("/alerts/")
