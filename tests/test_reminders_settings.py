"""The patient's reminder settings page, the notification list and ``claywork reminders``."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from claywork.reminders.delivery import reminders_send_due
from claywork.reminders.models import Kind, Reminder, ReminderPreferences, State
from tests.conftest import Personas, client_for

GOOD = {
    "timezone": "Europe/Berlin",
    "check_in_time": "20:30",
    "quiet_start": "22:00",
    "quiet_end": "07:00",
    "check_in": "on",
    "window_opens": "on",
    "follow_up": "on",
}


def test_the_patient_chooses_time_zone_check_in_time_quiet_hours_and_kinds(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)
    assert client.get("/reminders/settings/").status_code == 200

    response = client.post("/reminders/settings/", GOOD)

    assert (response.status_code, response["Location"]) == (302, "/reminders/settings/")
    personas.patient.refresh_from_db()
    assert personas.patient.timezone == "Europe/Berlin"
    prefs = ReminderPreferences.objects.get(patient=personas.patient)
    assert prefs.check_in_time == time(20, 30)
    assert (prefs.window_opens, prefs.window_closing, prefs.session_upcoming) == (
        True,
        False,
        False,
    )
    assert Reminder.objects.filter(
        patient=personas.patient, kind=Kind.CHECK_IN, state=State.PENDING
    ).exists()
    # Turning the window's closing reminder off cancelled the one already planned.
    assert not Reminder.objects.filter(
        patient=personas.patient, kind=Kind.WINDOW_CLOSING, state=State.PENDING
    ).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus_Mons", "is not a time zone we know"),
        ("timezone", "", "This field is required"),
        ("check_in_time", "25:99", "Enter a time of day such as 20:00."),
        ("check_in_time", "soon", "Enter a time of day such as 20:00."),
        ("quiet_start", "22:61", "Enter a time of day such as 22:00."),
        ("quiet_end", "", "Give both ends of the quiet hours, or neither."),
    ],
)
def test_an_invalid_time_zone_or_time_is_rejected_with_a_message(
    personas: Personas, field: str, value: str, message: str
) -> None:
    response = client_for(personas.patient).post("/reminders/settings/", GOOD | {field: value})

    assert response.status_code == 400
    assert message in response.content.decode()
    personas.patient.refresh_from_db()
    assert personas.patient.timezone == "America/New_York"
    assert not ReminderPreferences.objects.exists()


def test_sent_reminders_appear_in_the_notification_list(personas: Personas) -> None:
    now = timezone.now()
    Reminder.objects.create(
        patient=personas.patient,
        kind=Kind.CHECK_IN,
        due_at=now,
        next_attempt_at=now,
        useful_until=now + timedelta(hours=2),
    )
    reminders_send_due()

    page = client_for(personas.patient).get("/notifications/").content.decode()
    other = client_for(personas.other_patient).get("/notifications/").content.decode()

    assert "Your daily check-in" in page and 'href="/check-in/"' in page
    assert "Your daily check-in" not in other


def test_the_command_lists_what_will_be_sent_in_utc_and_the_patients_zone(
    personas: Personas,
) -> None:
    with time_machine.travel(datetime(2026, 10, 29, 12, 0, tzinfo=UTC), tick=False):
        client_for(personas.patient).post(
            "/reminders/settings/", GOOD | {"timezone": "America/New_York"}
        )
        out = io.StringIO()
        call_command("reminders", "--patient", personas.patient.email.upper(), "--next", "4d",
                     stdout=out)  # fmt: skip

    lines = out.getvalue().splitlines()
    assert "America/New_York" in lines[0]
    assert "2026-10-30 00:30Z  2026-10-29 20:30 EDT  check_in" in lines
    assert "2026-11-02 01:30Z  2026-11-01 20:30 EST  check_in" in lines
    assert lines[-1] == "4 reminder(s) in the next 4d"


@pytest.mark.parametrize(("args", "error"), [
    (["--patient", "nobody@example.test"], "no one signs in as"),
    (["--patient", "x@example.test", "--next", "soon"], "--next takes a span"),
])  # fmt: skip
def test_the_command_rejects_bad_input(db: None, args: list[str], error: str) -> None:
    with pytest.raises(CommandError, match=error):
        call_command("reminders", *args)
