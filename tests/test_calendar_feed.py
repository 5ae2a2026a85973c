"""The private calendar feed: times and zones, stable UIDs, revocation, and no health text."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.rrule import rrulestr
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from icalendar import Calendar, Event

from claywork.accounts.models import User
from claywork.calendar_feed.models import CalendarToken
from claywork.calendar_feed.services import calendar_token_issue, calendar_token_revoke
from claywork.care import services as care
from claywork.care.models import Session
from claywork.practice import services as practice
from claywork.practice.models import Goal, Practice
from claywork.reminders import chosen
from claywork.reminders.models import Kind
from claywork.reminders.services import PreferenceChoices, preferences_save
from tests import factories
from tests.conftest import client_for

TITLES = {"Claywork session", "Integration window", "Reflection time"}
CANARY = "Canary-7f3a: the blue heron"


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _feed(token: str) -> Calendar:
    response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def _events_by_uid(calendar: Calendar) -> dict[str, Event]:
    return {str(event["UID"]): event for event in calendar.events}


def _completed_session(patient: User, *, at: datetime, ended: datetime) -> Session:
    """A session scheduled for ``at``, started then and completed at ``ended``."""
    course = factories.make_course(patient)
    with time_machine.travel(at, tick=False):
        session = care.session_schedule(course=course, scheduled_at=at, location="Room A")
        session = care.session_start(session=session)
    with time_machine.travel(ended, tick=False):
        return care.session_complete(session=session, debrief="A calm session.")


@pytest.fixture
def new_yorker(db: None) -> User:
    return factories.PatientFactory(timezone="America/New_York", full_name="Nia Yorke")


# --- Times and time zones -------------------------------------------------------------------


def test_new_york_patient_gets_correct_times_across_the_dst_change(new_yorker: User) -> None:
    # 2026-03-08 02:00 is when New York moves from EST (UTC-5) to EDT (UTC-4).
    session = _completed_session(
        new_yorker, at=_utc(2026, 3, 5, 14), ended=_utc(2026, 3, 5, 15)
    )  # 09:00-10:00 EST
    events = _events_by_uid(_feed(calendar_token_issue(patient=new_yorker)))
    uid = f"claywork-session-{session.pk}"

    def times(part: str) -> tuple[datetime, datetime]:
        event = next(e for key, e in events.items() if key.startswith(uid + part + "@"))
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        return event.DTSTART, event.DTEND

    assert times("") == (_utc(2026, 3, 5, 14), _utc(2026, 3, 5, 15))
    # The 12-24 h window is elapsed time after the session ended.
    assert times("-window") == (_utc(2026, 3, 6, 3), _utc(2026, 3, 6, 15))
    # Reflection days keep the wall-clock time: 10:00 in New York, EST before, EDT after.
    for day, starts in (
        (3, _utc(2026, 3, 8, 14)),
        (7, _utc(2026, 3, 12, 14)),
        (14, _utc(2026, 3, 19, 14)),
    ):
        start, end = times(f"-day-{day}")
        assert start == starts, day
        assert start.astimezone(new_yorker.zone).hour == 10
        assert end - start == timedelta(minutes=30)
    # Parsed times carry the real zone, not a fixed offset.
    assert str(times("-day-7")[0].utcoffset()) == "-1 day, 20:00:00"
    assert str(times("")[0].utcoffset()) == "-1 day, 19:00:00"


def test_feed_declares_the_patients_zone_as_a_vtimezone(new_yorker: User) -> None:
    _completed_session(new_yorker, at=_utc(2026, 3, 5, 14), ended=_utc(2026, 3, 5, 15))
    calendar = _feed(calendar_token_issue(patient=new_yorker))

    zones = [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")]
    assert zones == ["America/New_York"]
    assert str(calendar["X-WR-TIMEZONE"]) == "America/New_York"
    # icalendar reads the VTIMEZONE back into rules that know the DST change.
    tz = calendar.timezones[0].to_tz()
    assert datetime(2026, 3, 7, 12, tzinfo=tz).utcoffset() == timedelta(hours=-5)
    assert datetime(2026, 3, 9, 12, tzinfo=tz).utcoffset() == timedelta(hours=-4)


def test_scheduled_session_in_summer_shows_in_daylight_time(new_yorker: User) -> None:
    course = factories.make_course(new_yorker)
    care.session_schedule(course=course, scheduled_at=_utc(2030, 7, 1, 13, 30), location="")
    (event,) = _feed(calendar_token_issue(patient=new_yorker)).events

    start, end = event.DTSTART, event.DTEND
    assert start == _utc(2030, 7, 1, 13, 30)
    assert start.astimezone(new_yorker.zone).hour == 9
    assert end - start == timedelta(hours=2)
    assert "TRANSP:OPAQUE" in event.to_ical().decode()


def test_utc_patient_gets_utc_times(db: None) -> None:
    patient = factories.PatientFactory(timezone="UTC")
    _completed_session(patient, at=_utc(2026, 10, 20, 8), ended=_utc(2026, 10, 20, 10))
    body = Client().get(f"/calendar/{calendar_token_issue(patient=patient)}.ics").content

    assert b"DTSTART:20261020T080000Z" in body
    assert b"DTSTART:20261020T220000Z" in body  # the window opens 12 h after 10:00
    assert b"DTEND:20261021T100000Z" in body


def test_window_and_follow_ups_follow_settings(new_yorker: User, settings: object) -> None:
    settings.CLAYWORK_WINDOW_OPENS_HOURS = 6  # type: ignore[attr-defined]
    settings.CLAYWORK_WINDOW_CLOSES_HOURS = 18  # type: ignore[attr-defined]
    settings.CLAYWORK_FOLLOW_UP_DAYS = [2, 30]  # type: ignore[attr-defined]
    session = _completed_session(new_yorker, at=_utc(2026, 5, 1, 14), ended=_utc(2026, 5, 1, 16))
    events = _events_by_uid(_feed(calendar_token_issue(patient=new_yorker)))

    window = events[next(k for k in events if "-window@" in k)]
    opens, closes = window.DTSTART, window.DTEND
    assert (opens, closes) == (_utc(2026, 5, 1, 22), _utc(2026, 5, 2, 10))
    days = sorted(k.split("@")[0].rsplit("-", 1)[1] for k in events if "-day-" in k)
    assert days == ["2", "30"]
    assert f"claywork-session-{session.pk}-day-30" in "".join(events)


# --- Stable identity --------------------------------------------------------------------------


def test_uids_are_stable_and_unique_across_fetches(new_yorker: User) -> None:
    _completed_session(new_yorker, at=_utc(2026, 3, 5, 14), ended=_utc(2026, 3, 5, 15))
    factories.make_session(factories.make_course(new_yorker))
    token = calendar_token_issue(patient=new_yorker)
    client = Client()

    first = client.get(f"/calendar/{token}.ics").content
    second = client.get(f"/calendar/{token}.ics").content
    uids = [str(e["UID"]) for e in Calendar.from_ical(first).events]

    assert first == second
    assert len(uids) == len(set(uids)) == 5 + 1  # session, window, 3 days; a scheduled one
    assert all(re.fullmatch(r"claywork-session-\d+(-window|-day-\d+)?@[\w.-]+", u) for u in uids)


def test_a_new_link_keeps_the_same_uids(new_yorker: User) -> None:
    _completed_session(new_yorker, at=_utc(2026, 3, 5, 14), ended=_utc(2026, 3, 5, 15))
    before = set(_events_by_uid(_feed(calendar_token_issue(patient=new_yorker))))
    after = set(_events_by_uid(_feed(calendar_token_issue(patient=new_yorker))))

    assert before == after


def test_cancelled_sessions_are_left_out(new_yorker: User) -> None:
    course = factories.make_course(new_yorker)
    kept = factories.make_session(course)
    factories.make_session(course, status="cancelled")
    (event,) = _feed(calendar_token_issue(patient=new_yorker)).events

    assert str(event["UID"]).startswith(f"claywork-session-{kept.pk}@")


# --- Tokens ---------------------------------------------------------------------------------


def test_unknown_token_answers_404(db: None) -> None:
    assert Client().get("/calendar/not-a-real-token.ics").status_code == 404


def test_revoked_token_answers_404(new_yorker: User) -> None:
    token = calendar_token_issue(patient=new_yorker)
    assert Client().get(f"/calendar/{token}.ics").status_code == 200

    assert calendar_token_revoke(patient=new_yorker) is True
    assert Client().get(f"/calendar/{token}.ics").status_code == 404
    assert calendar_token_revoke(patient=new_yorker) is False


def test_regenerating_invalidates_the_old_url(new_yorker: User) -> None:
    old = calendar_token_issue(patient=new_yorker)
    new = calendar_token_issue(patient=new_yorker)

    assert Client().get(f"/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/calendar/{new}.ics").status_code == 200
    assert CalendarToken.objects.filter(patient=new_yorker, revoked_at__isnull=True).count() == 1


def test_only_the_tokens_sha256_is_stored(new_yorker: User) -> None:
    token = calendar_token_issue(patient=new_yorker)
    stored = CalendarToken.objects.get(patient=new_yorker)

    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(CalendarToken.objects.values_list()))


def test_a_deactivated_patients_feed_answers_404(new_yorker: User) -> None:
    token = calendar_token_issue(patient=new_yorker)
    User.objects.filter(pk=new_yorker.pk).update(is_active=False)

    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_feed_is_not_cached_and_is_calendar_data(new_yorker: User) -> None:
    response = Client().get(f"/calendar/{calendar_token_issue(patient=new_yorker)}.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"


def test_feed_takes_the_same_queries_for_one_or_many_sessions(
    new_yorker: User, django_assert_num_queries: object
) -> None:
    token = calendar_token_issue(patient=new_yorker)
    client = Client()
    course = factories.make_course(new_yorker)
    factories.make_session(course, status="completed")
    # The token, the sessions, the reminder preferences and the goal/practice reminders.
    with django_assert_num_queries(4):  # type: ignore[operator]
        client.get(f"/calendar/{token}.ics")
    for _ in range(5):
        factories.make_session(course, status="completed")
        factories.make_session(course)
    with django_assert_num_queries(4):  # type: ignore[operator]
        assert len(_feed(token).events) == 6 * 5 + 5


# --- No health text -------------------------------------------------------------------------


def test_feed_carries_no_health_text(new_yorker: User) -> None:
    clinician = factories.ClinicianFactory(clinic=new_yorker.clinic)
    factories.add_to_care_team(new_yorker, clinician)
    course = factories.make_course(new_yorker, clinician, title=f"{CANARY} course")
    care.motivation_save(course=course, text=f"{CANARY} motivation")
    upcoming = care.session_schedule(
        course=course, scheduled_at=_utc(2030, 1, 1, 12), location=f"{CANARY} clinic"
    )
    care.intention_save(session=upcoming, text=f"{CANARY} intention")
    session = care.session_start(
        session=care.session_schedule(course=course, scheduled_at=_utc(2026, 1, 1), location="")
    )
    care.guide_note_add(
        session=session, author=clinician, text=f"{CANARY} note", submission_id=uuid.uuid4()
    )
    session = care.session_complete(session=session, debrief=f"{CANARY} debrief")
    factories.make_entry(new_yorker, body=f"{CANARY} entry", title=CANARY, session=session)
    body = Client().get(f"/calendar/{calendar_token_issue(patient=new_yorker)}.ics").content
    calendar = Calendar.from_ical(body)

    assert b"Canary" not in body
    assert b"Nia" not in body and b"Yorke" not in body
    assert {str(event["SUMMARY"]) for event in calendar.events} == TITLES
    assert not [e for e in calendar.events if "DESCRIPTION" in e or "LOCATION" in e]


# --- The patient's page -----------------------------------------------------------------------


def test_patient_sees_a_new_link_once(new_yorker: User) -> None:
    client = client_for(new_yorker)
    assert "no working calendar link" in client.get("/calendar/").content.decode()

    page = client.post("/calendar/", {"action": "issue"}).content.decode()
    url = re.search(r'value="(http://testserver/calendar/[\w-]+\.ics)"', page)
    assert url is not None
    assert "shown only this once" in page
    later = client.get("/calendar/").content.decode()
    assert url.group(1) not in later
    assert "is working" in later
    assert Client().get(url.group(1).removeprefix("http://testserver")).status_code == 200


def test_page_explains_that_titles_carry_no_health_details(new_yorker: User) -> None:
    page = client_for(new_yorker).get("/calendar/").content.decode()

    assert "no health details" in page
    for title in TITLES:
        assert title in page


def test_patient_regenerates_and_revokes_from_the_page(new_yorker: User) -> None:
    client = client_for(new_yorker)
    first = client.post("/calendar/", {"action": "issue"}).content.decode()
    old = re.search(r"/calendar/[\w-]+\.ics", first).group(0)  # type: ignore[union-attr]
    second = client.post("/calendar/", {"action": "issue"}).content.decode()
    new = re.search(r"/calendar/[\w-]+\.ics", second).group(0)  # type: ignore[union-attr]

    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert client.post("/calendar/", {"action": "revoke"}).status_code == 302
    assert Client().get(new).status_code == 404


def test_unknown_action_is_rejected(new_yorker: User) -> None:
    response = client_for(new_yorker).post("/calendar/", {"action": "explode"})

    assert response.status_code == 400
    assert not CalendarToken.objects.exists()


# --- Command line ---------------------------------------------------------------------------


def test_calendar_command_prints_a_feed_that_parses(new_yorker: User) -> None:
    session = _completed_session(new_yorker, at=_utc(2026, 3, 5, 14), ended=_utc(2026, 3, 5, 15))
    out = StringIO()
    call_command("calendar", "--patient", new_yorker.email.upper(), stdout=out)
    calendar = Calendar.from_ical(out.getvalue())

    events = _events_by_uid(calendar)
    assert len(events) == 5
    session_starts = events[f"claywork-session-{session.pk}@127.0.0.1"].DTSTART
    assert session_starts == _utc(2026, 3, 5, 14)
    assert all(uid.startswith(f"claywork-session-{session.pk}") for uid in events)
    assert not CalendarToken.objects.exists()  # printing needs no link


def test_calendar_command_rejects_an_unknown_patient(db: None) -> None:
    with pytest.raises(CommandError, match="no patient"):
        call_command("calendar", "--patient", "nobody@example.test", stdout=StringIO())


# --- The reminders the patient chose ----------------------------------------------------------

REMINDER_TITLES = {"Claywork check-in", "Claywork: a goal", "Claywork: a practice"}


def _choose_reminders(patient: User, *, goal_title: str = "Call my sister") -> Goal:
    """Check-ins at 20:00, a goal on Monday and Thursday at 07:45, the nature walk on Saturday
    at 09:00; chosen in February, before New York's clocks move on 8 March 2026."""
    goal, _ = practice.goal_create(
        patient=patient,
        realm="relationships",
        title=goal_title,
        cadence="weekly",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    walk = Practice.objects.get(slug="nature-walk", patient=None)
    with time_machine.travel(_utc(2026, 2, 20, 17), tick=False):
        preferences_save(
            patient=patient,
            choices=PreferenceChoices(
                timezone_name=patient.timezone,
                check_in_time=time(20, 0),
                quiet_start=time(22, 0),
                quiet_end=time(7, 0),
                kinds_on=frozenset(Kind.values),
            ),
        )
        chosen.routine_save(patient=patient, goal=goal, at=time(7, 45), weekdays=[0, 3])
        chosen.routine_save(patient=patient, practice=walk, at=time(9, 0), weekdays=[5])
    return goal


def _occurrences(event: Event, until: datetime) -> list[datetime]:
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.DTSTART)
    return list(rule.between(event.DTSTART, until, inc=True))


def _reminder_events(calendar: Calendar) -> dict[str, Event]:
    return {str(e["SUMMARY"]): e for e in calendar.events if str(e["SUMMARY"]) in REMINDER_TITLES}


def test_chosen_reminders_recur_at_their_local_time_across_the_dst_change(
    new_yorker: User,
) -> None:
    _choose_reminders(new_yorker)

    calendar = _feed(calendar_token_issue(patient=new_yorker))
    events = _reminder_events(calendar)

    assert set(events) == REMINDER_TITLES
    new_york = ZoneInfo("America/New_York")
    for event in events.values():
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert event.DTSTART.tzinfo is not None
    check_ins = _occurrences(events["Claywork check-in"], datetime(2026, 3, 10, 23, tzinfo=UTC))
    assert check_ins[0].date().isoformat() == "2026-02-20"
    assert {moment.astimezone(new_york).time() for moment in check_ins} == {time(20, 0)}
    # 20:00 EST is 01:00 UTC the next day; 20:00 EDT is 00:00 UTC.
    by_day = {moment.date().isoformat(): moment.astimezone(UTC) for moment in check_ins}
    assert by_day["2026-03-07"] == _utc(2026, 3, 8, 1)
    assert by_day["2026-03-09"] == _utc(2026, 3, 10, 0)
    goal_days = _occurrences(events["Claywork: a goal"], datetime(2026, 3, 20, tzinfo=UTC))
    assert {moment.strftime("%a %H:%M") for moment in goal_days} == {"Mon 07:45", "Thu 07:45"}
    assert {moment.astimezone(UTC).hour for moment in goal_days} == {12, 11}
    walks = _occurrences(events["Claywork: a practice"], datetime(2026, 3, 20, tzinfo=UTC))
    assert [moment.strftime("%a %d %H:%M") for moment in walks] == [
        "Sat 21 09:00",
        "Sat 28 09:00",
        "Sat 07 09:00",
        "Sat 14 09:00",
    ]


def test_chosen_reminders_never_carry_the_goal_or_practice_words(new_yorker: User) -> None:
    goal = _choose_reminders(new_yorker, goal_title=CANARY)
    clay = practice.practice_create(patient=new_yorker, name=f"{CANARY} practice")
    chosen.routine_save(patient=new_yorker, practice=clay, at=time(12), weekdays=[2])

    body = Client().get(f"/calendar/{calendar_token_issue(patient=new_yorker)}.ics").content

    assert b"Canary" not in body and b"heron" not in body
    events = _reminder_events(Calendar.from_ical(body))
    assert str(events["Claywork: a goal"]["UID"]).startswith(f"claywork-reminder-goal-{goal.pk}@")
    assert not [e for e in Calendar.from_ical(body).events if "DESCRIPTION" in e]


def test_a_reminder_kind_turned_off_or_dropped_by_quiet_hours_leaves_the_feed(
    new_yorker: User,
) -> None:
    goal = _choose_reminders(new_yorker)
    token = calendar_token_issue(patient=new_yorker)
    preferences_save(
        patient=new_yorker,
        choices=PreferenceChoices(
            timezone_name=new_yorker.timezone,
            check_in_time=time(23, 0),  # inside 22:00-07:00: never sent, so never shown
            quiet_start=time(22, 0),
            quiet_end=time(8, 0),
            kinds_on=frozenset(Kind.values) - {Kind.PRACTICE},
        ),
    )

    events = _reminder_events(_feed(token))

    assert set(events) == {"Claywork: a goal"}
    # The goal's 07:45 now falls in the quiet hours, which end at 08:00: shown when it comes.
    assert events["Claywork: a goal"].DTSTART.time() == time(8, 0)
    chosen.routine_remove(patient=new_yorker, goal=goal)
    assert _reminder_events(_feed(token)) == {}


def test_the_feed_with_reminders_is_stable_between_fetches(new_yorker: User) -> None:
    _choose_reminders(new_yorker)
    token = calendar_token_issue(patient=new_yorker)
    client = Client()

    first = client.get(f"/calendar/{token}.ics").content
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        second = client.get(f"/calendar/{token}.ics").content

    assert first == second
