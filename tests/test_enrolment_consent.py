"""The enrolment terms a patient accepts with their invitation, and what their account records."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.clinics import consent, services
from claywork.clinics.models import ConsentRecord, Invitation
from tests.conftest import Personas

PASSWORD = "quiet-harbour-lantern-42"
TERMS = Path(consent.__file__).parent / "templates" / consent.CONSENT_TEMPLATE
REFUSAL = "To join as a patient, please read the terms above and tick the box to agree to them."


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _invite(personas: Personas, role: str = Role.PATIENT) -> str:
    _, token = services.invitation_create(
        clinic=personas.clinic_admin.clinic,  # type: ignore[arg-type]
        invited_by=personas.clinic_admin,
        email="nina@example.test",
        full_name="Nina New",
        role=role,
        clinician_kind="guide" if role == Role.CLINICIAN else "",
        care_team=[personas.care_clinician] if role == Role.PATIENT else None,
    )
    return token


def _accept(token: str, **extra: str) -> Any:
    data = {
        "full_name": "Nina New",
        "timezone": "Europe/Berlin",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return Client().post(f"/invitations/{token}/", data | extra)


def test_the_patient_invitation_page_shows_the_terms_with_a_box_to_tick(
    personas: Personas,
) -> None:
    page = _text(Client().get(f"/invitations/{_invite(personas)}/"))

    assert "What you agree to" in page
    assert "What Claywork stores:" in page
    assert "Your care team sees your scores:" in page
    # Screening of private writing: that the care team hears that and when, never the words.
    assert "screens what you write (journal entries, check-in notes and intentions)" in page
    assert "the alert says only that this happened and when, never what you wrote" in page
    assert f"Enrolment terms, version {consent.CONSENT_VERSION}." in page
    assert 'type="checkbox" name="consent"' in page
    assert page.index("What you agree to") < page.index('name="consent"')


def test_accepting_records_the_terms_version_and_when(personas: Personas) -> None:
    before = timezone.now()

    response = _accept(_invite(personas), consent="on")

    assert response.status_code == 302
    user = User.objects.get(email="nina@example.test")
    terms = ConsentRecord.objects.get(user=user, topic=consent.ENROLMENT)
    assert (terms.version, terms.given) == (consent.CONSENT_VERSION, True)
    assert before <= terms.recorded_at <= timezone.now() + timedelta(seconds=1)
    # The terms include screening of private writing and scores to the care team.
    assert consent.consent_is_given(user, consent.SCREENING)
    assert consent.consent_is_given(user, consent.SCORES)
    assert set(ConsentRecord.objects.filter(user=user).values_list("topic", flat=True)) == {
        consent.ENROLMENT,
        consent.SCREENING,
        consent.SCORES,
    }


def test_without_the_tick_nothing_is_created_and_the_form_says_why(personas: Personas) -> None:
    token = _invite(personas)

    response = _accept(token)

    assert response.status_code == 400
    assert response.context["form"].errors["consent"] == [REFUSAL]
    assert REFUSAL in _text(response)
    assert not User.objects.filter(email="nina@example.test").exists()
    # The link still works: refusing the terms does not use up the invitation.
    assert Invitation.objects.get(email="nina@example.test").accepted_at is None
    assert _accept(token, consent="on").status_code == 302


def test_the_service_refuses_a_patient_without_consent(personas: Personas) -> None:
    token = _invite(personas)

    with pytest.raises(services.ConsentRequired):
        services.invitation_accept(
            token=token, full_name="Nina New", password=PASSWORD, timezone_name="UTC"
        )

    assert Invitation.objects.get(email="nina@example.test").accepted_at is None


def test_staff_invitations_ask_for_no_patient_consent(personas: Personas) -> None:
    token = _invite(personas, role=Role.CLINICIAN)

    page = _text(Client().get(f"/invitations/{token}/"))
    response = _accept(token)

    assert "What you agree to" not in page and 'name="consent"' not in page
    assert response.status_code == 302
    user = User.objects.get(email="nina@example.test")
    assert not ConsentRecord.objects.filter(user=user).exists()


def test_changing_the_terms_needs_a_new_version() -> None:
    digest = hashlib.sha256(TERMS.read_bytes()).hexdigest()

    assert digest == consent.CONSENT_TEXT_SHA256, (
        "The enrolment terms changed: increase CONSENT_VERSION in claywork/clinics/consent.py "
        f"and set CONSENT_TEXT_SHA256 = {digest!r}"
    )
