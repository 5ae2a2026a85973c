"""A person's own account: name, time zone (canonical IANA names only), language, a change of
sign-in address confirmed from the new address; every allauth page in Claywork's clothes."""

from __future__ import annotations

import re
import zoneinfo
from datetime import time, timedelta
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from claywork.accounts.models import EmailChange, User
from claywork.core import timezones
from claywork.reminders.models import Reminder, ReminderPreferences
from tests import factories
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def _profile(**changes: str) -> dict[str, str]:
    return {"full_name": "Pat Patient", "timezone": "Europe/Berlin", "language": "en"} | changes


# --- Time zones ------------------------------------------------------------------------------


def test_the_zone_list_holds_places_not_aliases_or_special_files() -> None:
    names = timezones.canonical_names()

    assert {"America/Chicago", "Europe/Kyiv", "Asia/Kolkata", "UTC"} <= names
    assert not names & {"US/Eastern", "W-SU", "Factory", "localtime", "Asia/Calcutta", "EST5EDT"}
    assert all(zoneinfo.ZoneInfo(name) for name in names)
    assert len(names) < len(zoneinfo.available_timezones())


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("US/Eastern", "America/New_York"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Etc/UTC", "UTC"),
        ("EST5EDT", "America/New_York"),
    ],
)
def test_an_alias_is_saved_as_the_place_it_stands_for(
    personas: Personas, given: str, stored: str
) -> None:
    client_for(personas.care_clinician).post("/account/", _profile(timezone=given))

    personas.care_clinician.refresh_from_db()
    assert personas.care_clinician.timezone == stored


@pytest.mark.parametrize("given", ["Factory", "localtime", "Mars/Olympus_Mons", "", "x" * 300])
def test_a_name_that_is_no_place_is_refused_with_an_example(personas: Personas, given: str) -> None:
    response = client_for(personas.patient).post("/account/", _profile(timezone=given))

    assert response.status_code == 400
    page = response.content.decode()
    assert "America/Chicago" in page  # the example in the message, and the list
    personas.patient.refresh_from_db()
    assert personas.patient.timezone == "America/New_York"


def test_the_profile_offers_common_zones_first_then_every_place(personas: Personas) -> None:
    page = client_for(personas.patient).get("/account/").content.decode()

    options = re.findall(r'<option value="([^"]+)" label=', page)
    assert options[: len(timezones.COMMON_ZONES)] == list(timezones.COMMON_ZONES)
    assert len(options) == len(timezones.canonical_names())
    assert 'data-detect-timezone="offer"' in page


def test_signing_up_reads_the_zone_from_the_device_not_the_clinic() -> None:
    from claywork.clinics import services as clinics

    admin = factories.ClinicAdminFactory()
    clinician = factories.ClinicianFactory(clinic=admin.clinic)
    _, token = clinics.invitation_create(
        clinic=admin.clinic,
        invited_by=admin,
        email="newt@example.test",
        full_name="Newt",
        role="patient",
        care_team=[clinician],
    )

    page = Client().get(f"/invitations/{token}/").content.decode()

    assert 'data-detect-timezone="fill"' in page


def test_changing_a_patients_zone_moves_their_planned_reminders(personas: Personas) -> None:
    client = client_for(personas.patient)
    client.post(
        "/reminders/settings/",
        {"timezone": "America/New_York", "check_in_time": "20:00", "check_in": "on"},
    )
    before = Reminder.objects.filter(patient=personas.patient, kind="check_in", state="pending")
    first_before = before.order_by("due_at").first()
    assert first_before is not None

    client.post("/account/", _profile(timezone="Europe/Berlin"))

    after = Reminder.objects.filter(patient=personas.patient, kind="check_in", state="pending")
    first_after = after.order_by("due_at").first()
    assert first_after is not None
    local = timezone.localtime(first_after.due_at, zoneinfo.ZoneInfo("Europe/Berlin"))
    assert local.time() == time(20, 0)
    prefs = ReminderPreferences.objects.get(patient=personas.patient)
    assert prefs.check_in_time == time(20, 0)


def test_a_zone_change_before_any_reminder_setting_makes_none(personas: Personas) -> None:
    client_for(personas.patient).post("/account/", _profile(timezone="Europe/Berlin"))

    assert not ReminderPreferences.objects.filter(patient=personas.patient).exists()


# --- Profile ---------------------------------------------------------------------------------


def test_the_profile_saves_name_and_language(personas: Personas) -> None:
    response = client_for(personas.patient).post("/account/", _profile(full_name="  Pat P.  "))

    assert response.status_code == 302
    personas.patient.refresh_from_db()
    assert (personas.patient.full_name, personas.patient.language) == ("Pat P.", "en")


def test_an_empty_name_is_refused(personas: Personas) -> None:
    response = client_for(personas.patient).post("/account/", _profile(full_name="   "))

    assert response.status_code == 400
    personas.patient.refresh_from_db()
    assert personas.patient.full_name == "Pat Patient"


# --- E-mail change ---------------------------------------------------------------------------


@pytest.fixture
def ask_for(django_capture_on_commit_callbacks: Any) -> Any:
    """Ask for a new address; its e-mail leaves once the request is committed."""

    def ask(client: Client, new_email: str, password: str = factories.PASSWORD) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/account/email/", {"new_email": new_email, "password": password})

    return ask


@pytest.fixture
def confirm(django_capture_on_commit_callbacks: Any) -> Any:
    def follow(client: Client, link: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(link)

    return follow


def _link_in(message: Any) -> str:
    found = re.search(r"https?://\S+(/account/email/confirm/\S+/)", message.body)
    assert found, message.body
    return found[1]


def test_a_new_address_is_used_only_once_its_link_is_followed(
    personas: Personas, ask_for: Any, confirm: Any
) -> None:
    patient = personas.patient
    old = patient.email
    client = client_for(patient)

    asked = ask_for(client, "Pat.New@Example.test")

    assert asked.status_code == 302
    patient.refresh_from_db()
    assert patient.email == old
    (confirmation,) = mail.outbox
    assert confirmation.to == ["pat.new@example.test"]
    link = _link_in(confirmation)
    shown = client.get(link)
    assert shown.status_code == 200 and "Use pat.new@example.test" in shown.content.decode()
    patient.refresh_from_db()
    assert patient.email == old  # a mail scanner opening the link changes nothing

    done = confirm(client, link)

    assert done.status_code == 302
    patient.refresh_from_db()
    assert patient.email == "pat.new@example.test"
    assert list(EmailAddress.objects.filter(user=patient).values_list("email", "verified")) == [
        ("pat.new@example.test", True)
    ]
    notice = mail.outbox[-1]
    assert notice.to == [old] and "p•••@example.test" in notice.body
    assert Client().login(email="pat.new@example.test", password=factories.PASSWORD)
    # The link works once.
    again = client.post(link)
    assert again.status_code == 400
    assert "already used" in again.content.decode()


def test_a_wrong_password_or_a_taken_address_changes_nothing(
    personas: Personas, ask_for: Any
) -> None:
    client = client_for(personas.patient)

    wrong = ask_for(client, "pat.new@example.test", password="not-mine")
    taken = ask_for(client, personas.other_patient.email.upper())
    same = ask_for(client, personas.patient.email)

    assert wrong.status_code == 400 and "That is not your password." in wrong.content.decode()
    assert taken.status_code == 400 and "cannot be used" in taken.content.decode()
    assert same.status_code == 400 and "already your address" in same.content.decode()
    assert not EmailChange.objects.exists() and not mail.outbox


def test_an_expired_or_someone_elses_link_changes_nothing(personas: Personas, ask_for: Any) -> None:
    ask_for(client_for(personas.patient), "pat.new@example.test")
    link = _link_in(mail.outbox[0])

    other = client_for(personas.other_patient).post(link)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        late = client_for(personas.patient).post(link)

    assert other.status_code == 400 and late.status_code == 400
    assert "expired" in late.content.decode()
    assert User.objects.get(pk=personas.patient.pk).email == personas.patient.email


def test_a_link_for_an_address_taken_meanwhile_changes_nothing(
    personas: Personas, ask_for: Any
) -> None:
    ask_for(client_for(personas.patient), "pat.new@example.test")
    link = _link_in(mail.outbox[0])
    factories.PatientFactory(email="pat.new@example.test")

    response = client_for(personas.patient).post(link)

    assert response.status_code == 400
    assert User.objects.get(pk=personas.patient.pk).email == personas.patient.email


# --- allauth's pages -------------------------------------------------------------------------


def _allauth_paths() -> list[str]:
    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> list[str]:
        found = []
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, route)
            elif "<" not in route and "(?P" not in route:
                found.append("/" + route)
        return found

    return sorted(p for p in walk(get_resolver().url_patterns, "") if p.startswith("/accounts/"))


@pytest.mark.parametrize("who", ["anonymous", "patient", "care_clinician"])
def test_no_raw_library_page_is_reachable(personas: Personas, who: str) -> None:
    client = client_for(None if who == "anonymous" else getattr(personas, who))
    paths = _allauth_paths()
    assert "/accounts/email/" in paths and "/accounts/password/change/" in paths

    for path in paths:
        response = client.get(path)
        if response.status_code in (301, 302, 404, 405):
            continue
        page = response.content.decode()
        assert response.status_code == 200, (path, response.status_code)
        assert 'class="site-header"' in page and "claywork.css" in page, path
        for raw in ("Menu:", "Unverified", "Messages:"):
            assert raw not in page, (path, raw)


def test_allauths_address_page_sends_people_to_clayworks(personas: Personas) -> None:
    client = client_for(personas.patient)

    assert client.get("/accounts/email/")["Location"] == "/account/email/"
    assert client.get("/accounts/confirm-email/some-key/")["Location"] == "/account/"
