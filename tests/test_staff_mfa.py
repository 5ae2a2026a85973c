from allauth.mfa.models import Authenticator
from django.test import override_settings

from tests.conftest import Personas, client_for


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_clinician_without_an_authenticator_is_sent_to_set_one_up(personas: Personas) -> None:
    response = client_for(personas.care_clinician).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_clinic_admin_without_an_authenticator_is_sent_to_set_one_up(personas: Personas) -> None:
    response = client_for(personas.clinic_admin).get("/clinic/people/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_clinician_with_an_authenticator_reaches_the_caseload(personas: Personas) -> None:
    Authenticator.objects.create(
        user=personas.care_clinician, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    response = client_for(personas.care_clinician).get("/")
    assert response.status_code == 200
    assert b"<h1>Caseload</h1>" in response.content


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_patients_and_the_crisis_page_never_wait_for_a_second_factor(personas: Personas) -> None:
    assert client_for(personas.patient).get("/").status_code == 200
    assert client_for(personas.care_clinician).get("/help/").status_code == 200


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_clinician_with_only_a_security_key_reaches_the_caseload(personas: Personas) -> None:
    Authenticator.objects.create(
        user=personas.care_clinician, type=Authenticator.Type.WEBAUTHN, data={}
    )
    response = client_for(personas.care_clinician).get("/")
    assert response.status_code == 200
    assert b"<h1>Caseload</h1>" in response.content


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_clinician_with_only_recovery_codes_left_is_asked_for_a_new_factor(
    personas: Personas,
) -> None:
    Authenticator.objects.create(
        user=personas.clinic_admin, type=Authenticator.Type.RECOVERY_CODES, data={}
    )
    response = client_for(personas.clinic_admin).get("/clinic/people/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"


@override_settings(CLAYWORK_STAFF_MFA_REQUIRED=True)
def test_the_header_badge_of_a_clinician_without_a_factor_gets_nothing_to_paste(
    personas: Personas,
) -> None:
    response = client_for(personas.care_clinician).get(
        "/messages/unread/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response.content == b""
