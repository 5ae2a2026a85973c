"""Reminders the patient asked for: about a goal, a practice, or a questionnaire that falls due.

Each is planned at the patient's wall-clock time in their zone (DST-correct, quiet hours
respected), is unique per subject, moves or is cancelled when its goal, practice or setting
changes, is dropped at send time once answered, and links to the page that answers it.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claywork.accounts.models import User
from claywork.measures import services as measures
from claywork.practice import services as practice
from claywork.practice.models import Goal, Practice
from claywork.reminders import chosen, schedule
from claywork.reminders.delivery import reminders_send_due
from claywork.reminders.models import Kind, Notification, Reminder, Routine, State, subject_of
from claywork.reminders.services import PreferenceChoices, preferences_save, reminders_plan_ahead
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = list(range(7))
# A Monday in winter; New York moves its clocks forward on Sunday 8 March 2026.
BEFORE_DST = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _goal(patient: User, title: str = "Call one friend") -> Goal:
    goal, _ = practice.goal_create(
        patient=patient,
        realm="relationships",
        title=title,
        cadence="daily",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    return goal


def _pending(patient: User, kind: str, subject: str | None = None) -> list[datetime]:
    rows = Reminder.objects.filter(patient=patient, kind=kind, state=State.PENDING)
    if subject is not None:
        rows = rows.filter(subject=subject)
    return list(rows.order_by("due_at").values_list("due_at", flat=True))


def _choices(**changes: object) -> PreferenceChoices:
    base: dict[str, object] = {
        "timezone_name": "America/New_York",
        "check_in_time": None,
        "quiet_start": time(22, 0),
        "quiet_end": time(7, 0),
        "kinds_on": frozenset(Kind.values),
        "scale_due_time": None,
    }
    return PreferenceChoices(**(base | changes))  # type: ignore[arg-type]


def _local_times(moments: list[datetime]) -> set[time]:
    return {moment.astimezone(NEW_YORK).time() for moment in moments}


# --- Goals and practices: planning ------------------------------------------------------------


def test_a_goal_reminder_stays_at_its_local_time_across_a_dst_change(personas: Personas) -> None:
    goal = _goal(personas.patient)
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(8, 30), weekdays=EVERY_DAY)

    due = _pending(personas.patient, Kind.GOAL)

    assert len(due) == chosen.DAYS_AHEAD  # 07:00 in New York: today's 08:30 is still ahead
    assert _local_times(due) == {time(8, 30)}
    assert {moment.astimezone(UTC).hour for moment in due} == {13, 12}  # EST, then EDT


def test_a_practice_reminder_falls_only_on_the_chosen_weekdays(personas: Personas) -> None:
    walk = Practice.objects.get(slug="nature-walk", patient=None)
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(
            patient=personas.patient, practice=walk, at=time(18, 0), weekdays=[0, 2, 4]
        )

    due = _pending(personas.patient, Kind.PRACTICE, subject_of(practice_id=walk.pk))

    assert {moment.astimezone(NEW_YORK).weekday() for moment in due} == {0, 2, 4}
    assert len(due) == 6  # two weeks of Monday, Wednesday, Friday


def test_two_goals_due_at_the_same_minute_are_two_reminders(personas: Personas) -> None:
    first, second = _goal(personas.patient), _goal(personas.patient, "Drink water")
    with time_machine.travel(BEFORE_DST, tick=False):
        for goal in (first, second):
            chosen.routine_save(patient=personas.patient, goal=goal, at=time(9, 0), weekdays=[1])
        reminders_send_due(now=datetime(2026, 3, 3, 14, 1, tzinfo=UTC))  # Tuesday 09:01

    assert len(mail.outbox) == 2
    assert Notification.objects.filter(patient=personas.patient).count() == 2


def test_a_goal_reminder_in_the_morning_quiet_hours_waits_for_their_end(
    personas: Personas,
) -> None:
    goal = _goal(personas.patient)
    with time_machine.travel(BEFORE_DST, tick=False):
        preferences_save(
            patient=personas.patient, choices=_choices(quiet_start=time(22), quiet_end=time(7))
        )
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(6, 0), weekdays=EVERY_DAY)

    assert _local_times(_pending(personas.patient, Kind.GOAL)) == {time(7, 0)}


def test_changing_a_reminder_moves_it_and_turning_it_off_cancels_it(personas: Personas) -> None:
    goal = _goal(personas.patient)
    other = _goal(personas.patient, "Stretch")
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(8, 0), weekdays=EVERY_DAY)
        chosen.routine_save(patient=personas.patient, goal=other, at=time(8, 0), weekdays=[0])
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(19, 0), weekdays=[5, 6])

        moved = _pending(personas.patient, Kind.GOAL, subject_of(goal_id=goal.pk))
        assert _local_times(moved) == {time(19, 0)}
        assert {moment.astimezone(NEW_YORK).weekday() for moment in moved} == {5, 6}

        assert chosen.routine_remove(patient=personas.patient, goal=goal)

    assert _pending(personas.patient, Kind.GOAL, subject_of(goal_id=goal.pk)) == []
    assert not Routine.objects.filter(goal=goal).exists()
    # The other goal's reminder is untouched.
    assert len(_pending(personas.patient, Kind.GOAL, subject_of(goal_id=other.pk))) == 2


def test_removing_a_goal_or_an_own_practice_cancels_their_reminders(personas: Personas) -> None:
    goal = _goal(personas.patient)
    clay = practice.practice_create(patient=personas.patient, name="Potting clay")
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(8), weekdays=EVERY_DAY)
        chosen.routine_save(patient=personas.patient, practice=clay, at=time(8), weekdays=[3])
    goal_subject, clay_subject = subject_of(goal_id=goal.pk), subject_of(practice_id=clay.pk)

    practice.goal_delete(goal=goal)
    client_for(personas.patient).post(f"/practices/{clay.pk}/delete/")

    assert not Practice.objects.filter(pk=clay.pk).exists()
    for subject in (goal_subject, clay_subject):
        states = set(Reminder.objects.filter(subject=subject).values_list("state", flat=True))
        assert states == {State.CANCELLED}, subject


def test_the_catalogues_practices_cannot_be_removed(personas: Personas) -> None:
    walk = Practice.objects.get(slug="nature-walk", patient=None)

    response = client_for(personas.patient).post(f"/practices/{walk.pk}/delete/")

    assert response.status_code == 404
    assert Practice.objects.filter(pk=walk.pk).exists()


def test_no_reminder_about_another_patients_goal_or_practice(personas: Personas) -> None:
    theirs = _goal(personas.other_patient)
    their_practice = practice.practice_create(patient=personas.other_patient, name="Swim")

    with pytest.raises(ValueError, match="own goals"):
        chosen.routine_save(patient=personas.patient, goal=theirs, at=time(8), weekdays=[0])
    with pytest.raises(ValueError, match="their own"):
        chosen.routine_save(
            patient=personas.patient, practice=their_practice, at=time(8), weekdays=[0]
        )


def test_the_sweep_tops_up_routines(personas: Personas) -> None:
    goal = _goal(personas.patient)
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(20), weekdays=EVERY_DAY)
    assert reminders_plan_ahead(now=BEFORE_DST) == 0

    reminders_plan_ahead(now=BEFORE_DST + timedelta(days=10))

    assert len(_pending(personas.patient, Kind.GOAL)) == 10 + chosen.DAYS_AHEAD


def test_changing_time_zone_moves_goal_reminders_to_the_new_zone(personas: Personas) -> None:
    goal = _goal(personas.patient)
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(8), weekdays=EVERY_DAY)
        preferences_save(patient=personas.patient, choices=_choices(timezone_name="Asia/Tokyo"))

    tokyo = ZoneInfo("Asia/Tokyo")
    due = _pending(personas.patient, Kind.GOAL)
    assert {moment.astimezone(tokyo).time() for moment in due} == {time(8)}


def test_turning_goal_reminders_off_cancels_them_and_keeps_practices(personas: Personas) -> None:
    goal = _goal(personas.patient)
    walk = Practice.objects.get(slug="nature-walk", patient=None)
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(8), weekdays=EVERY_DAY)
        chosen.routine_save(patient=personas.patient, practice=walk, at=time(9), weekdays=[0])
        preferences_save(
            patient=personas.patient,
            choices=_choices(kinds_on=frozenset(Kind.values) - {Kind.GOAL}),
        )

    assert _pending(personas.patient, Kind.GOAL) == []
    assert len(_pending(personas.patient, Kind.PRACTICE)) == 2


# --- Goals and practices: sending -------------------------------------------------------------


def test_a_goal_already_checked_off_that_day_is_not_reminded(personas: Personas) -> None:
    goal = _goal(personas.patient)
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(9), weekdays=EVERY_DAY)
    practice.goal_check(goal=goal, day=date(2026, 3, 3))

    sent = reminders_send_due(now=datetime(2026, 3, 3, 14, 1, tzinfo=UTC))

    assert sent == 0 and not mail.outbox
    reminder = Reminder.objects.get(patient=personas.patient, due_at__date=date(2026, 3, 3))
    assert reminder.state == State.CANCELLED


def test_a_practice_already_logged_that_day_is_not_reminded(personas: Personas) -> None:
    walk = Practice.objects.get(slug="nature-walk", patient=None)
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(patient=personas.patient, practice=walk, at=time(9), weekdays=[1])
    practice.practice_log(
        patient=personas.patient, practice=walk, day=date(2026, 3, 3), submission_id=uuid.uuid4()
    )

    assert reminders_send_due(now=datetime(2026, 3, 3, 14, 1, tzinfo=UTC)) == 0


def test_each_reminder_links_to_the_page_that_answers_it(personas: Personas) -> None:
    goal = _goal(personas.patient)
    walk = Practice.objects.get(slug="nature-walk", patient=None)
    with time_machine.travel(BEFORE_DST, tick=False):
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(9), weekdays=[1])
        chosen.routine_save(patient=personas.patient, practice=walk, at=time(9), weekdays=[1])
        reminders_send_due(now=datetime(2026, 3, 3, 14, 1, tzinfo=UTC))

    paths = set(Notification.objects.values_list("path", flat=True))
    assert paths == {f"/goals/#goal-{goal.pk}", f"/practices/#practice-{walk.pk}"}
    client = client_for(personas.patient)
    for message in mail.outbox:
        link = next(
            word for word in message.body.split() if "/reminders/" in word and "open" in word
        )
        reminder = Reminder.objects.get(pk=int(link.rstrip("/").split("/")[-2]))
        response = client.get(link.removeprefix("http://127.0.0.1:8000"))
        assert (response.status_code, response["Location"]) == (302, reminder.notice.path)
    # Another patient following the same link learns nothing.
    other = client_for(personas.other_patient).get(f"/reminders/{reminder.pk}/open/")
    assert other.status_code == 404


# --- Due scales -------------------------------------------------------------------------------


def _course_patient(personas: Personas) -> User:
    patient = personas.patient  # has a course, and no scale answered yet: the baseline is due
    with time_machine.travel(BEFORE_DST, tick=False):
        preferences_save(patient=patient, choices=_choices(scale_due_time=time(18, 0)))
    return patient


def test_a_due_scale_is_reminded_once_at_the_chosen_time(personas: Personas) -> None:
    patient = _course_patient(personas)

    due = Reminder.objects.filter(patient=patient, kind=Kind.SCALE_DUE, state=State.PENDING)

    assert {row.subject for row in due} == {"scale:phq9:first", "scale:gad7:first"}
    assert {row.due_at for row in due} == {datetime(2026, 3, 2, 23, 0, tzinfo=UTC)}  # 18:00 EST
    # Looking again the next days plans nothing new for the same due spell.
    for days in (1, 2, 3):
        assert (
            chosen.scale_reminders_plan(patient=patient, now=BEFORE_DST + timedelta(days=days)) == 0
        )


def test_answering_the_scale_drops_its_reminder_and_starts_a_new_spell(
    personas: Personas,
) -> None:
    patient = _course_patient(personas)
    with time_machine.travel(datetime(2026, 3, 2, 17, 0, tzinfo=UTC), tick=False):
        measures.response_submit(
            response=measures.response_start(
                patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
            ),
            answers=dict.fromkeys("123456789", 0),
        )

    reminders_send_due(now=datetime(2026, 3, 2, 23, 1, tzinfo=UTC))

    phq9 = Reminder.objects.get(patient=patient, subject=chosen.scale_subject("phq9", None))
    assert phq9.state == State.CANCELLED
    assert not any(
        "/scales/phq9/" in path for path in Notification.objects.values_list("path", flat=True)
    )
    # A week later the PHQ-9 is due again: a new spell, a new reminder.
    chosen.scale_reminders_plan(patient=patient, now=datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    assert Reminder.objects.filter(
        patient=patient, subject=chosen.scale_subject("phq9", date(2026, 3, 2)), state=State.PENDING
    ).exists()


def test_the_due_scale_reminder_opens_the_scale(personas: Personas) -> None:
    _course_patient(personas)
    mail.outbox.clear()  # the personas' circle invitation carries a random token

    reminders_send_due(now=datetime(2026, 3, 2, 23, 1, tzinfo=UTC))

    assert mail.outbox
    assert set(Notification.objects.values_list("path", flat=True)) == {
        "/scales/phq9/",
        "/scales/gad7/",
    }
    assert all("phq" not in message.body.lower() for message in mail.outbox)


def test_no_scale_reminder_without_a_chosen_time_or_a_course(personas: Personas) -> None:
    with time_machine.travel(BEFORE_DST, tick=False):
        preferences_save(patient=personas.patient, choices=_choices())
        preferences_save(
            patient=personas.other_patient, choices=_choices(scale_due_time=time(18, 0))
        )

    assert not Reminder.objects.filter(kind=Kind.SCALE_DUE).exists()


def test_the_sweep_looks_at_due_scales_once_a_day(personas: Personas) -> None:
    patient = _course_patient(personas)
    Reminder.objects.filter(kind=Kind.SCALE_DUE).delete()

    assert chosen.scale_reminders_plan_ahead(now=BEFORE_DST) == 0  # looked at today already
    assert chosen.scale_reminders_plan_ahead(now=BEFORE_DST + timedelta(days=1)) > 0
    assert Reminder.objects.filter(patient=patient, kind=Kind.SCALE_DUE).exists()


# --- Pages ------------------------------------------------------------------------------------


def test_patient_turns_on_changes_and_turns_off_a_goal_reminder(personas: Personas) -> None:
    goal = _goal(personas.patient)
    client = client_for(personas.patient)
    assert "Remind me" in client.get("/goals/").content.decode()
    assert client.get(f"/reminders/goals/{goal.pk}/").status_code == 200

    saved = client.post(f"/reminders/goals/{goal.pk}/", {"at": "08:15", "weekdays": ["0", "3"]})

    assert (saved.status_code, saved["Location"]) == (302, f"/goals/#goal-{goal.pk}")
    routine = Routine.objects.get(goal=goal)
    assert (routine.at, routine.days) == (time(8, 15), [0, 3])
    assert "Reminder on Mon, Thu at 08:15" in client.get("/goals/").content.decode()
    assert "Call one friend" in client.get("/reminders/settings/").content.decode()

    client.post(f"/reminders/goals/{goal.pk}/", {"action": "off"})
    assert not Routine.objects.filter(goal=goal).exists()
    assert _pending(personas.patient, Kind.GOAL) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"at": "", "weekdays": ["0"]}, "Choose a time of day"),
        ({"at": "25:00", "weekdays": ["0"]}, "Enter a time of day such as 08:00."),
        ({"at": "08:00"}, "Choose at least one day."),
        ({"at": "08:00", "weekdays": ["9"]}, "Select a valid choice"),
        ({"at": "23:30", "weekdays": ["0"]}, "That time is in your quiet hours (22:00 to 07:00)"),
    ],
)
def test_a_bad_reminder_time_or_day_is_rejected_with_a_message(
    personas: Personas, data: dict, message: str
) -> None:
    walk = Practice.objects.get(slug="nature-walk", patient=None)

    response = client_for(personas.patient).post(f"/reminders/practices/{walk.pk}/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Routine.objects.exists()


def test_patient_cannot_set_a_reminder_on_another_patients_goal(personas: Personas) -> None:
    theirs = _goal(personas.other_patient)

    response = client_for(personas.patient).post(
        f"/reminders/goals/{theirs.pk}/", {"at": "08:00", "weekdays": ["0"]}
    )

    assert response.status_code == 404
    assert not Routine.objects.exists()


def test_the_command_lists_goal_practice_and_scale_reminders(personas: Personas) -> None:
    goal = _goal(personas.patient)
    walk = Practice.objects.get(slug="nature-walk", patient=None)
    now = timezone.now()
    chosen.routine_save(patient=personas.patient, goal=goal, at=time(12), weekdays=EVERY_DAY)
    chosen.routine_save(patient=personas.patient, practice=walk, at=time(12), weekdays=EVERY_DAY)
    preferences_save(patient=personas.patient, choices=_choices(scale_due_time=time(12, 30)))
    out = io.StringIO()

    call_command("reminders", "--patient", personas.patient.email, "--next", "2d", stdout=out)

    text = out.getvalue()
    assert f"goal  goal #{goal.pk}" in text
    assert f"practice  practice #{walk.pk}" in text
    assert "scale_due  scale phq9" in text
    assert "Call one friend" not in text
    local = schedule.local_instant(now.astimezone(NEW_YORK).date(), time(12), NEW_YORK)
    assert f"{local.astimezone(NEW_YORK):%H:%M}" in text


@pytest.mark.parametrize(
    ("path", "reminders_shown"), [("/practices/", 5), ("/reminders/settings/", 10)]
)
def test_pages_listing_reminders_take_the_same_queries_for_one_or_many(
    personas: Personas, path: str, reminders_shown: int, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page
    client = client_for(personas.patient)

    def add_goal_and_practice_with_reminders(n: int) -> None:
        goal = _goal(personas.patient, f"Goal {n}")
        own = practice.practice_create(patient=personas.patient, name=f"Practice {n}")
        chosen.routine_save(patient=personas.patient, goal=goal, at=time(9), weekdays=[n % 7])
        chosen.routine_save(patient=personas.patient, practice=own, at=time(9), weekdays=[1])

    add_goal_and_practice_with_reminders(0)
    client.get(path)  # warm the key cache
    with CaptureQueriesContext(connection) as one:
        client.get(path)
    for n in range(1, 5):
        add_goal_and_practice_with_reminders(n)
    with CaptureQueriesContext(connection) as five:
        page = client.get(path).content.decode()

    assert page.count("at 09:00") == reminders_shown
    assert len(five) == len(one), [query["sql"] for query in five.captured_queries]
