"""The app, fed a history day by day through its own services with the clock moved, raises the
alerts that one replay of the whole history (``claywork effect``, bench/effect_sim.py) finds:
what the simulation measures is what the app does."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import time_machine
from django.utils import timezone

from claywork.measures import effect, selectors, services
from claywork.measures.models import FadingEpisode
from claywork.safety.models import Alert, AlertKind
from tests import factories

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
DAY_ZERO = date(2026, 1, 5)
SESSIONS = (0, 3, 6)
# Before the course 3; during it 5; 7 until a bad week (days 25-29), 7 again, then a relapse
# from day 45 that the relapse filter alerts on when the episode opens, and a PHQ-9 deepens on
# day 56.
MOOD = (
    {n: 3 for n in range(-14, 0)}
    | {n: 5 for n in range(0, 7)}
    | {n: 7 for n in range(7, 45)}
    | {n: 4 for n in range(25, 30)}
    | dict(
        zip(
            range(45, 66),
            [6, 6, 5, 5, 4, 4, 4, 3, 3, 4, 3, 3, 3, 3, 4, 3, 3, 3, 3, 3, 3],
            strict=True,
        )
    )
)
PHQ9 = {-3: 17, 14: 6, 21: 5, 28: 7, 35: 5, 42: 5, 49: 9, 56: 15, 63: 16}
MISSED = {12, 13, 33, 47, 58}  # no check-in those days


def noon(offset: int) -> datetime:
    return datetime.combine(DAY_ZERO + timedelta(days=offset), datetime.min.time(), UTC).replace(
        hour=17  # noon in New York
    )


def phq9_answers(total: int) -> dict[str, int]:
    answers = {str(n): 0 for n in range(1, 10)}
    for n in range(1, 9):
        answers[str(n)] = min(3, total)
        total -= answers[str(n)]
    return answers


def test_day_by_day_through_the_services_equals_one_replay(
    db: None, django_capture_on_commit_callbacks: CaptureCallbacks, settings: Any
) -> None:
    # The history was drawn so that the relapse filter alerts on the day the episode opens at
    # 0.70 (the sixth amendment's default); at 0.75 (the eighth's) the same history opens an
    # early warning that a PHQ-9 turns into the alert later, which checks less of the filter.
    settings.CLAYWORK_FADING_RELAPSE_PROBABILITY_PERCENT = 70
    patient = factories.PatientFactory()
    factories.add_to_care_team(patient, factories.ClinicianFactory(clinic=patient.clinic))
    course = factories.make_course(patient)
    titles_seen: set[str] = set()
    for offset in range(-14, 66):
        with time_machine.travel(noon(offset), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                if offset in SESSIONS:
                    factories.make_session(course, status="completed", completed_at=timezone.now())
                if offset in PHQ9:
                    response = services.response_start(
                        patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
                    )
                    services.response_submit(response=response, answers=phq9_answers(PHQ9[offset]))
                if offset in MOOD and offset not in MISSED:
                    services.check_in_save(
                        patient=patient,
                        day=selectors.patient_today(patient),
                        values=services.CheckInValues(MOOD[offset], 3, 5, Decimal("7")),
                    )
            titles_seen |= {  # titles are sealed: read through the model
                alert.title
                for alert in Alert.objects.filter(patient=patient, kind=AlertKind.FADING_EFFECT)
            }

    with time_machine.travel(noon(65), tick=False):
        replay = effect.evaluate(selectors.effect_inputs(patient_id=patient.pk))
    stored = list(FadingEpisode.objects.filter(patient=patient).order_by("started_on"))
    alerts = list(Alert.objects.filter(patient=patient, kind=AlertKind.FADING_EFFECT))

    assert [e.start for e in replay.episodes] == [row.started_on for row in stored]
    assert [e.end for e in replay.episodes] == [row.ended_on for row in stored]
    assert len(replay.episodes) == 2  # the bad week, and the relapse
    bad_week, relapse = replay.episodes
    assert DAY_ZERO + timedelta(days=25) <= bad_week.start <= DAY_ZERO + timedelta(days=29)
    assert relapse.start >= DAY_ZERO + timedelta(days=45) and relapse.is_open
    assert relapse.latest_rule in {effect.PHQ9_RELIABLE_RISE, effect.PHQ9_CONFIRMED_RISE}
    # Two tiers: the bad week was an early warning and raised nothing; the relapse opened as an
    # alert (the relapse filter), and its one alert was raised on the day the replay says.
    assert (bad_week.tier, relapse.tier) == (effect.EARLY_WARNING, effect.ALERT)
    assert [row.tier for row in stored] == [effect.EARLY_WARNING, effect.ALERT]
    (alert,) = alerts
    assert stored[0].alert_id is None and stored[-1].alert_id == alert.pk
    assert "PHQ-9" in alert.title
    assert relapse.rule == effect.MOOD_RELAPSE_PROBABLE and relapse.alerted_on == relapse.start
    assert alert.created_at.date() == relapse.alerted_on
    assert all("PHQ-9" in title for title in titles_seen)
