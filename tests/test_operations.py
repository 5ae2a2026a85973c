"""Is Claywork running? The workers' heartbeat, /healthz, the staff banner, `claywork doctor`,
`claywork run`, and the production examples in docs/operations.md."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command, get_commands, load_command_class
from django.test import override_settings
from django.utils import timezone

from claywork.core.heartbeat import LATE, MISSING, OK, heartbeat_record, worker_status
from claywork.core.management.commands import serve
from claywork.core.management.commands.serve import port_answers
from claywork.core.models import WorkerHeartbeat
from claywork.ops.doctor import diagnose
from claywork.safety.services import alert_raise
from claywork.safety.sweep import outbox_sweep
from tests import factories
from tests.conftest import Personas, client_for

ROOT = Path(__file__).resolve().parent.parent
BANNER = "Alerts are not being sent."
PRODUCTION_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


@pytest.fixture
def later() -> Callable[..., Any]:
    def travel(**delta: float) -> Any:
        return time_machine.travel(timezone.now() + timedelta(**delta), tick=False)

    return travel


# --- Heartbeat and /healthz -----------------------------------------------------------------


def test_worker_state_is_ok_late_or_missing_by_the_age_of_the_newest_sweep(db: None) -> None:
    now = timezone.now()
    assert worker_status(now=now).state == MISSING
    heartbeat_record(now=now - timedelta(seconds=30), worker="a")
    heartbeat_record(now=now - timedelta(minutes=9), worker="b")
    assert worker_status(now=now).state == OK
    assert worker_status(now=now + timedelta(minutes=3)).state == LATE
    assert worker_status(now=now + timedelta(minutes=11)).state == MISSING


def test_every_sweep_records_the_heartbeat_of_its_worker(db: None) -> None:
    outbox_sweep()
    outbox_sweep()

    (row,) = WorkerHeartbeat.objects.all()
    assert timezone.now() - row.swept_at < timedelta(seconds=5)


def test_rows_of_workers_gone_for_a_day_are_forgotten(db: None) -> None:
    heartbeat_record(now=timezone.now() - timedelta(days=2), worker="old")
    heartbeat_record(now=timezone.now(), worker="new")

    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == ["new"]


def test_healthz_reports_the_worker_and_its_age(client: Any, db: None) -> None:
    body = client.get("/healthz").json()
    assert body == {
        "status": "degraded",
        "database": "ok",
        "worker": "missing",
        "worker_age_seconds": None,
        "undeliverable_alerts": 0,
        "screening_model": "ok",
    }
    heartbeat_record(now=timezone.now() - timedelta(seconds=40))

    body = client.get("/healthz").json()

    assert body["status"] == "ok" and body["worker"] == "ok"
    assert 39 <= body["worker_age_seconds"] <= 45


# --- The staff banner, and a worker stopped for 10 minutes ----------------------------------


def test_a_worker_stopped_for_10_minutes_then_started_delivers_everything_and_the_banner_goes(
    personas: Personas, later: Callable[..., Any]
) -> None:
    outbox_sweep()  # the worker is running
    staff = client_for(personas.care_clinician)
    assert BANNER not in staff.get("/alerts/").content.decode()
    # The worker stops; patients go on writing.
    alerts = [
        alert_raise(
            patient=personas.patient,
            kind="self_harm_answer",
            severity="high",
            title="t",
            dedupe_key=f"stopped:{n}",
        )[0]
        for n in range(3)
    ]
    with later(minutes=1, seconds=50):
        assert BANNER not in staff.get("/alerts/").content.decode()
    with later(minutes=2, seconds=10):
        page = staff.get("/").content.decode()
        assert BANNER in page and "for 2 minutes" in page
        assert (
            client_for(personas.clinic_admin).get("/clinic/people/").content.count(BANNER.encode())
        )
        assert BANNER not in client_for(personas.patient).get("/").content.decode()
    with later(minutes=10):
        assert "for 10 minutes" in staff.get("/alerts/").content.decode()
        assert mail.outbox == []
        outbox_sweep()  # the worker is back
        assert BANNER not in staff.get("/alerts/").content.decode()

    assert {to for m in mail.outbox for to in m.to} == {personas.care_clinician.email}
    assert len(mail.outbox) == 3
    for alert in alerts:
        assert set(alert.deliveries.values_list("state", flat=True)) == {"sent"}


def test_undeliverable_alerts_show_on_the_staff_banner_of_their_clinic_only(
    personas: Personas,
) -> None:
    outbox_sweep()
    factories.User.objects.filter(pk=personas.clinic_admin.pk).update(is_active=False)
    alone = factories.PatientFactory(clinic=personas.patient.clinic)
    alert_raise(patient=alone, kind="crisis_language", severity="high", title="t", dedupe_key="u")

    mine = client_for(personas.care_clinician).get("/").content.decode()
    elsewhere = client_for(personas.other_clinic_clinician).get("/").content.decode()

    assert "1 undeliverable alert" in mine
    assert "undeliverable" not in elsewhere


# --- claywork doctor ------------------------------------------------------------------------


def _doctor(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("doctor", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_doctor_names_each_problem_in_one_line_and_exits_1(personas: Personas) -> None:
    factories.User.objects.filter(pk=personas.clinic_admin.pk).update(is_active=False)
    alone = factories.PatientFactory(clinic=personas.patient.clinic, full_name="Secret Name")
    alert, _ = alert_raise(
        patient=alone, kind="crisis_language", severity="high", title="t", dedupe_key="d"
    )

    code, output = _doctor()

    lines = output.strip().splitlines()
    assert code == 1
    assert any(line.startswith("No worker has ever swept") for line in lines)
    (undeliverable,) = [line for line in lines if "Undeliverable alert" in line]
    assert f"alert {alert.pk}" in undeliverable and f"patient id {alone.pk}" in undeliverable
    assert "Secret Name" not in output


def test_doctor_passes_a_healthy_installation(personas: Personas) -> None:
    outbox_sweep()

    code, output = _doctor()

    assert code == 0, output
    assert output.startswith("OK: database, field keys, e-mail, worker, alerts")


@override_settings(EMAIL_BACKEND="tests.mail_backends.DownBackend")
def test_doctor_reports_a_mail_server_that_refuses_a_test_send(db: None) -> None:
    (found,) = dict(diagnose("ops@example.test"))["e-mail"]
    assert found.startswith("E-mail cannot be sent (SMTPConnectError")


def test_doctor_reports_unapplied_migrations_and_unknown_checks(db: None) -> None:
    assert _doctor("--only", "database") == (0, "OK: database.\n")
    code, output = _doctor("--only", "nonsense")
    assert code == 1 and output == "No such check: nonsense.\n"


# --- The examples in docs/operations.md are real commands -----------------------------------


def _claywork_commands() -> list[tuple[str, str]]:
    """Every ``claywork ...`` command line in the systemd units and the Procfile."""
    found = []
    for unit in sorted((ROOT / "docs/examples/systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                found.append((unit.name, line.removeprefix("ExecStart=")))
    for line in (ROOT / "docs/examples/Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            found.append(("Procfile", line.split(":", 1)[1].replace("${PORT:-8000}", "8000")))
    return found


@pytest.mark.parametrize(("where", "command"), _claywork_commands())
def test_every_example_command_is_a_claywork_command_with_valid_options(
    where: str, command: str
) -> None:
    program, name, *options = shlex.split(command)
    assert program.endswith("claywork"), where
    django_name = name.replace("-", "_")
    app = get_commands()[django_name]
    # The worker's parser checks its task backend; the tests run tasks immediately.
    with override_settings(TASKS=PRODUCTION_TASKS):
        parser = load_command_class(app, django_name).create_parser("claywork", django_name)
        parser.parse_args(options)  # raises CommandError on an unknown or malformed option


def test_the_units_start_after_migrations_and_stop_gracefully() -> None:
    for name in ("claywork-web.service", "claywork-worker@.service"):
        text = (ROOT / "docs/examples/systemd" / name).read_text()
        assert "Requires=claywork-migrate.service" in text
        assert "KillSignal=SIGTERM" in text and "TimeoutStopSec=" in text
        assert "EnvironmentFile=/etc/claywork/field-keys.env" in text


# --- claywork run ---------------------------------------------------------------------------


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def _free_port() -> int:
    """A port nothing listens on now. Not a fixed one: `make test` runs the SQLite and the
    PostgreSQL suites side by side, and with `reuse_port` a second server on the same port
    would share it silently and answer the other run's requests."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(found: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not found():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_serve_refuses_a_port_something_already_answers_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def started_anyway(self: object) -> None:
        raise AssertionError("gunicorn was started on a port in use")

    monkeypatch.setattr(serve._Gunicorn, "run", started_anyway)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(CommandError, match=f"already answers on 127.0.0.1:{port}"):
            call_command("serve", port=port, workers=1)

    assert not port_answers("127.0.0.1", port)  # closed now: a new server may take it


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")
def test_claywork_run_serves_the_web_runs_a_worker_and_stops_both(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLAYWORK_", "DJANGO_", "DATABASE_", "EMAIL_"))
    } | {
        "DJANGO_SETTINGS_MODULE": "claywork.settings",
        "CLAYWORK_DEMO": "1",
        "CLAYWORK_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'claywork.sqlite3'}",
    }
    python = [sys.executable, "-m", "claywork.cli"]
    subprocess.run([*python, "migrate", "--noinput"], env=env, check=True, capture_output=True)  # noqa: S603
    log = (tmp_path / "run.log").open("wb")
    port = _free_port()
    run = subprocess.Popen(  # noqa: S603
        [*python, "run", "--port", str(port), "--web-workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # so a failed test can stop the server and worker with it
    )
    try:
        deadline = time.monotonic() + 90
        health: dict[str, Any] = {}
        while time.monotonic() < deadline and health.get("worker") != "ok":
            time.sleep(0.5)
            try:
                health = _get_json(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                continue
        assert health.get("worker") == "ok", (tmp_path / "run.log").read_text()
        # Its own control socket under the var directory, not the user's shared default.
        # Gunicorn opens it once its workers are up, which may be after the first answer.
        control = tmp_path / "var" / "run" / f"gunicorn-127-0-0-1-{port}.ctl"
        assert _wait_for(control.is_socket, 10), (tmp_path / "run.log").read_text()
        # A 5,000-character search reaches the application (here: the sign-in page), not a 414.
        long_search = f"http://127.0.0.1:{port}/journal/?q=" + "w" * 5000
        with urllib.request.urlopen(long_search, timeout=10) as answer:  # noqa: S310 - loopback
            assert answer.status == 200 and "/accounts/login/" in answer.url
        children = subprocess.run(  # noqa: S603
            ["/usr/bin/pgrep", "-P", str(run.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(children) == 2
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=90) == 0
        for child in children:
            assert (
                not Path(f"/proc/{child}").exists()
                or "zombie" in Path(f"/proc/{child}/status").read_text()
            )
        assert "Claywork stopped." in (tmp_path / "run.log").read_text()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        # Whatever it started goes too, even when the test failed before stopping it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        log.close()
