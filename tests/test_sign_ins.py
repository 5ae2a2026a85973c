"""Where a person is signed in: the list, ending one browser or all others, the inactivity
timeout (30 minutes for staff, 12 hours for patients), and the security headers."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client, override_settings

from claywork.accounts.models import SignInSession
from tests import factories
from tests.conftest import Personas, client_for

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)


def _sign_in(email: str, agent: str, address: str = "127.0.0.1") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"login": email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_the_page_lists_each_browser_with_device_place_and_this_one_marked() -> None:
    user = factories.PatientFactory()
    phone = _sign_in(user.email, FIREFOX_ANDROID, "198.51.100.4")
    laptop = _sign_in(user.email, CHROME_MAC, "203.0.113.8")

    page = laptop.get("/account/sessions/").content.decode()

    assert "Firefox on Android" in page and "198.51.100.4" in page
    assert "Chrome on a Mac" in page and "203.0.113.8" in page
    assert page.count("This browser") == 1
    assert phone.get("/account/").status_code == 200


@pytest.mark.django_db
def test_ending_another_browser_signs_it_out_on_its_next_request() -> None:
    user = factories.PatientFactory()
    phone = _sign_in(user.email, FIREFOX_ANDROID)
    laptop = _sign_in(user.email, CHROME_MAC)
    phone_row = SignInSession.objects.get(user=user, user_agent=FIREFOX_ANDROID)

    response = laptop.post(f"/account/sessions/{phone_row.pk}/end/")

    assert response.status_code == 302
    assert phone.get("/account/").status_code == 302  # to the sign-in page
    assert laptop.get("/account/").status_code == 200
    assert "Firefox on Android" not in laptop.get("/account/sessions/").content.decode()


@pytest.mark.django_db
def test_sign_out_everywhere_else_keeps_only_this_browser() -> None:
    user = factories.PatientFactory()
    others = [_sign_in(user.email, FIREFOX_ANDROID) for _ in range(3)]
    laptop = _sign_in(user.email, CHROME_MAC)

    laptop.post("/account/sessions/end-others/")

    assert [client.get("/account/").status_code for client in others] == [302, 302, 302]
    assert laptop.get("/account/").status_code == 200
    assert SignInSession.objects.filter(user=user, ended_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_nobody_can_end_someone_elses_sign_in_or_their_own_current_one() -> None:
    mine, theirs = factories.PatientFactory(), factories.PatientFactory()
    me = _sign_in(mine.email, CHROME_MAC)
    them = _sign_in(theirs.email, FIREFOX_ANDROID)
    their_row = SignInSession.objects.get(user=theirs)
    my_row = SignInSession.objects.get(user=mine)

    assert me.post(f"/account/sessions/{their_row.pk}/end/").status_code == 404
    assert me.post(f"/account/sessions/{my_row.pk}/end/").status_code == 404
    assert them.get("/account/").status_code == 200


@pytest.mark.django_db
def test_signing_out_ends_the_row() -> None:
    user = factories.PatientFactory()
    client = _sign_in(user.email, CHROME_MAC)

    client.post("/accounts/logout/")

    assert SignInSession.objects.get(user=user).ended_at is not None


@pytest.mark.parametrize(
    ("role", "idle_minutes"), [("care_clinician", 30), ("clinic_admin", 30), ("patient", 720)]
)
@override_settings(SESSION_COOKIE_AGE=7 * 86400)  # the absolute limit out of the way
def test_a_browser_left_alone_is_signed_out_after_the_roles_limit(
    personas: Personas, role: str, idle_minutes: int
) -> None:
    user = personas.role(role)
    with time_machine.travel("2026-12-01 09:00:00+00:00", tick=False) as clock:
        client = client_for(user)
        clock.shift(60 * (idle_minutes - 1))
        assert client.get("/account/").status_code == 200  # still there, and seen now
        clock.shift(60 * (idle_minutes - 1))
        assert client.get("/account/").status_code == 200
        clock.shift(60 * (idle_minutes + 1))
        response = client.get("/account/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/account/")
    assert SignInSession.objects.get(user=user).ended_at is not None


@override_settings(CLAYWORK_STAFF_IDLE_MINUTES=5)
def test_the_staff_limit_is_a_setting(personas: Personas) -> None:
    with time_machine.travel("2026-12-01 09:00:00+00:00", tick=False) as clock:
        client = client_for(personas.care_clinician)
        clock.shift(6 * 60)
        assert client.get("/").status_code == 302


def test_the_login_form_does_not_keep_one_signed_in_unless_asked(db: None) -> None:
    page = Client().get("/accounts/login/").content.decode()

    assert 'name="remember"' in page
    assert 'name="remember" checked' not in page


def test_every_page_switches_off_powerful_browser_features(personas: Personas) -> None:
    for client, path in ((Client(), "/help/"), (client_for(personas.patient), "/")):
        policy = client.get(path)["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy


@override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_covers_subdomains_on_https(db: None) -> None:
    response = Client().get("/help/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
