"""A clinician adds a security key and signs in with it, in Chromium with its virtual
authenticator (the DevTools protocol's WebAuthn domain stands in for a USB key that is always
touched), under the real CSP and checked by axe on every page."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import CDPSession, expect

from tests import factories
from tests.browser.conftest import ClinicPeople, Visit, Visitor

# A USB key that answers at once (presence simulated) and checks its PIN (user verification).
VIRTUAL_KEY = {
    "protocol": "ctap2",
    "transport": "usb",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def _plug_in_a_key(me: Visitor) -> tuple[CDPSession, str]:
    cdp = me.context.new_cdp_session(me.page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_KEY})
    return cdp, added["authenticatorId"]


@pytest.mark.browser
def test_a_clinician_adds_a_security_key_and_signs_in_with_it(
    visit: Visit, clinic_people: ClinicPeople, settings: Any
) -> None:
    settings.CLAYWORK_STAFF_MFA_REQUIRED = True
    clinician = clinic_people.clinician
    me = visit(clinician)
    cdp, key = _plug_in_a_key(me)

    # The staff rule sends a clinician without a factor to choose one.
    assert me.page.url.endswith("/accounts/2fa/")
    expect(me.page.get_by_role("heading", name="Two-step sign-in", level=1)).to_be_visible()
    me.follow(me.page.get_by_role("link", name="Add a security key or passkey"))
    # allauth asks for the password again before a factor is added.
    me.page.get_by_label("Password").fill(factories.PASSWORD)
    me.follow(me.page.locator("main form button[type=submit]"))
    expect(me.page.get_by_role("heading", name="Add a security key or passkey")).to_be_visible()
    me.page.get_by_label("Name of this key").fill("Blue USB key")
    me.follow(me.page.get_by_role("button", name="Add the key"))

    # Recovery codes come with the first key; then the caseload opens.
    assert me.page.url.endswith("/accounts/2fa/recovery-codes/")
    authenticator = Authenticator.objects.get(user=clinician, type=Authenticator.Type.WEBAUTHN)
    assert authenticator.wrap().name == "Blue USB key"
    assert Authenticator.objects.filter(user=clinician, type="recovery_codes").exists()
    me.goto("/")
    expect(me.page.get_by_role("heading", name="Caseload", level=1)).to_be_visible()

    # Signing in again: the password, then the key.
    me.follow(me.page.get_by_role("button", name="Sign out"))
    me.goto("/accounts/login/")
    me.page.locator("input[name=login]").fill(clinician.email)
    me.page.locator("input[name=password]").fill(factories.PASSWORD)
    me.follow(me.page.locator("main form button[type=submit]"))
    assert me.page.url.endswith("/accounts/2fa/authenticate/")
    me.follow(me.page.get_by_role("button", name="Use my key or passkey"))

    expect(me.page.get_by_role("heading", name="Caseload", level=1)).to_be_visible()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]
    assert len(credentials) == 1 and credentials[0]["signCount"] >= 1
    authenticator.refresh_from_db()
    assert authenticator.last_used_at is not None


@pytest.mark.browser
def test_a_cancelled_key_is_explained_on_the_page(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    me = visit(clinic_people.clinician)
    me.goto("/accounts/2fa/webauthn/add/")
    me.page.get_by_label("Password").fill(factories.PASSWORD)
    me.follow(me.page.locator("main form button[type=submit]"))
    # No key plugged in, and a short timeout: the browser gives up as when a person cancels.
    me.page.evaluate(
        """() => {
            const data = JSON.parse(document.getElementById("js_data").textContent);
            data.creation_options.publicKey.timeout = 1;
            document.getElementById("js_data").textContent = JSON.stringify(data);
        }"""
    )
    cdp = me.context.new_cdp_session(me.page)
    cdp.send("WebAuthn.enable")  # no authenticator: nothing can answer

    me.page.get_by_role("button", name="Add the key").click()

    problem = me.page.get_by_role("alert").filter(has_text="Your browser did not add the key")
    expect(problem).to_be_visible()
    me.audit()
    assert not Authenticator.objects.filter(user=clinic_people.clinician).exists()
