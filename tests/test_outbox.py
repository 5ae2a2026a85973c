"""The outbox keeps its promises (issue 17, decision 0007): one send per claim, attempts that
count sends started, a clean stop that finishes the send in flight and hands back the rest, a
bound on a mail server that never answers, retries with backoff and an explicit end for what
cannot be delivered, alerts before reminders."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from bench.deployment import start_sink, stop_sink
from claywork.accounts.models import User
from claywork.core import outbox
from claywork.ops.doctor import diagnose
from claywork.reminders import delivery as reminder_delivery
from claywork.reminders.delivery import (
    MAX_ATTEMPTS,
    REMINDER_OUTBOX,
    reminders_send_due,
    reminders_send_slice,
)
from claywork.reminders.models import Kind, Notification, Reminder, State
from claywork.safety import services as safety_services
from claywork.safety.delivery import deliveries_send_due
from claywork.safety.models import AlertDelivery
from claywork.safety.services import alert_raise
from claywork.safety.sweep import outbox_sweep, sweep_forever
from tests import factories
from tests.conftest import Personas, client_for
from tests.test_alert_delivery import (  # the real-process harness of the kill tests
    ROOT,
    _claywork,
    _run,
    _wait_for,
    deployment,  # noqa: F401 (a fixture)
)

DOWN = "tests.mail_backends.DownBackend"


@pytest.fixture(autouse=True)
def _not_stopping() -> Iterator[None]:
    outbox.clear_stop()
    yield
    outbox.clear_stop()


def _reminders(patient: User, count: int, *, useful: timedelta = timedelta(hours=4)) -> list[Any]:
    now = timezone.now()
    return [
        Reminder.objects.create(
            patient=patient,
            kind=Kind.CHECK_IN,
            due_at=now - timedelta(minutes=n + 1),
            next_attempt_at=now - timedelta(minutes=n + 1),
            useful_until=now + useful,
        )
        for n in range(count)
    ]


def _reminder_ids() -> list[str]:
    return [
        message.extra_headers["Message-ID"]
        for message in mail.outbox
        if message.extra_headers.get("Message-ID", "").startswith("<claywork.reminder-")
    ]


def _raise_alert(patient: User, key: str) -> None:
    alert_raise(
        patient=patient, kind="self_harm_answer", severity="high", title="t", dedupe_key=key
    )


# --- One send per claim ---------------------------------------------------------------------


def test_a_send_that_finds_its_claim_lost_does_not_send(personas: Personas) -> None:
    (reminder,) = _reminders(personas.patient, 1)
    now = timezone.now()
    # A sender claims the row, then waits behind a slow mail server for longer than the lease.
    slow = outbox.claim(REMINDER_OUTBOX, now=now, limit=10)
    assert slow is not None

    with time_machine.travel(now + timedelta(seconds=121), tick=False):
        fast = outbox.claim(REMINDER_OUTBOX, now=timezone.now(), limit=10)
        assert fast is not None and fast != slow  # another sender took the row

        assert not outbox.attempt_start(REMINDER_OUTBOX, reminder, slow)
        assert outbox.attempt_start(REMINDER_OUTBOX, reminder, fast)

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts, reminder.claim) == (State.SENDING, 1, fast)


def test_claimed_rows_not_started_are_handed_back_without_an_attempt(
    personas: Personas,
) -> None:
    _reminders(personas.patient, 3)
    token = outbox.claim(REMINDER_OUTBOX, now=timezone.now(), limit=10)
    assert token is not None
    claimed = list(outbox.claimed(REMINDER_OUTBOX, token).values_list("pk", flat=True))

    assert outbox.release(REMINDER_OUTBOX, token, claimed) == 3

    assert set(Reminder.objects.values_list("state", "attempts", "claim")) == {("pending", 0, "")}


def test_a_slice_that_runs_out_starts_nothing_and_burns_no_attempt(personas: Personas) -> None:
    _reminders(personas.patient, 4)

    result = reminders_send_slice(now=timezone.now(), seconds=0)

    assert (result.sent, result.finished) == (0, False)
    assert set(Reminder.objects.values_list("state", "attempts")) == {("pending", 0)}
    assert reminders_send_due() == 4


@pytest.mark.django_db(transaction=True)
def test_three_senders_racing_over_both_outboxes_send_each_row_exactly_once(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):
        factories.add_to_care_team(
            personas.patient, factories.ClinicianFactory(clinic=personas.patient.clinic)
        )
    monkeypatch.setattr(safety_services, "_enqueue_sending", lambda: None)
    for n in range(5):
        _raise_alert(personas.patient, f"race:{n}")
    mine = Reminder.objects.filter(
        pk__in=[r.pk for p in (personas.patient, personas.other_patient) for r in _reminders(p, 12)]
    )
    alert_rows, reminder_rows = AlertDelivery.objects.count(), mine.count()
    assert (alert_rows, reminder_rows) == (15, 24)
    mail.outbox.clear()
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait()
            deliveries_send_due()
            reminders_send_due()
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()  # each thread had its own connection to the test database

    with override_settings(EMAIL_BACKEND="tests.mail_backends.SlowLocmemBackend"):
        threads = [threading.Thread(target=sender) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert not errors
    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert len(ids) == len(set(ids)) == alert_rows + reminder_rows
    assert set(AlertDelivery.objects.values_list("state", "attempts")) == {("sent", 1)}
    assert set(mine.values_list("state", "attempts")) == {("sent", 1)}


def test_the_clean_up_never_fails_a_row_another_sender_still_holds(personas: Personas) -> None:
    (reminder,) = _reminders(personas.patient, 1)
    Reminder.objects.filter(pk=reminder.pk).update(
        state=State.SENDING,
        attempts=MAX_ATTEMPTS,
        claim="someone-else",
        lease_expires_at=timezone.now() + timedelta(seconds=60),
    )

    assert outbox.give_up_on_abandoned(REMINDER_OUTBOX, now=timezone.now()) == 0

    reminder.refresh_from_db()
    assert reminder.state == State.SENDING


# --- Stopping -------------------------------------------------------------------------------


@override_settings(EMAIL_BACKEND="tests.mail_backends.StopDuringSendBackend")
def test_a_stop_during_a_send_finishes_it_and_hands_back_the_rest(personas: Personas) -> None:
    mine = Reminder.objects.filter(pk__in=[r.pk for r in _reminders(personas.patient, 5)])

    assert reminders_send_due() == 1

    assert sorted(mine.values_list("state", "attempts")) == [("pending", 0)] * 4 + [("sent", 1)]
    assert set(mine.filter(state="pending").values_list("claim", flat=True)) == {""}
    assert len(_reminder_ids()) == 1


@override_settings(EMAIL_BACKEND="tests.mail_backends.StopDuringSendBackend")
def test_a_stop_during_an_alert_send_finishes_it_and_sends_nothing_more(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    factories.add_to_care_team(
        personas.patient, factories.ClinicianFactory(clinic=personas.patient.clinic)
    )
    monkeypatch.setattr(safety_services, "_enqueue_sending", lambda: None)
    _raise_alert(personas.patient, "stop:1")

    assert deliveries_send_due() == 1

    assert sorted(AlertDelivery.objects.values_list("state", "attempts")) == [
        ("pending", 0),
        ("sent", 1),
    ]


def test_a_process_asked_to_stop_sweeps_no_more(personas: Personas) -> None:
    _reminders(personas.patient, 2)
    outbox.request_stop()

    sweep_forever(0.1)  # returns at once

    assert set(Reminder.objects.values_list("state", flat=True)) == {"pending"}


def _rows(installation: dict[str, Any]) -> list[tuple[str, int]]:
    with sqlite3.connect(installation["tmp"] / "claywork.sqlite3") as db:
        return sorted(db.execute("SELECT state, attempts FROM reminders_reminder").fetchall())


THREE_REMINDERS = """
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from claywork.accounts.models import User
from claywork.clinics.models import Clinic
from claywork.reminders.models import Reminder
clinic = Clinic.objects.create(name="Stop Clinic", slug="stop", timezone="UTC")
now = timezone.now()
for n in range(3):
    patient = User.objects.create_user(f"p{n}@example.test", full_name=f"P {n}", clinic=clinic)
    Reminder.objects.create(
        patient=patient, kind="check_in", due_at=now, next_attempt_at=now,
        useful_until=now + timedelta(hours=6),
    )
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGTERM")
@pytest.mark.parametrize(
    "command",
    [
        ("deliver-alerts", "--loop", "--interval", "0.2"),
        ("worker", "--no-startup-delay", "--interval", "0.2", "--alert-sweep-interval", "0.2"),
    ],
    ids=["deliver-alerts", "worker"],
)
def test_sigterm_finishes_the_send_in_flight_hands_back_the_rest_and_exits_0(
    deployment: dict[str, Any],  # noqa: F811
    command: tuple[str, ...],
) -> None:
    _run(deployment, "migrate", "--noinput")
    setup = subprocess.run(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "python"), "-c", THREE_REMINDERS],
        env=deployment["env"],
        cwd=deployment["tmp"],
        capture_output=True,
        timeout=120,
    )
    assert setup.returncode == 0, setup.stderr.decode()
    sender = _claywork(deployment, *command, CLAYWORK_TEST_MAIL_SECONDS="3")
    _wait_for((deployment["tmp"] / "sending-started").exists, 120, "the first send")

    sender.send_signal(signal.SIGTERM)

    assert sender.wait(timeout=60) == 0
    assert _rows(deployment) == [("pending", 0), ("pending", 0), ("sent", 1)]
    mails = list((deployment["tmp"] / "mail").glob("*"))
    assert sum(path.read_text().count("Message-ID: <claywork.reminder-") for path in mails) == 1


# --- A mail server that never answers -------------------------------------------------------


def _smtp(port: int) -> Any:
    return override_settings(
        EMAIL_BACKEND="claywork.core.mail.SMTPBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=1,
    )


@pytest.mark.parametrize("behaviour", ["silent", "trickle"])
def test_a_mail_server_that_never_finishes_costs_one_failed_attempt_not_a_stuck_claim(
    personas: Personas, behaviour: str
) -> None:
    """``silent`` never says a word (the socket timeout ends it); ``trickle`` answers every
    read but never completes the message (the backend's bound on the whole message ends it)."""
    (reminder,) = _reminders(personas.patient, 1)
    sink, server = start_sink(silent=behaviour == "silent", trickle=behaviour == "trickle")
    try:
        with _smtp(sink.port):
            assert reminders_send_due() == 0
    finally:
        stop_sink(server)

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts, reminder.lease_expires_at) == ("pending", 1, None)
    assert reminder.last_error
    assert sink.connections >= 1 and sink.received == []


# --- Retries, and what cannot be delivered --------------------------------------------------


def test_reminder_retries_wait_longer_each_time_up_to_half_an_hour() -> None:
    waits = [reminder_delivery.retry_delay(n) for n in range(1, 8)]

    assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 16, 30, 30]


@override_settings(EMAIL_BACKEND=DOWN)
def test_a_reminder_whose_email_keeps_failing_is_retried_then_failed_and_the_patient_is_told(
    personas: Personas,
) -> None:
    (reminder,) = _reminders(personas.patient, 1)
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        reminder.refresh_from_db()
        with time_machine.travel(reminder.next_attempt_at + timedelta(seconds=1), tick=False):
            assert reminders_send_due() == 0
            reminder.refresh_from_db()
            assert reminder.attempts == attempt
            if reminder.state == State.PENDING:
                waits.append(round((reminder.next_attempt_at - timezone.now()).total_seconds()))
    assert waits == [60, 120, 240, 480]  # 1, 2, 4, 8 minutes after each failure
    assert (reminder.state, reminder.attempts) == (State.FAILED, MAX_ATTEMPTS)
    assert "SMTPConnectError" in reminder.last_error
    assert Notification.objects.filter(reminder=reminder).exists()  # the in-app copy

    page = client_for(personas.patient).get("/notifications/")

    assert "We could not e-mail you this reminder." in page.content.decode()
    ((_, findings),) = diagnose(only={"reminders"})
    assert findings and "1 reminder(s) could not be e-mailed" in findings[0]
    assert personas.patient.email not in findings[0]


def test_a_stale_reminder_that_was_tried_is_failed_and_one_nobody_tried_is_skipped(
    personas: Personas,
) -> None:
    tried, untried = _reminders(personas.patient, 2, useful=timedelta(minutes=5))
    Reminder.objects.filter(pk=tried.pk).update(attempts=2, last_error="SMTPConnectError: down")

    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert reminders_send_due() == 0

    tried.refresh_from_db()
    untried.refresh_from_db()
    assert (tried.state, tried.last_error) == (State.FAILED, "SMTPConnectError: down")
    assert untried.state == State.SKIPPED


# --- Alerts first ---------------------------------------------------------------------------


def test_alerts_go_out_before_a_flood_of_reminders_which_get_a_slice(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safety_services, "_enqueue_sending", lambda: None)
    _reminders(personas.other_patient, 30)
    _raise_alert(personas.patient, "first:1")

    starved = outbox_sweep(reminder_seconds=0)

    assert (starved.sent, starved.reminders_sent, starved.reminders_finished) == (1, 0, False)
    assert outbox_sweep(reminder_seconds=None).reminders_sent == 30


# --- Configuration --------------------------------------------------------------------------


@override_settings(CLAYWORK_ALERT_LEASE_SECONDS=30, EMAIL_TIMEOUT=20)
def test_doctor_names_a_lease_shorter_than_the_longest_send(db: None) -> None:
    ((_, findings),) = diagnose(only={"e-mail"})

    assert findings and "CLAYWORK_ALERT_LEASE_SECONDS (30)" in findings[0]
