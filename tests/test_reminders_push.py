"""Push as a reminder channel of the outbox: per kind e-mail and/or push, each channel recorded
once, a failed channel retried without repeating the other, a forgotten device dropped (no
retry storm), no health text at the pywebpush boundary, and two workers sending each reminder
exactly once on each channel. Also: existing reminders keep their state through the upgrade."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time as clock
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import requests
import time_machine
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone
from pywebpush import WebPushException

from claywork.accounts.models import User
from claywork.core import outbox
from claywork.practice import services as practice
from claywork.push import services as push
from claywork.push.models import PushDelivery, PushSubscription
from claywork.reminders.chosen import routine_save
from claywork.reminders.delivery import reminders_send_due
from claywork.reminders.models import Channels, Kind, Notification, Reminder, State
from claywork.reminders.services import preferences_of
from tests import factories
from tests.concurrent_sweeps import sweep_twice_at_once
from tests.conftest import Personas, client_for
from tests.test_push import VAPID, _browser_keys

pytestmark = pytest.mark.django_db

DOWN = "tests.mail_backends.DownBackend"


@dataclass
class FakePushService:
    """Stands in for the push services behind ``pywebpush.webpush``: records each message by
    endpoint, or answers an error status for the endpoints told to."""

    answers: dict[str, int] = field(default_factory=dict)
    received: list[tuple[str, str]] = field(default_factory=list)
    calls: int = 0
    pause: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, *, subscription_info: dict[str, Any], data: str, **options: Any) -> None:
        endpoint = subscription_info["endpoint"]
        with self.lock:
            self.calls += 1
        if self.pause:
            time.sleep(self.pause)  # lets two senders overlap
        status = self.answers.get(endpoint)
        if status is not None:
            answer = requests.Response()
            answer.status_code = status
            raise WebPushException(f"Push failed: {status}", response=answer)
        with self.lock:
            self.received.append((endpoint, data))


@pytest.fixture
def push_service() -> Iterator[FakePushService]:
    fake = FakePushService()
    with override_settings(**VAPID), mock.patch("claywork.push.services.webpush", fake):
        yield fake


def _device(patient: User, name: str = "phone") -> PushSubscription:
    return push.push_subscribe(
        patient=patient, endpoint=f"https://push.example.test/{name}", **_browser_keys()
    )


def _reminder(patient: User, kind: str = Kind.CHECK_IN, *, minutes: int = 1) -> Reminder:
    now = timezone.now()
    due = now - timedelta(minutes=minutes)
    return Reminder.objects.create(
        patient=patient,
        kind=kind,
        due_at=due,
        next_attempt_at=due,
        useful_until=now + timedelta(hours=4),
    )


def _reminder_mail() -> list[str]:
    return [
        message.extra_headers["Message-ID"]
        for message in mail.outbox
        if message.extra_headers.get("Message-ID", "").startswith("<claywork.reminder-")
    ]


def _choose(patient: User, **channels: str) -> None:
    prefs = preferences_of(patient)
    prefs.channels = channels
    prefs.save()


# --- One reminder, both channels ---------------------------------------------------------------


def test_a_reminder_goes_once_by_email_and_once_to_each_device_of_the_patient(
    personas: Personas, push_service: FakePushService
) -> None:
    phone, laptop = _device(personas.patient, "phone"), _device(personas.patient, "laptop")
    _device(personas.other_patient, "someone-else")
    reminder = _reminder(personas.patient)

    assert reminders_send_due() == 1
    assert reminders_send_due() == 0

    assert len(_reminder_mail()) == 1
    assert sorted(endpoint for endpoint, _ in push_service.received) == sorted(
        [phone.endpoint, laptop.endpoint]
    )
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.SENT, 1)
    assert reminder.email_sent_at is not None and reminder.push_sent_at is not None
    assert set(PushDelivery.objects.values_list("reminder", "subscription")) == {
        (reminder.pk, phone.pk),
        (reminder.pk, laptop.pk),
    }
    assert Notification.objects.filter(reminder=reminder).count() == 1


def test_without_a_device_or_without_vapid_keys_only_the_email_goes(
    personas: Personas,
) -> None:
    _device(personas.patient)  # push not configured: the device is never sent to
    fake = FakePushService()
    with mock.patch("claywork.push.services.webpush", fake):
        reminder = _reminder(personas.patient)
        assert reminders_send_due() == 1
    reminder.refresh_from_db()
    assert fake.calls == 0 and len(_reminder_mail()) == 1
    assert (reminder.state, reminder.push_sent_at) == (State.SENT, None)


@pytest.mark.parametrize(
    ("channel", "emails", "pushes"),
    [(Channels.EMAIL, 1, 0), (Channels.PUSH, 0, 1), (Channels.BOTH, 1, 1)],
)
def test_the_patient_chooses_email_push_or_both_for_each_kind(
    personas: Personas, push_service: FakePushService, channel: str, emails: int, pushes: int
) -> None:
    _device(personas.patient)
    # The chosen channel is for check-ins only; the other kind keeps both.
    _choose(personas.patient, check_in=channel)
    check_in = _reminder(personas.patient, Kind.CHECK_IN)
    other = _reminder(personas.patient, Kind.SESSION_UPCOMING, minutes=2)

    assert reminders_send_due() == 2

    assert len(_reminder_mail()) == emails + 1
    assert len(push_service.received) == pushes + 1
    for reminder in (check_in, other):
        reminder.refresh_from_db()
        assert reminder.state == State.SENT
    assert (check_in.email_sent_at is not None, check_in.push_sent_at is not None) == (
        bool(emails),
        bool(pushes),
    )


# --- A channel fails ---------------------------------------------------------------------------


def test_when_push_fails_only_push_is_retried_and_the_email_is_not_sent_again(
    personas: Personas, push_service: FakePushService
) -> None:
    device = _device(personas.patient)
    push_service.answers[device.endpoint] = 503
    reminder = _reminder(personas.patient)

    assert reminders_send_due() == 0
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.PENDING, 1)
    assert reminder.email_sent_at is not None and reminder.push_sent_at is None
    assert reminder.last_error.startswith("PushFailed")
    assert len(_reminder_mail()) == 1

    del push_service.answers[device.endpoint]
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert reminders_send_due() == 1

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.SENT, 2)
    assert len(_reminder_mail()) == 1  # not e-mailed twice
    assert [endpoint for endpoint, _ in push_service.received] == [device.endpoint]


def test_when_email_fails_only_email_is_retried_and_no_device_is_pushed_twice(
    personas: Personas, push_service: FakePushService
) -> None:
    _device(personas.patient)
    reminder = _reminder(personas.patient)

    with override_settings(EMAIL_BACKEND=DOWN):
        assert reminders_send_due() == 0
    reminder.refresh_from_db()
    assert reminder.email_sent_at is None and reminder.push_sent_at is not None
    assert reminder.last_error.startswith("SMTPConnectError")

    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert reminders_send_due() == 1

    reminder.refresh_from_db()
    assert reminder.state == State.SENT and reminder.email_sent_at is not None
    assert len(_reminder_mail()) == 1
    assert len(push_service.received) == 1


def test_one_device_failing_retries_that_device_only(
    personas: Personas, push_service: FakePushService
) -> None:
    phone, laptop = _device(personas.patient, "phone"), _device(personas.patient, "laptop")
    push_service.answers[laptop.endpoint] = 500
    reminder = _reminder(personas.patient)

    reminders_send_due()
    del push_service.answers[laptop.endpoint]
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        reminders_send_due()

    assert sorted(endpoint for endpoint, _ in push_service.received) == sorted(
        [phone.endpoint, laptop.endpoint]
    )
    reminder.refresh_from_db()
    assert reminder.state == State.SENT


def test_a_push_that_keeps_failing_fails_the_reminder_and_the_patient_is_told(
    personas: Personas, push_service: FakePushService
) -> None:
    device = _device(personas.patient)
    push_service.answers[device.endpoint] = 503
    _choose(personas.patient, check_in=Channels.PUSH)
    reminder = _reminder(personas.patient)

    moment = timezone.now()
    for _ in range(6):
        with time_machine.travel(moment, tick=False):
            reminders_send_due()
        moment += timedelta(minutes=31)

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.FAILED, 5)
    assert push_service.calls == 5
    page = client_for(personas.patient).get("/notifications/").content.decode()
    assert "We could not send this reminder to your devices." in page


def test_a_sender_that_lost_its_claim_after_the_email_pushes_nothing(
    personas: Personas, push_service: FakePushService
) -> None:
    _device(personas.patient)
    reminder = _reminder(personas.patient)

    with mock.patch.object(outbox, "still_mine", return_value=False):
        assert reminders_send_due() == 0

    assert push_service.calls == 0
    reminder.refresh_from_db()
    assert reminder.email_sent_at is not None and reminder.push_sent_at is None
    assert reminder.state == State.PENDING  # the push is left for the next attempt


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_forgot_is_dropped_without_a_retry(
    personas: Personas, push_service: FakePushService, status: int
) -> None:
    device = _device(personas.patient)
    push_service.answers[device.endpoint] = status
    first = _reminder(personas.patient)

    assert reminders_send_due() == 1  # the e-mail went; nothing is left to retry
    later = _reminder(personas.patient, Kind.SESSION_UPCOMING)
    assert reminders_send_due() == 1

    device.refresh_from_db()
    assert device.revoked_reason == "gone"
    assert push_service.calls == 1  # the second reminder did not try the dead device
    for reminder in (first, later):
        reminder.refresh_from_db()
        assert (reminder.state, reminder.attempts, reminder.push_sent_at) == (
            State.SENT,
            1,
            None,
        )


# --- No health text on the wire -----------------------------------------------------------------

CANARY_GOAL = "Canary goal: stop drinking before the ketamine session"


def test_what_reaches_the_push_service_says_nothing_about_health(
    personas: Personas, push_service: FakePushService
) -> None:
    patient = personas.patient
    _device(patient)
    goal, _ = practice.goal_create(
        patient=patient,
        realm="body",
        title=CANARY_GOAL,
        cadence="daily",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    routine_save(patient=patient, goal=goal, at=clock(12), weekdays=list(range(7)))
    planned = Reminder.objects.filter(patient=patient, kind=Kind.GOAL).order_by("due_at").first()
    assert planned is not None
    with time_machine.travel(planned.due_at + timedelta(minutes=1), tick=False):
        assert reminders_send_due() >= 1

    words = ["canary", "drink", "ketamine", "session", "goal:", patient.full_name, patient.email]
    for _, data in push_service.received:
        leaked = [word for word in words if word.lower() in data.lower()]
        assert not leaked, data
    # Every reminder the personas had due went too; the goal's is among them.
    messages = {json.loads(data)["tag"]: json.loads(data) for _, data in push_service.received}
    assert messages[f"reminder-{planned.pk}"] == {
        "title": "Claywork",
        "body": "A goal you asked to be reminded of",
        "url": f"/reminders/{planned.pk}/open/",
        "tag": f"reminder-{planned.pk}",
        "icon": "/static/claywork/icon-192.png",
    }


# --- Two workers --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_reminder_exactly_once_on_each_channel(
    personas: Personas,
) -> None:
    patients = [personas.patient, personas.other_patient] + [
        factories.PatientFactory(clinic=personas.patient.clinic) for _ in range(3)
    ]
    devices = {patient.pk: _device(patient, f"device-{patient.pk}") for patient in patients}
    for patient in patients:
        for minutes in range(1, 5):
            _reminder(patient, minutes=minutes)
    due = Reminder.objects.filter(due_at__lte=timezone.now())
    expected = due.count()
    assert expected == 20
    fake = FakePushService(pause=0.01)
    with (
        override_settings(EMAIL_BACKEND="tests.mail_backends.SlowLocmemBackend", **VAPID),
        mock.patch("claywork.push.services.webpush", fake),
    ):
        counts = sweep_twice_at_once(reminders_send_due)

    emails = _reminder_mail()
    assert len(emails) == len(set(emails)) == expected == sum(counts)
    tags = [(endpoint, json.loads(data)["tag"]) for endpoint, data in fake.received]
    assert len(tags) == len(set(tags)) == expected
    by_reminder = {
        reminder.pk: devices[reminder.patient_id].endpoint
        for reminder in due.only("pk", "patient_id")
    }
    assert set(tags) == {(endpoint, f"reminder-{pk}") for pk, endpoint in by_reminder.items()}
    assert set(due.values_list("state", "attempts")) == {("sent", 1)}
    assert not due.filter(email_sent_at__isnull=True).exists()
    assert not due.filter(push_sent_at__isnull=True).exists()
    assert PushDelivery.objects.count() == expected


# --- The reminder settings page -----------------------------------------------------------------


def test_the_settings_page_saves_a_channel_per_kind_and_keeps_it_when_not_sent(
    personas: Personas, push_service: FakePushService
) -> None:
    client = client_for(personas.patient)
    form = {"timezone": "Europe/Berlin", "check_in": "on", "goal": "on"}

    page = client.get("/reminders/settings/")
    assert 'name="check_in_channel"' in page.content.decode()
    client.post("/reminders/settings/", form | {"check_in_channel": "push"})
    client.post("/reminders/settings/", form)  # an older page without the choice

    prefs = preferences_of(personas.patient)
    assert (prefs.channel(Kind.CHECK_IN), prefs.channel(Kind.GOAL)) == ("push", "both")
    refused = client.post("/reminders/settings/", form | {"goal_channel": "pigeon"})
    assert refused.status_code == 400
    assert "Choose e-mail, your devices, or both." in refused.content.decode()


def test_without_push_the_settings_page_offers_no_channel(personas: Personas) -> None:
    page = client_for(personas.patient).get("/reminders/settings/").content.decode()
    assert "_channel" not in page


# --- Upgrading ----------------------------------------------------------------------------------


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Move reminders (and push, which follows it) to ``targets``; the models as they are then
    (the apps that do not depend on reminders at their newest)."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    others = [node for node in loader.graph.leaf_nodes() if node[0] not in ("reminders", "push")]
    return loader.project_state([*others, *targets]).apps


@pytest.mark.django_db(transaction=True)
def test_upgrading_keeps_sent_reminders_sent_by_email_and_pending_ones_pending() -> None:
    old = _migrate([("reminders", "0003_outbox_claims")])
    Clinic, OldUser = old.get_model("clinics", "Clinic"), old.get_model("accounts", "User")
    OldReminder = old.get_model("reminders", "Reminder")
    clinic = Clinic.objects.create(name="Old", slug="old")
    patient = OldUser.objects.create(email="p@old.test", full_name="P", clinic=clinic)
    now = timezone.now()

    def reminder(minutes: int, **fields: Any) -> Any:
        due = now - timedelta(minutes=minutes)
        return OldReminder.objects.create(
            patient=patient, kind="check_in", due_at=due, next_attempt_at=due,
            useful_until=now + timedelta(hours=2), **fields,
        )  # fmt: skip

    sent = reminder(1, state="sent", attempts=1, sent_at=now - timedelta(seconds=30))
    pending = reminder(2)
    failed = reminder(3, state="failed", attempts=5, last_error="SMTPConnectError: down")

    try:
        new = _migrate([("reminders", "0004_reminder_channels")])
        Reminder_ = new.get_model("reminders", "Reminder")
        rows = {
            r.pk: (r.state, r.attempts, r.email_sent_at, r.push_sent_at)
            for r in Reminder_.objects.all()
        }
        assert rows[sent.pk] == ("sent", 1, sent.sent_at, None)
        assert rows[pending.pk] == ("pending", 0, None, None)
        assert rows[failed.pk] == ("failed", 5, None, None)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
