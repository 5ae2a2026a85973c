"""The clinician's patient page (/patients/<id>/): risk first, what they need to act, and a
constant number of queries however long the patient's history."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.accounts.services import patient_contact_save
from claywork.care import services as care
from claywork.clinics import consent
from claywork.crisis.services import safety_plan_save
from claywork.measures import services as measures
from claywork.measures.selectors import patient_today
from claywork.safety.models import Alert
from claywork.safety.services import alert_acknowledge, alert_raise
from claywork.sharing.services import share_category, share_item
from tests import factories
from tests.conftest import Personas, client_for

NOTE = "Called her at 14:10; safe, seeing her Friday."


def _on_page(moment: datetime, personas: Personas) -> str:
    """The day of a moment as the chart shows it: in the reading clinician's time zone (late
    in the UTC day it is still yesterday in New York)."""
    return moment.astimezone(personas.care_clinician.zone).strftime("%-d %b %Y")


def _url(personas: Personas) -> str:
    return f"/patients/{personas.patient.pk}/"


def _queries(client: Any, url: str) -> tuple[int, Any]:
    client.get(url)  # warm the session and key caches, as in a real browser
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def _phq9(personas: Personas, item9: int) -> None:
    measures.response_submit(
        response=measures.response_start(
            patient=personas.patient, instrument_code="phq9", submission_id=uuid.uuid4()
        ),
        answers=dict.fromkeys("12345678", 1) | {"9": item9},
    )


def _history(personas: Personas, n: int, start: int) -> None:
    """More of everything the page shows: alerts open and resolved, check-ins, scales, plans,
    courses, shares."""
    today = patient_today(personas.patient)
    for i in range(start, start + n):
        alert, _ = alert_raise(
            patient=personas.patient,
            kind="crisis_language",
            severity="high" if i % 2 else "low",
            title=f"Alert {i}",
            dedupe_key=f"chart:{i}",
        )
        if i % 3 == 0:
            alert_acknowledge(alert=alert, by=personas.care_clinician, note=f"{NOTE} ({i})")
        measures.check_in_save(
            patient=personas.patient,
            day=today - timedelta(days=i),
            values=measures.CheckInValues(i % 10, 3, 5, Decimal("7")),
        )
        _phq9(personas, item9=0)
        safety_plan_save(
            patient=personas.patient,
            author=personas.patient,
            content={"helpers": f"Call Ines ({i})"},
            submission_id=uuid.uuid4(),
        )
        course = factories.make_course(personas.patient, personas.care_clinician, f"Course {i}")
        factories.make_session(course)
        share_item(
            patient=personas.patient, item=factories.make_entry(personas.patient), care_team=True
        )


def test_the_patient_page_runs_the_same_queries_for_a_short_or_long_history(
    personas: Personas, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page
    client = client_for(personas.care_clinician)
    _history(personas, 2, start=0)
    few, _ = _queries(client, _url(personas))
    _history(personas, 12, start=2)
    many, response = _queries(client, _url(personas))

    assert len(response.context["chart"].risk.open_alerts) > 4
    assert len(response.context["chart"].resolved_alerts) > 3
    assert many == few


def test_the_risk_summary_shows_what_a_clinician_needs_first(personas: Personas) -> None:
    _phq9(personas, item9=2)  # raises a high alert too
    safety_plan_save(
        patient=personas.patient,
        author=personas.patient,
        content={"helpers": "Call Ines"},
        submission_id=uuid.uuid4(),
    )
    crisis, _ = alert_raise(
        patient=personas.patient,
        kind="crisis_language",
        severity="high",
        title="Crisis language in a private journal entry",
        dedupe_key="chart:crisis",
    )
    patient_contact_save(
        patient=personas.patient,
        by=personas.patient,
        phone="(415) 555-2671",
        emergency_name="Ines",
        emergency_relationship="sister",
        emergency_phone="+44 20 7946 0958",
    )

    page = client_for(personas.care_clinician).get(_url(personas)).content.decode()

    risk = page[page.index("Risk summary") : page.index("How Pat is doing")]
    assert "2 open" in risk and "badge-high" in risk
    assert "More than half the days (2)" in risk
    assert _on_page(crisis.created_at, personas) in risk
    assert "updated " in risk
    assert 'href="tel:+14155552671"' in risk and 'href="tel:+442079460958"' in risk
    assert "Crisis language in a private journal entry" in page  # the open alert's card


def test_withdrawn_scores_leave_out_item_9_and_check_ins_but_not_the_alerts(
    personas: Personas,
) -> None:
    personas.patient.clinic.patients_may_withdraw_scores = True
    personas.patient.clinic.save()
    _phq9(personas, item9=1)
    consent.consent_withdraw(user=personas.patient, topic=consent.SCORES)

    page = client_for(personas.care_clinician).get(_url(personas)).content.decode()

    assert "Several days (1)" not in page
    assert "not shared" in page
    assert "1 open" in page


def test_resolved_alerts_are_in_the_history_with_who_when_and_note(personas: Personas) -> None:
    alert, _ = alert_raise(
        patient=personas.patient,
        kind="self_harm_answer",
        severity="high",
        title="PHQ-9: self-harm item answered above zero",
        dedupe_key="chart:done",
    )
    alert_acknowledge(alert=alert, by=personas.care_clinician, note=NOTE)

    page = client_for(personas.care_clinician).get(_url(personas)).content.decode()

    history = page[page.index("Alert history") :]
    assert "Cara Clinician" in history and NOTE in history
    assert _on_page(Alert.objects.get(pk=alert.pk).acknowledged_at, personas) in history


def test_the_page_shows_the_latest_check_in_sparkline_scores_and_shares(
    personas: Personas,
) -> None:
    today = patient_today(personas.patient)
    for days_ago, mood in ((0, 7), (1, 6), (3, 4)):
        measures.check_in_save(
            patient=personas.patient,
            day=today - timedelta(days=days_ago),
            values=measures.CheckInValues(mood, 2, 5, Decimal("8")),
        )
    _phq9(personas, item9=0)
    share_category(patient=personas.patient, category="weekly_mood", care_team=True)

    response = client_for(personas.care_clinician).get(_url(personas))
    page = response.content.decode()

    assert "mood 7/10" in page
    line = response.context["chart"].sparkline
    assert len(line.points) == 14 and line.points[-1].mood == 7 and line.points[-3].mood is None
    assert len(line.segments()) == 2  # the day without a check-in breaks the line
    assert "Mood, last 14 days, oldest first:" in page
    assert "PHQ-9" in page and "8 (" in page
    assert "Weekly mood summary" in page or "weekly mood" in page.lower()


def test_only_the_care_team_opens_the_patient_page(personas: Personas) -> None:
    for outsider in (
        personas.outside_clinician,
        personas.other_clinic_clinician,
        personas.clinic_admin,
        personas.other_patient,
        personas.support_person,
    ):
        assert client_for(outsider).get(_url(personas)).status_code == 404
    care.care_team_remove(patient=personas.patient, clinician=personas.care_clinician)
    assert client_for(personas.care_clinician).get(_url(personas)).status_code == 404


def test_the_page_opens_only_the_newest_band_of_each_scale(
    personas: Personas, monkeypatch: Any
) -> None:
    """The page shows each scale's latest score and band; the older bands stay sealed."""
    from claywork.measures import overview

    _phq9(personas, item9=0)
    _phq9(personas, item9=0)
    measures.response_submit(
        response=measures.response_start(
            patient=personas.patient, instrument_code="phq9", submission_id=uuid.uuid4()
        ),
        answers=dict.fromkeys("123456789", 3),
    )
    opened: list[str] = []
    open_band = overview._band
    monkeypatch.setattr(
        overview,
        "_band",
        lambda sealed, patient: opened.append(sealed) or open_band(sealed, patient),
    )

    page = client_for(personas.care_clinician).get(_url(personas)).content.decode()
    every_band = overview.score_trends(personas.patient)

    phq9 = next(trend for trend in every_band if trend.instrument.code == "phq9")
    assert f"27 ({phq9.latest.band})" in page
    charted = len(every_band)
    assert len(opened) == charted + sum(len(trend.points) for trend in every_band)
