"""Alerts are never silent: the outbox, retries, leases, escalation and a real ``kill -9``.

The promise (issue 4, "Bad input"): an alert is written in the same transaction as what
triggered it, and its e-mails are delivered from an outbox whether e-mail is down, the worker
is stopped, or the worker is killed in the middle of sending.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from bench.deployment import environment
from claywork.accounts.models import User
from claywork.core import outbox
from claywork.safety import delivery
from claywork.safety import services as safety_services
from claywork.safety.delivery import ALERT_OUTBOX, MAX_ATTEMPTS, deliveries_send_due
from claywork.safety.models import Alert, AlertDelivery, DeliveryPurpose, DeliveryState
from claywork.safety.routing import alerts_escalate_due
from claywork.safety.services import alert_acknowledge, alert_raise
from tests import factories
from tests.conftest import Personas

ROOT = Path(__file__).resolve().parent.parent
DOWN = "tests.mail_backends.DownBackend"
TITLE = "PHQ-9: self-harm item answered above zero"


def raise_alert(patient: User, key: str = "test:1", severity: str = "high") -> Alert:
    alert, _ = alert_raise(
        patient=patient, kind="self_harm_answer", severity=severity, title=TITLE, dedupe_key=key
    )
    return alert


def sweep() -> str:
    """``claywork deliver-alerts``, once."""
    out = io.StringIO()
    call_command("deliver_alerts", stdout=out)
    return out.getvalue()


def states(alert: Alert) -> list[str]:
    return list(alert.deliveries.order_by("pk").values_list("state", flat=True))


@pytest.fixture
def later() -> Callable[..., Any]:
    """``later(minutes=31)``: travel forward from now, for retries and escalation."""

    def travel(**delta: float) -> Any:
        return time_machine.travel(timezone.now() + timedelta(**delta), tick=False)

    return travel


# --- Written with the alert, in the same transaction ----------------------------------------


def test_an_alert_is_written_with_one_pending_email_per_care_team_clinician(
    personas: Personas,
) -> None:
    second = factories.ClinicianFactory(clinic=personas.patient.clinic, full_name="Sam Second")
    factories.add_to_care_team(personas.patient, second)

    alert = raise_alert(personas.patient)

    rows = alert.deliveries.all()
    assert {row.recipient for row in rows} == {personas.care_clinician, second}
    assert {(row.state, row.channel, row.purpose, row.attempts) for row in rows} == {
        ("pending", "email", "alert", 0)
    }


def test_a_patient_without_a_care_team_is_heard_by_the_clinic_admins(personas: Personas) -> None:
    alone = factories.PatientFactory(clinic=personas.patient.clinic)

    alert = raise_alert(alone)

    assert [row.recipient for row in alert.deliveries.all()] == [personas.clinic_admin]


def test_rolling_back_what_raised_the_alert_leaves_no_alert_and_no_email(
    personas: Personas,
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        raise_alert(personas.patient)
        raise RuntimeError("the save that raised it failed")

    assert not Alert.objects.exists()
    assert not AlertDelivery.objects.exists()


def test_raising_the_same_alert_twice_writes_one_alert_and_one_set_of_emails(
    personas: Personas,
) -> None:
    first = raise_alert(personas.patient)
    again, created = alert_raise(
        patient=personas.patient, kind="self_harm_answer", severity="high", title=TITLE,
        dedupe_key="test:1",
    )  # fmt: skip

    assert (again.pk, created) == (first.pk, False)
    assert AlertDelivery.objects.count() == 1


def test_sending_starts_when_the_alert_is_committed(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        alert = raise_alert(personas.patient)

    assert states(alert) == ["sent"]
    assert len(mail.outbox) == 1


# --- The message --------------------------------------------------------------------------


def test_the_email_names_the_patient_and_links_to_the_alert_and_says_nothing_else(
    personas: Personas,
) -> None:
    alert = raise_alert(personas.patient)

    assert deliveries_send_due() == 1

    (message,) = mail.outbox
    assert message.to == [personas.care_clinician.email]
    assert message.body.startswith(
        "A high-priority alert for Pat Patient needs your attention: "
        f"http://127.0.0.1:8000/alerts/{alert.pk}/"
    )
    assert TITLE not in message.body and "self-harm" not in message.body.lower()
    assert "self-harm" not in message.subject.lower()
    assert message.extra_headers["Message-ID"].startswith(f"<claywork.alert-{alert.pk}.")
    delivered = alert.deliveries.get()
    assert delivered.state == DeliveryState.SENT and delivered.sent_at is not None


def test_sending_twice_is_harmless(personas: Personas) -> None:
    raise_alert(personas.patient)

    assert deliveries_send_due() == 1
    assert deliveries_send_due() == 0
    sweep()

    assert len(mail.outbox) == 1


# --- E-mail down --------------------------------------------------------------------------


def test_when_email_is_down_the_alert_is_kept_and_the_email_retried_with_backoff(
    personas: Personas, later: Callable[..., Any]
) -> None:
    alert = raise_alert(personas.patient)

    with override_settings(EMAIL_BACKEND=DOWN):
        assert deliveries_send_due() == 0
        row = alert.deliveries.get()
        assert (row.state, row.attempts) == ("pending", 1)
        assert row.last_error.startswith("SMTPConnectError")
        assert row.next_attempt_at >= timezone.now() + timedelta(seconds=59)
        assert deliveries_send_due() == 0  # not due again yet
        assert alert.deliveries.get().attempts == 1
        with later(minutes=1, seconds=1):
            deliveries_send_due()
            row.refresh_from_db()
            assert row.attempts == 2
            assert row.next_attempt_at >= timezone.now() + timedelta(seconds=119)

    assert Alert.objects.filter(pk=alert.pk).exists() and alert.is_open
    assert not mail.outbox
    with later(minutes=10):
        assert deliveries_send_due() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("sent", 3, "")
    assert len(mail.outbox) == 1


def test_retries_wait_longer_each_time_up_to_an_hour() -> None:
    waits = [delivery.retry_delay(n) for n in range(1, MAX_ATTEMPTS + 2)]

    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == timedelta(hours=1)
    assert waits == sorted(waits)


def test_an_email_that_never_goes_out_is_marked_failed_and_the_inbox_shows_it(
    personas: Personas, later: Callable[..., Any], client: Any
) -> None:
    alert = raise_alert(personas.patient)

    with override_settings(EMAIL_BACKEND=DOWN):
        for hour in range(MAX_ATTEMPTS + 2):
            with later(hours=hour):
                deliveries_send_due()

    row = alert.deliveries.get()
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    with later(hours=MAX_ATTEMPTS + 3):
        assert deliveries_send_due() == 0  # given up: no more tries
    client.force_login(personas.care_clinician)
    assert "1 failed" in client.get("/alerts/").content.decode()
    assert "SMTPConnectError" in client.get(f"/alerts/{alert.pk}/").content.decode()


# --- Worker stopped, worker killed: leases ------------------------------------------------


def test_with_no_worker_the_alert_waits_in_the_outbox_and_a_later_sweep_sends_it(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    # The enqueued task never runs: no worker (or the queue lost it).
    with django_capture_on_commit_callbacks(execute=False):
        alert = raise_alert(personas.patient)

    assert states(alert) == ["pending"] and not mail.outbox

    assert sweep().strip() == "escalated 0, sent 1"

    assert states(alert) == ["sent"] and len(mail.outbox) == 1


def test_a_claimed_email_is_left_alone_until_its_lease_expires_then_retaken(
    personas: Personas, later: Callable[..., Any]
) -> None:
    alert = raise_alert(personas.patient)
    row = alert.deliveries.get()
    # A sender claims the row, starts sending and dies.
    token = outbox.claim(ALERT_OUTBOX, now=timezone.now(), limit=5)
    assert token is not None and outbox.attempt_start(ALERT_OUTBOX, row, token)

    assert deliveries_send_due() == 0
    with later(seconds=119):
        assert deliveries_send_due() == 0
    with later(seconds=121):
        assert deliveries_send_due() == 1

    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_a_stale_claim_loses(personas: Personas) -> None:
    raise_alert(personas.patient)
    now = timezone.now()

    first = outbox.claim(ALERT_OUTBOX, now=now, limit=5)
    second = outbox.claim(ALERT_OUTBOX, now=now, limit=5)  # the row is the first one's

    assert first is not None and second is None


def test_a_row_whose_senders_keep_dying_is_failed_not_retried_for_ever(
    personas: Personas,
) -> None:
    row = raise_alert(personas.patient).deliveries.get()
    AlertDelivery.objects.filter(pk=row.pk).update(
        state="sending", attempts=MAX_ATTEMPTS, lease_expires_at=timezone.now()
    )

    assert deliveries_send_due() == 0

    row.refresh_from_db()
    assert row.state == "failed" and "stopped while sending" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_never_send_the_same_email_twice(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        factories.add_to_care_team(
            personas.patient, factories.ClinicianFactory(clinic=personas.patient.clinic)
        )
    # Leave the sending to the two sweeps: no task sends at once when the alerts are raised.
    monkeypatch.setattr(safety_services, "_enqueue_sending", lambda: None)
    for n in range(6):
        raise_alert(personas.patient, key=f"concurrent:{n}")
    expected = AlertDelivery.objects.count()
    assert expected == 24
    assert set(AlertDelivery.objects.values_list("state", flat=True)) == {"pending"}
    mail.outbox.clear()  # the personas' own set-up (a circle invitation) sends mail too
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep_in_thread() -> None:
        try:
            start.wait()
            deliveries_send_due()
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    with override_settings(EMAIL_BACKEND="tests.mail_backends.SlowLocmemBackend"):
        sweepers = [threading.Thread(target=sweep_in_thread) for _ in range(2)]
        for thread in sweepers:
            thread.start()
        for thread in sweepers:
            thread.join(timeout=60)

    assert not errors
    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert len(ids) == expected == len(set(ids))
    assert set(AlertDelivery.objects.values_list("state", "attempts")) == {("sent", 1)}


# --- Escalation -----------------------------------------------------------------------------


def test_an_unacknowledged_high_alert_is_escalated_once_after_the_configured_time(
    personas: Personas, later: Callable[..., Any]
) -> None:
    alert = raise_alert(personas.patient)
    deliveries_send_due()

    with later(minutes=29):
        assert alerts_escalate_due(now=timezone.now()) == 0
    with later(minutes=31):
        sweep()
        assert alerts_escalate_due(now=timezone.now()) == 0
    with later(minutes=90):
        sweep()

    alert.refresh_from_db()
    assert alert.escalated_at is not None
    escalations = alert.deliveries.filter(purpose=DeliveryPurpose.ESCALATION)
    assert {row.recipient for row in escalations} == {
        personas.care_clinician,
        personas.clinic_admin,
    }
    assert set(escalations.values_list("state", flat=True)) == {"sent"}
    assert len(mail.outbox) == 3  # the alert, then one escalation each
    to_admin = next(m for m in mail.outbox if m.to == [personas.clinic_admin.email])
    assert "has not been acknowledged by their care team after 30 minutes" in to_admin.body
    assert f"/clinic/patients/{personas.patient.pk}/care-team/" in to_admin.body
    assert TITLE not in to_admin.body


@override_settings(CLAYWORK_ALERT_ESCALATE_MINUTES=5)
def test_the_escalation_time_is_configurable(personas: Personas, later: Callable[..., Any]) -> None:
    raise_alert(personas.patient)

    with later(minutes=6):
        assert alerts_escalate_due(now=timezone.now()) == 1


def test_an_acknowledged_or_less_severe_alert_is_not_escalated(
    personas: Personas, later: Callable[..., Any]
) -> None:
    seen = raise_alert(personas.patient, key="seen")
    alert_acknowledge(alert=seen, by=personas.care_clinician, note="Called her; safe.")
    raise_alert(personas.patient, key="fading", severity="medium")

    with later(hours=2):
        assert alerts_escalate_due(now=timezone.now()) == 0

    assert not AlertDelivery.objects.filter(purpose=DeliveryPurpose.ESCALATION).exists()


def test_escalation_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()

    assert "| `CLAYWORK_ALERT_ESCALATE_MINUTES` | `30` |" in readme


# --- A real worker, killed with SIGKILL in the middle of sending ----------------------------

SETUP_SCRIPT = """
import django
django.setup()
from claywork.accounts.models import Role, User
from claywork.care.services import care_team_add
from claywork.clinics.models import Clinic
from claywork.safety.services import alert_raise
clinic = Clinic.objects.create(name="Kill Clinic", slug="kill", timezone="UTC")
patient = User.objects.create_user("pat@example.test", full_name="Pat Killtest", clinic=clinic)
guide = User.objects.create_user(
    "guide@example.test", full_name="Gus Guide", role=Role.CLINICIAN, clinic=clinic
)
care_team_add(patient=patient, clinician=guide, care_role="guide")
alert_raise(patient=patient, kind="self_harm_answer", severity="high", title="t", dedupe_key="k")
"""


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A throwaway Claywork installation on a SQLite file, as an operator would run it
    (``bench/deployment.py``), with a mail backend the test can stall."""
    env = environment(
        tmp_path,
        f"sqlite:///{tmp_path / 'claywork.sqlite3'}",
        DJANGO_SETTINGS_MODULE="tests.worker_settings",
        EMAIL_URL=f"file:///{tmp_path / 'mail'}",
        CLAYWORK_ALERT_LEASE_SECONDS="2",
        CLAYWORK_TEST_MAIL_MARKER=str(tmp_path / "sending-started"),
        CLAYWORK_LOG_LEVEL="INFO",
    )
    processes: list[subprocess.Popen[bytes]] = []
    yield {"env": env, "tmp": tmp_path, "processes": processes}
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def _log(deployment: dict[str, Any], number: int) -> Path:
    return deployment["tmp"] / f"process-{number}.log"


def _claywork(deployment: dict[str, Any], *args: str, **env: str) -> subprocess.Popen[bytes]:
    """Start ``claywork <args>`` as an operator would; its output goes to a log file."""
    with _log(deployment, len(deployment["processes"])).open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv" / "bin" / "claywork"), *args],
            env=deployment["env"] | env,
            cwd=deployment["tmp"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deployment["processes"].append(process)
    return process


def _run(deployment: dict[str, Any], *args: str) -> None:
    process = _claywork(deployment, *args)
    assert process.wait(timeout=120) == 0, _log(deployment, len(deployment["processes"]) - 1)


def _delivery(deployment: dict[str, Any]) -> tuple[str, int]:
    with sqlite3.connect(deployment["tmp"] / "claywork.sqlite3") as db:
        rows = db.execute("SELECT state, attempts FROM safety_alertdelivery").fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def _mails(deployment: dict[str, Any]) -> list[str]:
    mail_dir = deployment["tmp"] / "mail"
    files = sorted(mail_dir.glob("*")) if mail_dir.exists() else []
    return [
        part
        for path in files
        for part in path.read_text().split("-" * 79)
        if "Message-ID: <claywork.alert-" in part
    ]


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_a_worker_killed_mid_send_loses_nothing_and_the_next_worker_sends_once(
    deployment: dict[str, Any],
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
    # Worker stopped: the alert is committed and its e-mail waits in the outbox.
    assert _delivery(deployment) == ("pending", 0)

    sender = _claywork(
        deployment, "deliver-alerts", "--loop", "--interval", "0.2",
        CLAYWORK_TEST_MAIL_SECONDS="600",
    )  # fmt: skip
    marker = deployment["tmp"] / "sending-started"
    _wait_for(marker.exists, 60, "the sender to start sending")
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait(timeout=10)

    assert sender.returncode == -signal.SIGKILL
    assert _delivery(deployment) == ("sending", 1)
    assert _mails(deployment) == []

    marker.unlink()
    worker = _claywork(
        deployment, "worker", "--no-startup-delay", "--interval", "0.2",
        "--alert-sweep-interval", "0.2",
    )  # fmt: skip
    _wait_for(lambda: _delivery(deployment)[0] == "sent", 60, "the worker to send")
    time.sleep(1)  # a second sweep, and the enqueued task, find nothing left to send
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)

    assert _delivery(deployment) == ("sent", 2)
    (message,) = _mails(deployment)
    assert "A high-priority alert for Pat Killtest needs your attention" in message
