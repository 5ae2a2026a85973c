"""Security keys and passkeys (WebAuthn, through allauth's MFA) as a second factor: added from
the account's two-step page in Claywork's clothes, counted by the staff rule, asked for at
sign-in, refused when made for another site, removed by an admin's reset. A software key
(tests/soft_key.py) plays the browser's part; tests/browser/test_security_keys.py uses
Chromium's virtual authenticator."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client, override_settings

from claywork.accounts.models import User
from claywork.audit.models import AuditEvent
from tests import factories
from tests.conftest import Personas, client_for
from tests.soft_key import HOST, SoftKey, js_data

pytestmark = pytest.mark.django_db

ADD = "/accounts/2fa/webauthn/add/"


def _signed_in_with_password(person: User) -> Client:
    """Signed in through the form, as a person would, and then the password once more: allauth
    asks for it again before a factor is added (and keeps that for five minutes)."""
    client = Client(SERVER_NAME=HOST)
    password = {"password": factories.PASSWORD}
    assert client.post("/accounts/login/", {"login": person.email} | password).status_code == 302
    assert client.post("/accounts/reauthenticate/", password).status_code == 302
    return client


def _add_key(client: Client, key: SoftKey, name: str = "Blue key") -> tuple[int, str]:
    page = client.get(ADD).content.decode()
    credential = key.register(js_data(page)["creation_options"])
    response = client.post(ADD, {"name": name, "credential": credential})
    return response.status_code, response.get("Location", response.content.decode())


def test_the_add_key_page_is_a_claywork_page_with_only_static_scripts(personas: Personas) -> None:
    response = _signed_in_with_password(personas.care_clinician).get(ADD)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="site-header"' in page and "claywork.css" in page
    assert "<h1>Add a security key or passkey</h1>" in page
    for raw in ("Menu:", "Messages:", "This functionality requires JavaScript", "Master key"):
        assert raw not in page, raw
    # Under script-src 'self': every script is a static file or a JSON block that is never run.
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert js_data(page)["creation_options"]["publicKey"]["rp"]["id"] == HOST


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_a_new_clinician_adds_a_key_gets_recovery_codes_and_reaches_the_caseload() -> None:
    clinician = factories.ClinicianFactory()
    client = _signed_in_with_password(clinician)
    assert client.get("/")["Location"] == "/accounts/2fa/"
    choices = client.get("/accounts/2fa/").content.decode()
    assert "your clinic asks you to add a second step" in choices
    assert f'href="{ADD}"' in choices and 'href="/accounts/2fa/totp/activate/"' in choices

    status, location = _add_key(client, SoftKey())

    assert (status, location) == (302, "/accounts/2fa/recovery-codes/")
    kinds = set(Authenticator.objects.filter(user=clinician).values_list("type", flat=True))
    assert kinds == {Authenticator.Type.WEBAUTHN, Authenticator.Type.RECOVERY_CODES}
    assert client.get("/").status_code == 200
    listing = client.get("/accounts/2fa/webauthn/").content.decode()
    assert "Blue key" in listing and 'class="site-header"' in listing


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_signing_in_with_a_key_asks_for_it_after_the_password_and_accepts_it() -> None:
    clinician = factories.ClinicianFactory()
    key = SoftKey()
    assert _add_key(_signed_in_with_password(clinician), key)[0] == 302

    client = Client(SERVER_NAME=HOST)
    response = client.post(
        "/accounts/login/", {"login": clinician.email, "password": factories.PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # not signed in before the key
    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert "Use my key or passkey" in page and 'class="site-header"' in page

    response = client.post(
        "/accounts/2fa/authenticate/", {"credential": key.sign(js_data(page)["request_options"])}
    )

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert Authenticator.objects.get(user=clinician, type="webauthn").last_used_at is not None


def test_someone_with_only_an_app_is_asked_for_a_code_not_a_key() -> None:
    clinician = factories.ClinicianFactory()
    Authenticator.objects.create(user=clinician, type=Authenticator.Type.TOTP, data={})
    client = Client(SERVER_NAME=HOST)
    client.post("/accounts/login/", {"login": clinician.email, "password": factories.PASSWORD})

    page = client.get("/accounts/2fa/authenticate/").content.decode()

    assert "The six-digit code from your authenticator app" in page
    assert "Use my key or passkey" not in page


def test_a_key_answer_made_for_another_site_is_refused(personas: Personas) -> None:
    client = _signed_in_with_password(personas.care_clinician)

    status, page = _add_key(client, SoftKey(origin="https://claywork-login.example"))

    assert status == 200
    assert "errorlist" in page
    assert not Authenticator.objects.filter(user=personas.care_clinician).exists()


@pytest.mark.parametrize(
    "credential",
    ["", "not json", "{}", "[]", '{"type": "public-key"}', '{"id": 1, "response": "x"}', "1e309"],
)
def test_a_garbled_key_answer_is_refused_with_a_message(
    personas: Personas, credential: str
) -> None:
    client = _signed_in_with_password(personas.care_clinician)
    client.get(ADD)

    response = client.post(ADD, {"name": "Key", "credential": credential})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Authenticator.objects.filter(user=personas.care_clinician).exists()


@pytest.mark.parametrize("credential", ["{}", '{"id": 1, "response": "x"}', '{"rawId": []}'])
def test_a_garbled_answer_at_sign_in_is_refused_and_signs_no_one_in(credential: str) -> None:
    clinician = factories.ClinicianFactory()
    assert _add_key(_signed_in_with_password(clinician), SoftKey())[0] == 302
    client = Client(SERVER_NAME=HOST)
    client.post("/accounts/login/", {"login": clinician.email, "password": factories.PASSWORD})
    client.get("/accounts/2fa/authenticate/")

    response = client.post("/accounts/2fa/authenticate/", {"credential": credential})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_admin_reset_removes_a_colleagues_keys_too_and_is_recorded(
    personas: Personas,
) -> None:
    clinician = personas.care_clinician
    assert _add_key(_signed_in_with_password(clinician), SoftKey())[0] == 302
    assert Authenticator.objects.filter(user=clinician, type="webauthn").exists()

    response = client_for(personas.clinic_admin).post(
        f"/clinic/people/{clinician.pk}/reset-factors/"
    )

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=clinician).exists()
    event = AuditEvent.objects.get(resource="accounts.second_factor")
    assert (event.actor_id, event.patient_id) == (personas.clinic_admin.pk, clinician.pk)


def test_the_account_page_leads_to_keys_and_passkeys(personas: Personas) -> None:
    page = client_for(personas.patient).get("/account/").content.decode()

    assert re.search(r'<a href="/accounts/2fa/">[^<]*security keys and passkeys', page)
