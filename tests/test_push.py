"""Push reminders, the device side: subscribing and unsubscribing a browser (bad input refused
with a reason), revoking at sign-out and when the push service says the browser is gone (no
retry storm), and messages that never say anything about health."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import time
from typing import Any
from unittest import mock

import pytest
import requests
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from claywork.accounts.models import SignInSession
from claywork.measures import services as measures
from claywork.practice import services as practice
from claywork.push import payload, services
from claywork.push.models import PushSubscription
from claywork.reminders.chosen import routine_save
from claywork.reminders.models import Kind, Reminder
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _vapid() -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return {
        "CLAYWORK_VAPID_PUBLIC_KEY": _b64(public),
        "CLAYWORK_VAPID_PRIVATE_KEY": _b64(private),
        "CLAYWORK_VAPID_SUBJECT": "mailto:ops@example.test",
    }


VAPID = _vapid()


def _browser_keys() -> dict[str, str]:
    """A browser's subscription keys: its own P-256 public key and a 16-byte secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": _b64(public), "auth": _b64(b"sixteen-bytes-ok")}


def _subscription(endpoint: str = "https://push.example.test/send/abc") -> dict[str, Any]:
    return {"endpoint": endpoint, "keys": _browser_keys()}


def _post(client: Any, path: str, body: object) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def push_on() -> Any:
    with override_settings(**VAPID):
        yield


# --- Subscribing -----------------------------------------------------------------------------


def test_a_patient_subscribes_this_browser_and_stops_again(
    personas: Personas, push_on: Any
) -> None:
    client = client_for(personas.patient)
    body = _subscription()

    created = _post(client, "/push/subscribe/", body)
    again = _post(client, "/push/subscribe/", body)  # the same browser: one row

    assert created.status_code == 201 and again.status_code == 201
    device = PushSubscription.objects.get(patient=personas.patient)
    assert device.endpoint == body["endpoint"] and device.revoked_at is None

    stopped = _post(client, "/push/unsubscribe/", {"endpoint": body["endpoint"]})
    assert stopped.json() == {"revoked": True}
    device.refresh_from_db()
    assert device.revoked_reason == "turned off"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint": "http://push.example.test/x", "keys": _browser_keys()}, "endpoint"),
        ({"endpoint": "not a url", "keys": _browser_keys()}, "endpoint"),
        ({"endpoint": "https://" + "p" * 1200, "keys": _browser_keys()}, "endpoint"),
        (
            {"endpoint": "https://push.example.test/x", "keys": {"p256dh": "AAAA", "auth": "x"}},
            "p256dh",
        ),
        (
            {"endpoint": "https://push.example.test/x", "keys": {**_browser_keys(), "auth": "%%"}},
            "auth",
        ),
        ({"endpoint": "https://push.example.test/x"}, "p256dh"),
        ([], "endpoint"),
        ("just text", "endpoint"),
    ],
)
def test_a_bad_subscription_is_refused_with_the_field_and_a_reason(
    personas: Personas, push_on: Any, body: object, field: str
) -> None:
    response = _post(client_for(personas.patient), "/push/subscribe/", body)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not PushSubscription.objects.exists()


def test_a_body_that_is_not_json_is_refused(personas: Personas, push_on: Any) -> None:
    response = client_for(personas.patient).post(
        "/push/subscribe/", "{nope", content_type="application/json"
    )

    assert response.status_code == 400 and "errors" in response.json()


def test_push_is_for_patients_and_only_when_configured(personas: Personas) -> None:
    assert (
        _post(client_for(personas.patient), "/push/subscribe/", _subscription()).status_code == 404
    )
    with override_settings(**VAPID):
        for person in (personas.care_clinician, personas.support_person):
            response = _post(client_for(person), "/push/subscribe/", _subscription())
            assert response.status_code == 404
    assert not PushSubscription.objects.exists()


def test_signing_out_revokes_this_browser_only(personas: Personas, push_on: Any) -> None:
    phone, laptop = client_for(personas.patient), client_for(personas.patient)
    _post(phone, "/push/subscribe/", _subscription("https://push.example.test/phone"))
    _post(laptop, "/push/subscribe/", _subscription("https://push.example.test/laptop"))

    phone.post("/accounts/logout/")

    states = dict(PushSubscription.objects.values_list("endpoint", "revoked_reason"))
    assert states == {
        "https://push.example.test/phone": "signed out",
        "https://push.example.test/laptop": "",
    }


def test_push_revoke_all_revokes_every_device(personas: Personas, push_on: Any) -> None:
    for name in ("phone", "laptop"):
        _post(
            client_for(personas.patient),
            "/push/subscribe/",
            _subscription(f"https://p.test/{name}"),
        )

    assert services.push_revoke_all(patient=personas.patient) == 2


def _live() -> set[str]:
    return set(
        PushSubscription.objects.filter(revoked_at__isnull=True).values_list("endpoint", flat=True)
    )


def test_ending_a_sign_in_from_another_browser_ends_that_browsers_push_reminders(
    personas: Personas, push_on: Any
) -> None:
    phone, laptop = client_for(personas.patient), client_for(personas.patient)
    _post(phone, "/push/subscribe/", _subscription("https://push.example.test/phone"))
    _post(laptop, "/push/subscribe/", _subscription("https://push.example.test/laptop"))
    phone_sign_in = SignInSession.objects.get(
        user=personas.patient, session_key=phone.session.session_key
    )

    response = laptop.post(f"/account/sessions/{phone_sign_in.pk}/end/")

    assert response.status_code == 302
    assert _live() == {"https://push.example.test/laptop"}
    assert PushSubscription.objects.get(endpoint__endswith="phone").revoked_reason == "signed out"


def test_signing_out_everywhere_else_ends_push_on_every_other_device_only(
    personas: Personas, push_on: Any
) -> None:
    phone, tablet, laptop = (client_for(personas.patient) for _ in range(3))
    for name, client in (("phone", phone), ("tablet", tablet), ("laptop", laptop)):
        _post(client, "/push/subscribe/", _subscription(f"https://push.example.test/{name}"))
    # A device whose sign-in has already lapsed still gets reminders until now.
    tablet.session.flush()
    _device(personas.other_patient)

    laptop.post("/account/sessions/end-others/")

    assert _live() == {"https://push.example.test/laptop", "https://push.example.test/d"}
    revoked = PushSubscription.objects.filter(revoked_at__isnull=False)
    assert set(revoked.values_list("patient", flat=True)) == {personas.patient.pk}
    assert revoked.count() == 2


@override_settings(SESSION_COOKIE_AGE=7 * 86400)
def test_the_inactivity_timeout_keeps_the_browsers_push_reminders(
    personas: Personas, push_on: Any
) -> None:
    with time_machine.travel("2026-12-01 09:00:00+00:00", tick=False) as clock:
        phone = client_for(personas.patient)
        _post(phone, "/push/subscribe/", _subscription("https://push.example.test/phone"))
        clock.shift(13 * 3600)  # the next morning, opened from a reminder
        assert phone.get("/reminders/settings/").status_code == 302  # signed out: idle

    assert _live() == {"https://push.example.test/phone"}


# --- Sending ---------------------------------------------------------------------------------


def _device(patient: Any) -> PushSubscription:
    return services.push_subscribe(
        patient=patient, endpoint="https://push.example.test/d", **_browser_keys()
    )


def _answer(status: int) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = b""
    return response


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_forgot_is_revoked_and_never_tried_again(
    personas: Personas, push_on: Any, status: int
) -> None:
    device = _device(personas.patient)

    with mock.patch("requests.post", return_value=_answer(status)) as sent:
        first = services.push_send(subscription=device, payload="{}")
        device.refresh_from_db()
        second = services.push_send(subscription=device, payload="{}")

    assert first.outcome is services.Outcome.GONE and second.outcome is services.Outcome.GONE
    assert sent.call_count == 1  # no retry storm
    assert device.revoked_reason == "gone"


def test_a_push_service_error_or_timeout_is_a_failure_to_retry(
    personas: Personas, push_on: Any
) -> None:
    device = _device(personas.patient)

    with mock.patch("requests.post", return_value=_answer(503)):
        overloaded = services.push_send(subscription=device, payload="{}")
    with mock.patch("requests.post", side_effect=requests.Timeout()):
        timed_out = services.push_send(subscription=device, payload="{}")

    assert overloaded.outcome is services.Outcome.FAILED
    assert timed_out.outcome is services.Outcome.FAILED
    device.refresh_from_db()
    assert device.revoked_at is None


def test_a_sent_message_is_encrypted_and_signed(personas: Personas, push_on: Any) -> None:
    device = _device(personas.patient)

    with mock.patch("requests.post", return_value=_answer(201)) as sent:
        result = services.push_send(subscription=device, payload='{"title":"Claywork"}')

    assert result.outcome is services.Outcome.SENT
    (endpoint,), request = sent.call_args
    assert endpoint == device.endpoint
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert request["headers"]["authorization"].startswith("vapid t=")
    assert b"Claywork" not in request["data"]  # the payload travels encrypted
    device.refresh_from_db()
    assert device.last_sent_at is not None


def test_without_vapid_keys_nothing_is_sent(personas: Personas) -> None:
    device = _device(personas.patient)

    with pytest.raises(services.PushDisabled):
        services.push_send(subscription=device, payload="{}")


# --- Payload canary ----------------------------------------------------------------------------

CANARY_GOAL = "Canary goal: stop drinking before the session"
CANARY_PRACTICE = "Canary practice: grief ritual"


def test_no_push_message_says_anything_about_health(personas: Personas) -> None:
    patient = personas.patient
    goal, _ = practice.goal_create(
        patient=patient,
        realm="body",
        title=CANARY_GOAL,
        cadence="daily",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    own = practice.practice_create(patient=patient, name=CANARY_PRACTICE)
    routine_save(patient=patient, goal=goal, at=time(12), weekdays=list(range(7)))
    routine_save(patient=patient, practice=own, at=time(13), weekdays=list(range(7)))
    measures.check_in_save(
        patient=patient,
        day=timezone.localdate(),
        values=measures.CheckInValues(1, note="Canary note"),
    )
    # The other kinds as the outbox would hold them (the payload reads only kind and id).
    made = [
        Reminder(pk=90_000 + number, patient=patient, kind=kind, subject=subject)
        for number, (kind, subject) in enumerate(
            [
                (Kind.CHECK_IN, ""),
                (Kind.SCALE_DUE, "scale:phq9:2026-03-01"),
                (Kind.WINDOW_OPENS, ""),
                (Kind.WINDOW_CLOSING, ""),
                (Kind.FOLLOW_UP, ""),
                (Kind.SESSION_UPCOMING, ""),
            ]
        )
    ]
    reminders = [*Reminder.objects.filter(patient=patient, kind__in=["goal", "practice"]), *made]
    assert {reminder.kind for reminder in reminders} == set(Kind.values)

    words = [
        CANARY_GOAL,
        CANARY_PRACTICE,
        "Canary",
        "PHQ",
        "phq",
        "depress",
        "mood",
        "alcohol",
        "drink",
        "grief",
        "suicid",
        "harm",
        "session",
        "ketamine",
        personas.patient.full_name,
        personas.patient.email,
    ]
    for reminder in reminders:
        message = payload.push_payload_json(reminder)
        leaked = [word for word in words if word.lower() in message.lower()]
        assert not leaked, (reminder.kind, leaked, message)
        assert json.loads(message)["url"] == f"/reminders/{reminder.pk}/open/"


def test_new_vapid_keys_prints_a_usable_pair(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("new_vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())

    public = base64.urlsafe_b64decode(lines["CLAYWORK_VAPID_PUBLIC_KEY"] + "==")
    assert len(public) == 65 and public[0] == 4
    assert len(base64.urlsafe_b64decode(lines["CLAYWORK_VAPID_PRIVATE_KEY"] + "=")) == 32
