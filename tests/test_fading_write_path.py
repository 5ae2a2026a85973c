"""The cheaper write path of "is the effect holding?" (decision 0007) tells the same as before.

* the rules' faster windows give the same reports as the code they replaced, on long
  histories where the two differ most in cost;
* the same history fed day by day through the services, once with the old ``fading_refresh``
  (kept below as it was) and once with the new one, stores the same episodes and raises the
  same alerts on every day;
* a check-in that changes no verdict writes no episode and takes a pinned number of queries;
* the pages that list or show patients read the stored episodes and never run the rules.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from statistics import fmean
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from bench.effect_cohort import patient as sim_patient
from claywork.accounts.models import User
from claywork.measures import durability, effect, fading, selectors, services
from claywork.measures.models import FadingEpisode, ScaleResponse
from claywork.safety.models import Alert, AlertKind
from claywork.safety.services import alert_acknowledge
from tests import factories
from tests.conftest import client_for

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


# --- the code as it was before the write path was made cheaper --------------------------------


def old_smoothed(mood: dict[date, int], after: date, last: date) -> list[tuple[date, float]]:
    days = sorted(day for day in mood if after < day <= last)
    points = []
    for day in days:
        window = [mood[d] for d in days if abs((d - day).days) <= durability.SMOOTHING_HALF_WIDTH]
        if len(window) >= durability.SMOOTHING_MIN_POINTS:
            points.append((day, durability._trimmed_mean(window)))
    return points


def old_recovered(self: Any, day: date, spell: Any) -> bool:
    params = self.params
    if spell.mood_usual is not None:
        first = day - timedelta(days=params.recovery_days - 1)
        recent = [value for _, value in self.moods(first, day)]
        if len(recent) < fading.RECOVERY_MIN_POINTS:
            return False
        if fmean(recent) < spell.mood_usual - params.mood_slack:
            return False
    since = [total for d, total in self.phq9 if spell.start <= d <= day]
    if since and spell.phq9_usual is not None:
        return since[-1] - spell.phq9_usual < params.phq9_confirmed_rise
    return bool(spell.mood_usual is not None)


def old_usual_phq9(self: Any, day: date, *, leave_out: date | None = None) -> float | None:
    params = self.params
    lookback = timedelta(days=fading.PHQ9_LOOKBACK_DAYS)
    first = max(self.sessions[0] + lookback, day - timedelta(days=params.phq9_usual_days))
    last = day - timedelta(days=params.recent_days)
    points = [(self.at(d), t) for d, t in self.phq9 if first <= d <= last and d != leave_out]
    usual: float | None = self._usual(points, self._latest_session(day) + lookback, 2)
    return usual


def old_fading_refresh(*, patient: User) -> FadingEpisode | None:
    """``services.fading_refresh`` before decision 0007: every row written on every refresh."""
    from claywork.clinics.consent import scores_shared_with_care_team

    inputs = selectors.effect_inputs(patient_id=patient.pk)
    report = effect.evaluate(inputs)
    with transaction.atomic():
        stored = list(FadingEpisode.objects.select_for_update().filter(patient=patient))
        matched = {
            id(found): services._matching(found, stored, inputs.today) for found in report.episodes
        }
        kept = {row.pk for row in matched.values() if row is not None}
        for row in stored:
            if row.is_open and row.pk not in kept:
                row.ended_on = inputs.today
                row.save(update_fields=["ended_on", "updated_at"])
                services._alert_says_ended(row, why="no longer seen in the numbers since")
        current = None
        for found in report.episodes:
            result = old_episode_store(patient, found, matched[id(found)])
            if found.is_open:
                current = result
            elif result.news:
                services._alert_says_ended(result.row)
        # Decision 0006 (tiers), applied to both paths: an early warning raises no alert.
        alert_tier = current is not None and current.row.tier == effect.ALERT
        if current is not None and alert_tier and scores_shared_with_care_team(patient.pk):
            services._episode_alert(patient, current)
    return current.row if current else None


def old_episode_store(patient: User, found: effect.Episode, row: FadingEpisode | None) -> Any:
    fields = services._episode_fields(found)
    if row is None:
        return services._Stored(FadingEpisode.objects.create(patient=patient, **fields), news=True)
    deeper = found.depth > row.depth
    restarted = not row.is_open and found.is_open
    ended = row.is_open and not found.is_open
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return services._Stored(row, news=deeper or restarted or ended)


@pytest.fixture(autouse=True)
def mood_alerts_at_once(settings: Any) -> None:
    """The write path is about alerts: the alert tier's mood CUSUM is set to the early
    warning's own threshold and slack, so an episode the mood rule opens is an alert at once
    (as every episode was before decision 0006's tiers)."""
    settings.CLAYWORK_FADING_ALERT_THRESHOLD_TENTHS = settings.CLAYWORK_FADING_MOOD_THRESHOLD_TENTHS
    settings.CLAYWORK_FADING_ALERT_SLACK_TENTHS = settings.CLAYWORK_FADING_MOOD_SLACK_TENTHS
    settings.CLAYWORK_FADING_ALERT_DAYS = 1


# --- the rules ------------------------------------------------------------------------------


def long_history(seed: int) -> effect.EffectInputs:
    """A year or two: a course, boosters now and then, relapses and bad weeks, gaps."""
    rng = random.Random(seed)
    first = date(2025, 1, 6)
    days = rng.randint(300, 730)
    sessions = [14, 17, 20, 23] + sorted(rng.sample(range(60, days), rng.randint(0, 6)))
    level = {n: 3.0 if n < 14 else 7.0 for n in range(days)}
    for _ in range(rng.randint(1, 5)):  # dips: bad weeks and relapses of every length
        start, length, depth = rng.randrange(30, days), rng.randint(3, 60), rng.uniform(1, 4)
        for n in range(start, min(days, start + length)):
            level[n] -= depth
    mood = [
        (first + timedelta(days=n), max(0, min(10, round(level[n] + rng.gauss(0, 1.2)))))
        for n in range(days)
        if rng.random() < 0.8
    ]
    phq9 = [
        (first + timedelta(days=n), max(0, min(27, round(23 - 2 * level[n] + rng.gauss(0, 2)))))
        for n in range(3, days, 7)
        if rng.random() < 0.85
    ]
    return effect.EffectInputs(
        phq9=phq9,
        mood=mood,
        sessions=[first + timedelta(days=n) for n in sessions],
        today=first + timedelta(days=days - 1),
    )


def test_the_faster_rules_give_the_reports_the_old_ones_gave_on_long_histories(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = effect.EffectParams()
    histories = [long_history(seed) for seed in range(40)]
    new = [effect.evaluate(inputs, params) for inputs in histories]
    monkeypatch.setattr(durability, "_smoothed", old_smoothed)
    monkeypatch.setattr(fading._Replay, "_recovered", old_recovered)
    monkeypatch.setattr(fading._Replay, "usual_phq9", old_usual_phq9)
    old = [effect.evaluate(inputs, params) for inputs in histories]

    assert new == old
    assert sum(len(report.episodes) for report in new) >= 40  # episodes were there to compare
    assert any(report.course and report.course.benefit.status == effect.LASTED for report in new)


# --- the services, day by day ---------------------------------------------------------------


def noon(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC).replace(hour=17)  # noon in New York


def phq9_answers(total: int) -> dict[str, int]:
    answers = {str(n): 0 for n in range(1, 10)}
    for n in range(1, 9):
        answers[str(n)] = min(3, total)
        total -= answers[str(n)]
    return answers


def stored_state(patient: User) -> list[tuple[Any, ...]]:
    """What a clinician can see of the patient's episodes and fading alerts."""
    episodes = [
        (
            row.started_on,
            row.ended_on,
            row.rule,
            row.detail,
            row.latest_rule,
            row.latest_detail,
            row.depth,
            row.revision,
            row.alert.title if row.alert else None,
        )
        for row in FadingEpisode.objects.filter(patient=patient).select_related("alert")
    ]
    alerts = [
        (alert.title, alert.severity, alert.acknowledged_at is not None, alert.dedupe_key[-2:])
        for alert in Alert.objects.filter(patient=patient, kind=AlertKind.FADING_EFFECT).order_by(
            "pk"
        )
    ]
    return [*episodes, *alerts]


@pytest.mark.parametrize("sim_id", [40, 47])
def test_old_and_new_refresh_store_the_same_episodes_and_alerts_every_day(
    db: None,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    monkeypatch: pytest.MonkeyPatch,
    sim_id: int,
) -> None:
    """Seed 2027's patients 40 (a relapse that deepens) and 47 (an episode that deepens and
    starts again), fed to two patients in step; every ninth day the clinician acknowledges
    the open fading alerts, so deepening after that raises a new alert."""
    sim = sim_patient(2027, sim_id)
    clinician = factories.ClinicianFactory()
    old, new = (
        factories.PatientFactory(clinic=clinician.clinic),
        factories.PatientFactory(clinic=clinician.clinic),
    )
    courses = {}
    for person in (old, new):
        factories.add_to_care_team(person, clinician)
        courses[person.pk] = factories.make_course(person)
    refreshed_by = {old.pk: old_fading_refresh, new.pk: services.fading_refresh}
    monkeypatch.setattr(
        services, "_check_fading", lambda patient: refreshed_by[patient.pk](patient=patient)
    )
    mood, phq9 = dict(sim.check_ins), dict(sim.phq9)
    day, opened = sim.check_ins[0][0], 0
    while day <= sim.follow_up_end:
        with time_machine.travel(noon(day), tick=False):
            for person in (old, new):
                with django_capture_on_commit_callbacks(execute=True):
                    if day in sim.sessions:
                        factories.make_session(
                            courses[person.pk], status="completed", completed_at=timezone.now()
                        )
                    if day in phq9:
                        response = services.response_start(
                            patient=person, instrument_code="phq9", submission_id=uuid.uuid4()
                        )
                        services.response_submit(response=response, answers=phq9_answers(phq9[day]))
                    if day in mood:
                        services.check_in_save(
                            patient=person,
                            day=day,
                            values=services.CheckInValues(mood[day], 3, 5, Decimal("7")),
                        )
                    if (day - sim.check_ins[0][0]).days % 9 == 0:
                        for alert in Alert.objects.filter(
                            patient=person, kind=AlertKind.FADING_EFFECT, acknowledged_at=None
                        ):
                            alert_acknowledge(alert=alert, by=clinician, note="Called them.")
            assert stored_state(new) == stored_state(old), day
            opened = max(opened, FadingEpisode.objects.filter(patient=new).count())
        day += timedelta(days=1)

    assert opened >= 1
    revisions = FadingEpisode.objects.filter(patient=new).values_list("revision", flat=True)
    assert max(revisions) >= 1  # an acknowledged alert was followed by a new one


# --- the write path's cost ------------------------------------------------------------------


@pytest.fixture
def relapsing_patient(db: None) -> User:
    """A course 60-54 days ago that lifted mood from 3 to 7; 5 for the last four days, and
    weekly PHQ-9s of 5 since the course (18 before it): a check-in of 5 today opens an
    episode."""
    patient = factories.PatientFactory()
    factories.add_to_care_team(patient, factories.ClinicianFactory(clinic=patient.clinic))
    course = factories.make_course(patient)
    for days_ago in (60, 57, 54):
        factories.make_session(
            course, status="completed", completed_at=timezone.now() - timedelta(days=days_ago)
        )
    today = selectors.patient_today(patient)
    moods = {n: 3 for n in range(61, 75)} | {n: 5 for n in range(54, 61)}
    moods |= {n: 7 for n in range(5, 54)} | {n: 5 for n in range(1, 5)}
    for days_ago, value in moods.items():
        services.check_in_save(
            patient=patient,
            day=today - timedelta(days=days_ago),
            values=services.CheckInValues(value, 3, 5, Decimal("7")),
        )
    for days_ago, total in [(63, 18)] + [(days_ago, 5) for days_ago in (46, 39, 32, 25, 18, 11)]:
        response = services.response_start(
            patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
        )
        services.response_submit(response=response, answers=phq9_answers(total))
        ScaleResponse.objects.filter(pk=response.pk).update(
            completed_at=timezone.now() - timedelta(days=days_ago)
        )
    return patient


def check_in_today(patient: User, mood: int, note: str = "") -> None:
    services.check_in_save(
        patient=patient,
        day=selectors.patient_today(patient),
        values=services.CheckInValues(mood, 3, 5, Decimal("7"), note=note),
    )


def writes_to(queries: list[dict[str, Any]], table: str) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if table in query["sql"] and query["sql"].lstrip().startswith(("INSERT", "UPDATE"))
    ]


# The check-in: the screening consent, the row locked, the patient's key for the note, the
# row saved (in a test, four savepoint statements around it); then the refresh: three reads
# for the rules and one of the stored episodes. Before decision 0007 the refresh also
# locked and rewrote the episode and read the consent and the alert. The saved row also reads
# its patient's clinic, whose staff pages it makes stale (core/page_cache.py, decision 0017).
CHECK_IN_SAVE_QUERIES = 13


def test_a_check_in_that_changes_no_verdict_writes_nothing_and_takes_pinned_queries(
    relapsing_patient: User,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    django_assert_num_queries: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        check_in_today(relapsing_patient, 5)  # opens the episode and raises its alert
    (episode,) = FadingEpisode.objects.filter(patient=relapsing_patient)
    assert episode.alert_id is not None

    with (
        django_assert_num_queries(CHECK_IN_SAVE_QUERIES) as captured,
        django_capture_on_commit_callbacks(execute=True),  # the refresh runs inside the count
    ):
        check_in_today(relapsing_patient, 5, note="A quiet day.")  # the same mood again

    assert writes_to(captured.captured_queries, "measures_fadingepisode") == []
    assert writes_to(captured.captured_queries, "safety_alert") == []
    (unchanged,) = FadingEpisode.objects.filter(patient=relapsing_patient)
    assert unchanged.updated_at == episode.updated_at


def test_a_check_in_that_deepens_the_episode_still_updates_it_and_its_alert(
    relapsing_patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        check_in_today(relapsing_patient, 5)
    with django_capture_on_commit_callbacks(execute=True):
        response = services.response_start(
            patient=relapsing_patient, instrument_code="phq9", submission_id=uuid.uuid4()
        )
        services.response_submit(response=response, answers=phq9_answers(16))

    (episode,) = FadingEpisode.objects.filter(patient=relapsing_patient)
    assert (episode.latest_rule, episode.depth) == (effect.PHQ9_RELIABLE_RISE, 3)
    assert episode.alert is not None and "PHQ-9 16" in episode.alert.title


def test_a_lost_alert_link_is_made_again_by_the_next_check_in(
    relapsing_patient: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    """An episode in step with the numbers but without its alert is not 'nothing to do'."""
    with django_capture_on_commit_callbacks(execute=True):
        check_in_today(relapsing_patient, 5)
    FadingEpisode.objects.filter(patient=relapsing_patient).update(alert=None)
    Alert.objects.filter(patient=relapsing_patient).delete()

    with django_capture_on_commit_callbacks(execute=True):
        check_in_today(relapsing_patient, 5)

    (episode,) = FadingEpisode.objects.filter(patient=relapsing_patient)
    assert episode.alert is not None and episode.alert.kind == AlertKind.FADING_EFFECT


# --- the pages ------------------------------------------------------------------------------


def test_caseload_patient_page_and_home_read_stored_episodes_and_never_run_the_rules(
    relapsing_patient: User,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        check_in_today(relapsing_patient, 5)
    clinician = relapsing_patient.care_team_links.get().clinician

    def rules_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a page ran the effect rules")

    monkeypatch.setattr(effect, "evaluate", rules_run)
    monkeypatch.setattr(fading, "episodes", rules_run)
    monkeypatch.setattr(durability, "benefits", rules_run)

    caseload = client_for(clinician).get("/")
    patient_page = client_for(clinician).get(f"/patients/{relapsing_patient.pk}/")
    home = client_for(relapsing_patient).get("/")

    assert caseload.status_code == patient_page.status_code == home.status_code == 200
    assert "Daily mood below its usual level" in patient_page.content.decode()
    assert "A gentle note" in home.content.decode()


def test_a_check_in_keeps_episodes_without_running_the_durability_fit(
    relapsing_patient: User,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The write path keeps episodes only; the slide-and-floor fit (decision 0006, fourteenth
    # amendment) costs more than the replay and only the pages show it.
    def fit_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the write path ran the durability")

    monkeypatch.setattr(durability, "benefits", fit_run)
    with django_capture_on_commit_callbacks(execute=True):
        check_in_today(relapsing_patient, 5)
    assert services.fading_refresh(patient=relapsing_patient) is not None
