"""The signed-in person kept in each process's memory (core/signed_in.py): every change that
decides who may do what takes effect on the very next request, and the session's password
check runs on every request. Each test first warms the memory with a request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claywork.accounts.models import Role, SignInSession, User
from claywork.accounts.sign_ins import sign_ins_end_others
from claywork.care import services as care
from claywork.core import page_cache, signed_in
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _signed_in(user: User) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200  # the account row is now kept
    return client


def _is_signed_out(client: Client) -> bool:
    response = client.get("/account/")
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deactivated_account_is_signed_out_on_its_next_request() -> None:
    patient = factories.PatientFactory()
    browser = _signed_in(patient)

    patient.is_active = False
    patient.save()

    assert _is_signed_out(browser)


def test_an_account_deactivated_by_a_bare_update_is_signed_out_on_its_next_request() -> None:
    clinician = factories.ClinicianFactory()
    browser = client_for(clinician)
    assert browser.get("/account/").status_code == 200

    User.objects.filter(pk=clinician.pk).update(is_active=False)  # no signal is sent

    assert _is_signed_out(browser)


def test_a_password_changed_in_another_browser_signs_this_one_out() -> None:
    patient = factories.PatientFactory()
    here = _signed_in(patient)
    there = _signed_in(patient)

    response = there.post(
        "/accounts/password/change/",
        {
            "oldpassword": factories.PASSWORD,
            "password1": "a-new-passphrase-8Z!",
            "password2": "a-new-passphrase-8Z!",
        },
    )

    assert response.status_code == 302
    assert _is_signed_out(here)
    assert there.get("/account/").status_code == 200  # the browser that changed it stays in


def test_a_password_set_by_a_bare_update_signs_every_browser_out() -> None:
    patient = factories.PatientFactory()
    browser = _signed_in(patient)
    patient.set_password("another-passphrase-3K!")

    User.objects.filter(pk=patient.pk).update(password=patient.password)

    assert _is_signed_out(browser)


def test_the_sessions_password_hash_is_checked_on_every_request() -> None:
    patient = factories.PatientFactory()
    browser = _signed_in(patient)
    session = browser.session
    session[HASH_SESSION_KEY] = "0" * 64
    session.save()

    assert _is_signed_out(browser)
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_a_role_change_is_seen_on_the_next_request() -> None:
    person = factories.PatientFactory()
    browser = _signed_in(person)

    person.role = Role.SUPPORT
    person.clinic = None
    person.save()

    assert browser.get("/account/").wsgi_request.user.role == Role.SUPPORT


def test_a_clinician_taken_off_the_care_team_loses_the_patient_on_the_next_request() -> None:
    clinician = factories.ClinicianFactory()
    patient = factories.PatientFactory(clinic=clinician.clinic)
    factories.add_to_care_team(patient, clinician)
    browser = client_for(clinician)
    assert browser.get(f"/patients/{patient.pk}/").status_code == 200

    care.care_team_remove(patient=patient, clinician=clinician)

    assert browser.get(f"/patients/{patient.pk}/").status_code == 404


def test_a_clinician_added_to_the_care_team_sees_the_patient_on_the_next_request() -> None:
    clinician = factories.ClinicianFactory()
    patient = factories.PatientFactory(clinic=clinician.clinic)
    browser = client_for(clinician)
    assert browser.get(f"/patients/{patient.pk}/").status_code == 404

    factories.add_to_care_team(patient, clinician)

    assert browser.get(f"/patients/{patient.pk}/").status_code == 200


def test_signing_out_everywhere_else_signs_the_other_browsers_out_on_their_next_request() -> None:
    patient = factories.PatientFactory()
    phone = _signed_in(patient)
    laptop = _signed_in(patient)
    laptop_sid = SignInSession.objects.filter(user=patient).order_by("-pk").first()
    assert laptop_sid is not None

    sign_ins_end_others(user=patient, current_sid=laptop_sid.sid)

    assert _is_signed_out(phone)
    assert laptop.get("/account/").status_code == 200


def test_an_expired_session_is_anonymous() -> None:
    patient = factories.PatientFactory()
    browser = _signed_in(patient)

    Session.objects.filter(session_key=browser.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert _is_signed_out(browser)


def test_a_kept_account_is_not_read_from_the_database_again() -> None:
    patient = factories.PatientFactory()
    browser = _signed_in(patient)

    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/account/")

    assert response.wsgi_request.user.pk == patient.pk
    assert not [query for query in queries if 'FROM "accounts_user"' in query["sql"]]


def test_each_request_gets_its_own_account_instance() -> None:
    patient = factories.PatientFactory()
    browser = _signed_in(patient)

    first = browser.get("/account/").wsgi_request.user
    second = browser.get("/account/").wsgi_request.user

    assert first.pk == second.pk == patient.pk
    assert first._wrapped is not second._wrapped  # type: ignore[attr-defined]


def test_a_stored_staff_page_reads_the_account_and_page_versions_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clinician = factories.ClinicianFactory()
    browser = client_for(clinician)
    assert browser.get("/alerts/").status_code == 200  # the page and the account kept
    reads: list[list[str]] = []
    read_versions = page_cache._versions_of

    def counted(keys: list[str]) -> tuple[str, ...] | None:
        reads.append(list(keys))
        return read_versions(keys)

    monkeypatch.setattr(page_cache, "_versions_of", counted)

    assert browser.get("/alerts/").status_code == 200

    assert len(reads) == 1
    assert len(reads[0]) == 3  # shared, the clinician's own, the clinic's


def test_an_account_row_changed_past_django_is_read_again_after_the_maximum_age(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CLAYWORK_SIGNED_IN_MAX_AGE_SECONDS = 60
    now = [1_000.0]
    monkeypatch.setattr(signed_in, "_clock", lambda: now[0])
    signed_in.forget_all()
    clinician = factories.ClinicianFactory(full_name="Before Name")
    browser = client_for(clinician)
    assert browser.get("/account/").wsgi_request.user.full_name == "Before Name"

    # As psql would: a bare UPDATE with the execute wrapper that bumps the versions removed.
    wrappers, connection.execute_wrappers = connection.execute_wrappers, []
    try:
        User.objects.filter(pk=clinician.pk).update(full_name="After Name", is_active=False)
    finally:
        connection.execute_wrappers = wrappers
    now[0] += 59
    kept = browser.get("/account/").wsgi_request.user
    now[0] += 2

    assert kept.full_name == "Before Name"  # no version saw the write: still kept
    assert _is_signed_out(browser)  # 61 s after it was read: read again, deactivated


def test_a_maximum_age_of_zero_reads_the_account_row_on_every_request(settings: Any) -> None:
    settings.CLAYWORK_SIGNED_IN_MAX_AGE_SECONDS = 0
    patient = factories.PatientFactory()
    browser = _signed_in(patient)

    with CaptureQueriesContext(connection) as queries:
        browser.get("/account/")

    assert [query for query in queries if 'FROM "accounts_user"' in query["sql"]]
