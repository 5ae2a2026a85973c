"""Reminders reach the patient once: the outbox, leases, catching up, skipping what is stale,
no health information in e-mails, two sweeps at once and a real ``kill -9``."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care import services as care
from claywork.core import outbox
from claywork.ownership.services import account_deletion_cancel, account_deletion_request
from claywork.practice import services as practice
from claywork.reminders import delivery
from claywork.reminders.chosen import scale_subject
from claywork.reminders.delivery import REMINDER_OUTBOX, reminder_email, reminders_send_due
from claywork.reminders.models import (
    Kind,
    Notification,
    Reminder,
    ReminderPreferences,
    State,
    subject_of,
)
from claywork.safety.sweep import outbox_sweep
from tests import factories
from tests.concurrent_sweeps import sweep_twice_at_once
from tests.conftest import Personas
from tests.test_alert_delivery import (  # the real-process harness of the alert kill test
    ROOT,
    _claywork,
    _run,
    _wait_for,
    deployment,  # noqa: F401 (a fixture)
)

DOWN = "tests.mail_backends.DownBackend"
CANARY = "Canary-Ketamine-Tearful-7731"


def _reminder(
    patient: User,
    kind: str = Kind.CHECK_IN,
    *,
    due: timedelta = timedelta(minutes=-1),
    useful: timedelta = timedelta(hours=4),
    session: Any = None,
) -> Reminder:
    now = timezone.now()
    return Reminder.objects.create(
        patient=patient,
        kind=kind,
        due_at=now + due,
        next_attempt_at=now + due,
        useful_until=now + due + useful,
        session=session,
    )


def test_a_due_reminder_is_sent_once_by_email_and_in_the_app(personas: Personas) -> None:
    reminder = _reminder(personas.patient)

    assert reminders_send_due() == 1
    assert reminders_send_due() == 0
    outbox_sweep()

    (message,) = mail.outbox
    assert message.to == [personas.patient.email]
    assert "http://127.0.0.1:8000/check-in/" in message.body
    assert message.extra_headers["Message-ID"].startswith(f"<claywork.reminder-{reminder.pk}@")
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.SENT, 1)
    (notice,) = Notification.objects.filter(patient=personas.patient)
    assert notice.path == "/check-in/"


def test_a_reminder_not_yet_due_waits(personas: Personas) -> None:
    _reminder(personas.patient, due=timedelta(minutes=5))

    assert reminders_send_due() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert reminders_send_due() == 1


def test_a_stopped_worker_catches_up_and_skips_what_is_past_its_window(
    personas: Personas,
) -> None:
    # The worker was down for ten hours.
    still_useful = _reminder(personas.patient, due=timedelta(hours=-10), useful=timedelta(hours=11))
    stale = _reminder(
        personas.patient, Kind.WINDOW_OPENS, due=timedelta(hours=-10), useful=timedelta(hours=9)
    )

    assert reminders_send_due() == 1

    still_useful.refresh_from_db()
    stale.refresh_from_db()
    assert still_useful.state == State.SENT
    assert stale.state == State.SKIPPED
    assert len(mail.outbox) == 1


def test_when_email_is_down_the_reminder_is_retried(personas: Personas) -> None:
    reminder = _reminder(personas.patient)

    with override_settings(EMAIL_BACKEND=DOWN):
        assert reminders_send_due() == 0
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.PENDING, 1)
    assert reminder.last_error.startswith("SMTPConnectError")

    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert reminders_send_due() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_a_kind_turned_off_after_planning_is_not_sent(personas: Personas) -> None:
    reminder = _reminder(personas.patient)
    ReminderPreferences.objects.create(patient=personas.patient, check_in=False)

    assert reminders_send_due() == 0

    reminder.refresh_from_db()
    assert reminder.state == State.CANCELLED and not mail.outbox


def test_no_reminder_is_sent_while_the_patient_has_asked_to_delete_their_account(
    personas: Personas,
) -> None:
    leaving = _reminder(personas.patient)
    other = _reminder(personas.other_patient)
    account_deletion_request(patient=personas.patient)

    assert reminders_send_due() == 1  # only the other patient's

    leaving.refresh_from_db()
    other.refresh_from_db()
    assert (leaving.state, other.state) == (State.CANCELLED, State.SENT)
    account_deletion_cancel(patient=personas.patient)
    _reminder(personas.patient)
    assert reminders_send_due() == 1  # changed their mind: reminded again


def test_a_claimed_reminder_is_left_alone_until_its_lease_expires(personas: Personas) -> None:
    reminder = _reminder(personas.patient)
    token = outbox.claim(REMINDER_OUTBOX, now=timezone.now(), limit=10)
    assert token is not None
    assert outbox.attempt_start(REMINDER_OUTBOX, reminder, token)  # its sender dies mid-send

    assert reminders_send_due() == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=121), tick=False):
        assert reminders_send_due() == 1

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.SENT, 2)


def test_a_claim_its_sender_never_started_costs_no_attempt(personas: Personas) -> None:
    reminder = _reminder(personas.patient)
    assert outbox.claim(REMINDER_OUTBOX, now=timezone.now(), limit=10)  # its sender dies

    with time_machine.travel(timezone.now() + timedelta(seconds=121), tick=False):
        assert reminders_send_due() == 1

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.SENT, 1)


def test_a_stale_claim_loses(personas: Personas) -> None:
    _reminder(personas.patient)
    now = timezone.now()

    assert outbox.claim(REMINDER_OUTBOX, now=now, limit=10)
    assert outbox.claim(REMINDER_OUTBOX, now=now, limit=10) is None


# --- No health information ------------------------------------------------------------------


def _without_tokens(text: str) -> str:
    """A link's token (a reminder's, the personas' circle invitation's) is random letters and
    may spell anything, "phq" included."""
    return re.sub(r"/[\w-]{20,}/", "/<token>/", text)


def test_no_reminder_email_carries_health_information(personas: Personas) -> None:
    patient = personas.patient
    User.objects.filter(pk=patient.pk).update(full_name=CANARY)
    patient.refresh_from_db()
    course = factories.make_course(patient, title=CANARY)
    session = care.session_schedule(
        course=course, scheduled_at=timezone.now() + timedelta(days=2), location=CANARY
    )
    care.intention_save(session=session, text=CANARY)
    session = care.session_complete(session=care.session_start(session=session), debrief=CANARY)
    factories.make_entry(patient, body=CANARY, title=CANARY, session=session)
    # The patient's own words about a goal and a practice, each with a reminder.
    goal, _ = practice.goal_create(
        patient=patient,
        realm="body",
        title=CANARY,
        cadence="daily",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    own_practice = practice.practice_create(patient=patient, name=CANARY)
    subjects = {
        Kind.GOAL: subject_of(goal_id=goal.pk),
        Kind.PRACTICE: subject_of(practice_id=own_practice.pk),
        Kind.SCALE_DUE: scale_subject("phq9", None),
    }

    for kind in Kind.values:
        reminder = _reminder(patient, kind, session=session, due=timedelta(minutes=len(kind)))
        reminder.subject = subjects.get(kind, "")
        reminder.save()
        # The link the sender would really use, and a stand-in for the reflection token.
        link = delivery._link_for(reminder, delivery.page_for(reminder), timezone.now())
        for message in (
            reminder_email(reminder, link="http://127.0.0.1:8000/r/token/"),
            reminder_email(reminder, link=link),
        ):
            text = _without_tokens(f"{message.subject}\n{message.body}\n{message.extra_headers}")
            assert CANARY.lower() not in text.lower(), kind
            assert "ketamine" not in text.lower(), kind
            assert "phq" not in text.lower(), kind  # not even the questionnaire's code
            assert "/reminders/settings/" in message.body, kind
        assert "http://127.0.0.1:8000/" in link, kind
    # Sent for real: the e-mails and the in-app notifications say no more.
    assert reminders_send_due(now=timezone.now() + timedelta(hours=1)) == len(Kind.values)
    sent = [_without_tokens(f"{m.subject}\n{m.body}") for m in mail.outbox]
    sent += list(Notification.objects.filter(patient=patient).values_list("title", flat=True))
    assert not [text for text in sent if CANARY.lower() in text.lower() or "phq" in text.lower()]


def test_every_kind_has_an_email_template_and_a_subject() -> None:
    templates = ROOT / "claywork" / "reminders" / "templates" / "reminders" / "email"

    assert {path.stem for path in templates.glob("*.txt")} - {"_footer"} == set(Kind.values)
    assert set(delivery.SUBJECTS) == set(Kind.values)


# --- Two sweeps at once ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_send_each_reminder_exactly_once(personas: Personas) -> None:
    patients = [personas.patient, personas.other_patient] + [
        factories.PatientFactory(clinic=personas.patient.clinic) for _ in range(4)
    ]
    for patient in patients:
        for minutes in range(1, 6):
            _reminder(patient, due=timedelta(minutes=-minutes))
    due = Reminder.objects.filter(due_at__lte=timezone.now())
    expected = due.count()
    assert expected == 30
    with override_settings(EMAIL_BACKEND="tests.mail_backends.SlowLocmemBackend"):
        counts = sweep_twice_at_once(reminders_send_due, timeout=60)

    # Only the reminders' mail: building the personas may have sent other mail (invitations).
    ids = [
        message.extra_headers["Message-ID"]
        for message in mail.outbox
        if message.extra_headers.get("Message-ID", "").startswith("<claywork.reminder-")
    ]
    assert len(ids) == expected == len(set(ids)) == sum(counts)
    assert set(due.values_list("state", "attempts")) == {("sent", 1)}
    assert Notification.objects.count() == expected


# --- A real sender, killed with SIGKILL in the middle of sending ----------------------------

SETUP_SCRIPT = """
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from claywork.accounts.models import User
from claywork.clinics.models import Clinic
from claywork.reminders.models import Reminder
clinic = Clinic.objects.create(name="Kill Clinic", slug="kill", timezone="UTC")
patient = User.objects.create_user("pat@example.test", full_name="Pat Killtest", clinic=clinic)
now = timezone.now()
Reminder.objects.create(
    patient=patient, kind="check_in", due_at=now, next_attempt_at=now,
    useful_until=now + timedelta(hours=6),
)
"""


def _row(installation: dict[str, Any]) -> tuple[str, int]:
    with sqlite3.connect(installation["tmp"] / "claywork.sqlite3") as db:
        rows = db.execute("SELECT state, attempts FROM reminders_reminder").fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def _reminder_mails(installation: dict[str, Any]) -> list[str]:
    mail_dir = installation["tmp"] / "mail"
    files = sorted(mail_dir.glob("*")) if mail_dir.exists() else []
    return [
        part
        for path in files
        for part in path.read_text().split("-" * 79)
        if "Message-ID: <claywork.reminder-" in part
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_a_sender_killed_mid_send_loses_nothing_and_the_next_sends_once(
    deployment: dict[str, Any],  # noqa: F811
) -> None:
    _run(deployment, "migrate", "--noinput")
    setup = subprocess.run(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "python"), "-c", SETUP_SCRIPT],
        env=deployment["env"],
        cwd=deployment["tmp"],
        capture_output=True,
        timeout=120,
    )
    assert setup.returncode == 0, setup.stderr.decode()
    assert _row(deployment) == ("pending", 0)

    sender = _claywork(
        deployment, "deliver-alerts", "--loop", "--interval", "0.2",
        CLAYWORK_TEST_MAIL_SECONDS="600",
    )  # fmt: skip
    marker: Path = deployment["tmp"] / "sending-started"
    _wait_for(marker.exists, 60, "the sender to start sending")
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait(timeout=10)

    assert sender.returncode == -signal.SIGKILL
    assert _row(deployment) == ("sending", 1)
    assert _reminder_mails(deployment) == []

    marker.unlink()
    worker = _claywork(
        deployment, "worker", "--no-startup-delay", "--interval", "0.2",
        "--alert-sweep-interval", "0.2",
    )  # fmt: skip
    _wait_for(lambda: _row(deployment)[0] == "sent", 60, "the worker to send")
    time.sleep(1)  # more sweeps find nothing left to send
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)

    assert _row(deployment) == ("sent", 2)
    (message,) = _reminder_mails(deployment)
    assert "your daily check-in" in message
