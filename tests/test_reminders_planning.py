"""Reminders are planned at the right instants: the integration window, follow-up days, the
daily check-in in the patient's own zone (DST-correct), quiet hours, and sessions that move."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings
from django.utils import timezone

from claywork.care import services as care
from claywork.care.models import Session
from claywork.reminders import schedule
from claywork.reminders.models import Kind, Reminder, ReminderPreferences, State
from claywork.reminders.services import (
    CHECK_IN_DAYS_AHEAD,
    PreferenceChoices,
    preferences_save,
    reminders_plan_ahead,
    reminders_plan_for_completed_session,
)
from tests import factories
from tests.conftest import Personas

NEW_YORK = ZoneInfo("America/New_York")
ALL_KINDS = frozenset(Kind.values)


def _choices(**changes: object) -> PreferenceChoices:
    base: dict[str, object] = {
        "timezone_name": "America/New_York",
        "check_in_time": time(20, 0),
        "quiet_start": time(22, 0),
        "quiet_end": time(7, 0),
        "kinds_on": ALL_KINDS,
    }
    return PreferenceChoices(**(base | changes))  # type: ignore[arg-type]


def _pending(patient: object, kind: str) -> list[datetime]:
    return list(
        Reminder.objects.filter(patient=patient, kind=kind, state=State.PENDING)
        .order_by("due_at")
        .values_list("due_at", flat=True)
    )


def _complete_at(personas: Personas, moment: datetime) -> Session:
    with time_machine.travel(moment, tick=False):
        session = factories.make_session(personas.course, status="in_progress")
        return care.session_complete(session=session, debrief="Calm.")


def test_completing_a_session_plans_the_window_and_follow_up_reminders(
    personas: Personas,
) -> None:
    # 20:00 in New York: nothing falls in the quiet hours (22:00-07:00).
    completed_at = datetime(2026, 6, 2, 0, 0, tzinfo=UTC)
    session = _complete_at(personas, completed_at)

    rows = Reminder.objects.filter(session=session).order_by("due_at")
    assert [(row.kind, row.due_at - completed_at) for row in rows] == [
        (Kind.WINDOW_OPENS, timedelta(hours=12)),
        (Kind.WINDOW_CLOSING, timedelta(hours=21)),
        (Kind.FOLLOW_UP, timedelta(days=3)),
        (Kind.FOLLOW_UP, timedelta(days=7)),
        (Kind.FOLLOW_UP, timedelta(days=14)),
    ]
    window = rows[0]
    assert window.useful_until == completed_at + timedelta(hours=24)


@override_settings(CLAYWORK_WINDOW_OPENS_HOURS=6, CLAYWORK_FOLLOW_UP_DAYS=[2])
def test_the_offsets_come_from_the_settings(personas: Personas) -> None:
    completed_at = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
    session = _complete_at(personas, completed_at)

    offsets = [
        row.due_at - completed_at
        for row in Reminder.objects.filter(session=session).order_by("due_at")
    ]
    assert offsets == [timedelta(hours=6), timedelta(hours=21), timedelta(days=2)]


def test_a_reminder_in_the_quiet_hours_moves_to_their_end(personas: Personas) -> None:
    # Completed 13:00 New York (17:00 UTC): the window opens at 01:00, in the quiet hours.
    completed_at = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
    session = _complete_at(personas, completed_at)

    opens = Reminder.objects.get(session=session, kind=Kind.WINDOW_OPENS)
    assert opens.due_at.astimezone(NEW_YORK).time() == time(7, 0)
    assert opens.due_at == datetime(2026, 6, 2, 11, 0, tzinfo=UTC)


def test_quiet_hours_that_push_a_reminder_past_its_use_drop_it(personas: Personas) -> None:
    ReminderPreferences.objects.create(
        patient=personas.patient, quiet_start=time(6, 0), quiet_end=time(23, 30)
    )
    # Completed 23:00 New York: the whole window (11:00-23:00 next day) is quiet.
    session = _complete_at(personas, datetime(2026, 6, 2, 3, 0, tzinfo=UTC))

    rows = Reminder.objects.filter(session=session).order_by("due_at")
    assert [row.kind for row in rows] == [Kind.FOLLOW_UP] * 3
    assert {row.due_at.astimezone(NEW_YORK).time() for row in rows} == {time(23, 30)}


def test_a_kind_turned_off_is_not_planned(personas: Personas) -> None:
    ReminderPreferences.objects.create(patient=personas.patient, follow_up=False)

    session = _complete_at(personas, datetime(2026, 6, 1, 18, 0, tzinfo=UTC))

    kinds = set(Reminder.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == {Kind.WINDOW_OPENS, Kind.WINDOW_CLOSING}


def test_planning_twice_adds_nothing(personas: Personas) -> None:
    session = _complete_at(personas, datetime(2026, 6, 1, 18, 0, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 6, 1, 18, 0, tzinfo=UTC), tick=False):
        reminders_plan_for_completed_session(session=session, now=timezone.now())

    assert Reminder.objects.filter(session=session).count() == 5
    assert set(Reminder.objects.filter(session=session).values_list("state", flat=True)) == {
        "pending"
    }


# --- Daily check-in, in the patient's zone --------------------------------------------------


def test_daily_check_in_stays_at_the_chosen_local_time_across_a_dst_change(
    personas: Personas,
) -> None:
    # New York leaves DST on Sunday 1 November 2026 at 02:00.
    with time_machine.travel(datetime(2026, 10, 29, 12, 0, tzinfo=UTC), tick=False):
        preferences_save(patient=personas.patient, choices=_choices())

    due = _pending(personas.patient, Kind.CHECK_IN)
    assert len(due) == CHECK_IN_DAYS_AHEAD
    assert {moment.astimezone(NEW_YORK).time() for moment in due} == {time(20, 0)}
    by_day = {moment.astimezone(NEW_YORK).date().day: moment for moment in due}
    assert by_day[31] == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)  # EDT, UTC-4
    assert by_day[1] == datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # EST, UTC-5


def test_a_check_in_time_skipped_by_spring_forward_moves_forward() -> None:
    moment = schedule.local_instant(date(2026, 3, 8), time(2, 30), NEW_YORK)

    assert moment.astimezone(NEW_YORK).time() == time(3, 30)


def test_todays_check_in_already_past_is_not_planned(personas: Personas) -> None:
    # 21:00 in New York: today's 20:00 has gone.
    with time_machine.travel(datetime(2026, 6, 2, 1, 0, tzinfo=UTC), tick=False):
        preferences_save(patient=personas.patient, choices=_choices())

    due = _pending(personas.patient, Kind.CHECK_IN)
    assert due[0] == datetime(2026, 6, 3, 0, 0, tzinfo=UTC)
    assert len(due) == CHECK_IN_DAYS_AHEAD - 1


def test_the_sweep_tops_up_check_ins_and_changing_the_time_moves_them(
    personas: Personas,
) -> None:
    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        preferences_save(patient=personas.patient, choices=_choices())
    assert reminders_plan_ahead(now=start) == 0  # planned far enough already

    ten_days = start + timedelta(days=10)
    reminders_plan_ahead(now=ten_days)
    assert len(_pending(personas.patient, Kind.CHECK_IN)) == 10 + CHECK_IN_DAYS_AHEAD

    with time_machine.travel(start, tick=False):
        preferences_save(
            patient=personas.patient,
            choices=_choices(check_in_time=time(9, 15), timezone_name="Europe/Berlin"),
        )
    berlin = ZoneInfo("Europe/Berlin")
    due = _pending(personas.patient, Kind.CHECK_IN)
    assert {moment.astimezone(berlin).time() for moment in due} == {time(9, 15)}


def test_turning_check_ins_off_cancels_them(personas: Personas) -> None:
    with time_machine.travel(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False):
        preferences_save(patient=personas.patient, choices=_choices())
        preferences_save(
            patient=personas.patient, choices=_choices(kinds_on=ALL_KINDS - {Kind.CHECK_IN})
        )

    assert _pending(personas.patient, Kind.CHECK_IN) == []


# --- Sessions that move or are cancelled ----------------------------------------------------


def test_a_rescheduled_session_moves_its_reminder_and_a_cancelled_one_cancels_it(
    personas: Personas,
) -> None:
    at = timezone.now() + timedelta(days=5)
    session = care.session_schedule(course=personas.course, scheduled_at=at, location="Room A")
    (first,) = _pending(personas.patient, Kind.SESSION_UPCOMING)

    care.session_reschedule(session=session, scheduled_at=at + timedelta(days=2), location="B")

    (moved,) = _pending(personas.patient, Kind.SESSION_UPCOMING)
    assert moved - first == timedelta(days=2) or moved > first
    assert Reminder.objects.filter(session=session, state=State.CANCELLED).count() == 1

    care.session_cancel(session=session)

    assert _pending(personas.patient, Kind.SESSION_UPCOMING) == []


def test_moving_a_session_back_to_its_first_time_brings_the_reminder_back(
    personas: Personas,
) -> None:
    # Noon in New York, five days on: no quiet hours involved.
    at = datetime.combine((timezone.now() + timedelta(days=5)).date(), time(16, 0), tzinfo=UTC)
    session = care.session_schedule(course=personas.course, scheduled_at=at, location="Room A")
    care.session_reschedule(session=session, scheduled_at=at + timedelta(days=1), location="A")
    care.session_reschedule(session=session, scheduled_at=at, location="A")

    assert _pending(personas.patient, Kind.SESSION_UPCOMING) == [at - timedelta(hours=24)]


def test_completing_a_session_cancels_its_upcoming_reminder(personas: Personas) -> None:
    at = datetime.combine((timezone.now() + timedelta(days=5)).date(), time(16, 0), tzinfo=UTC)
    session = care.session_schedule(course=personas.course, scheduled_at=at, location="Room A")
    care.session_complete(session=care.session_start(session=session), debrief="Early.")

    assert _pending(personas.patient, Kind.SESSION_UPCOMING) == []
