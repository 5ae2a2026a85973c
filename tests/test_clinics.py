"""Inviting people into a clinic, accepting invitations and managing care teams."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.care.models import CareRole, CareTeamMembership
from claywork.clinics.models import Invitation, hash_token
from tests import factories
from tests.conftest import Personas, client_for

PASSWORD = "quiet-harbour-lantern-42"
LINK = re.compile(r"(https?://\S+/invitations/(?P<token>[\w-]+)/)")


def _invite(
    personas: Personas,
    captured: Any,
    *,
    email: str = "new.person@example.test",
    role: str = "patient",
    **extra: Any,
) -> tuple[Any, str | None]:
    """Post the invitation form as the clinic admin; returns the response and the mailed token.
    A patient is invited with the care clinician as care team unless ``care_team`` says."""
    if role == "patient":
        extra.setdefault("care_team", [personas.care_clinician.pk])
    data = {"full_name": "New Person", "email": email, "role": role, **extra}
    sent_before = len(mail.outbox)
    with captured(execute=True):
        response = client_for(personas.clinic_admin).post("/clinic/invite/", data)
    if len(mail.outbox) == sent_before:
        return response, None
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return response, match.group("token")


def _accept(client: Client, token: str, **overrides: str) -> Any:
    data = {
        "full_name": "Nina New",
        "timezone": "Europe/Berlin",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",  # the enrolment terms, asked of patients only
        **overrides,
    }
    return client.post(f"/invitations/{token}/", data)


# --- Inviting ---------------------------------------------------------------------------------


def test_admin_invites_a_clinician_by_email_with_a_link(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    response, token = _invite(
        personas,
        django_capture_on_commit_callbacks,
        email="Guide.New@Example.test",
        role="clinician",
        clinician_kind="guide",
    )
    assert response.status_code == 302
    assert response["Location"] == "/clinic/people/"
    assert token is not None
    message = mail.outbox[-1]
    assert message.to == ["guide.new@example.test"]
    assert personas.clinic_admin.clinic.name in message.subject
    assert f"{settings.SITE_URL}/invitations/{token}/" in message.body
    invitation = Invitation.objects.get(email="guide.new@example.test")
    assert invitation.role == Role.CLINICIAN
    assert invitation.clinician_kind == "guide"
    assert invitation.clinic_id == personas.clinic_admin.clinic_id
    assert invitation.invited_by_id == personas.clinic_admin.pk


def test_the_invitation_token_is_stored_only_hashed(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _, token = _invite(personas, django_capture_on_commit_callbacks)
    assert token is not None
    invitation = Invitation.objects.get(email="new.person@example.test")
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Invitation._meta.db_table}")  # noqa: S608
        assert all(token not in str(value) for row in cursor.fetchall() for value in row)


def test_no_mail_is_sent_until_the_invitation_is_committed(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for(personas.clinic_admin).post(
            "/clinic/invite/",
            {
                "full_name": "Later",
                "email": "later@example.test",
                "role": "patient",
                "care_team": [personas.care_clinician.pk],
            },
        )
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_a_clinician_invitation_needs_a_clinician_kind(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    response, token = _invite(personas, django_capture_on_commit_callbacks, role="clinician")
    assert response.status_code == 400
    assert "Choose guide or integration therapist." in response.content.decode()
    assert token is None
    assert not Invitation.objects.filter(email="new.person@example.test").exists()


def test_inviting_an_existing_accounts_address_is_a_form_error(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    response, token = _invite(
        personas, django_capture_on_commit_callbacks, email=personas.patient.email.upper()
    )
    assert response.status_code == 400
    assert "already has an account" in response.content.decode()
    assert response.context["form"].errors["email"]
    assert token is None
    assert not Invitation.objects.filter(email=personas.patient.email).exists()


def test_only_a_clinic_admin_may_invite(personas: Personas) -> None:
    for user in (personas.patient, personas.care_clinician, personas.support_person):
        response = client_for(user).post(
            "/clinic/invite/", {"full_name": "X", "email": "x@example.test", "role": "patient"}
        )
        assert response.status_code == 404, user
    assert not Invitation.objects.exists()


def test_the_care_team_choices_are_only_this_clinics_clinicians(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    response, token = _invite(
        personas,
        django_capture_on_commit_callbacks,
        care_team=[personas.other_clinic_clinician.pk],
    )
    assert response.status_code == 400
    assert token is None
    assert response.context["form"].errors["care_team"]


# --- Accepting --------------------------------------------------------------------------------


def test_accepting_a_patient_invitation_creates_the_account_with_its_care_team(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _, token = _invite(
        personas,
        django_capture_on_commit_callbacks,
        care_team=[personas.care_clinician.pk, personas.outside_clinician.pk],
    )
    assert token is not None
    client = Client()
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 200
    assert "new.person@example.test" in page.content.decode()

    response = _accept(client, token)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="new.person@example.test")
    assert (user.role, user.clinic_id, user.full_name, user.timezone) == (
        Role.PATIENT,
        personas.clinic_admin.clinic_id,
        "Nina New",
        "Europe/Berlin",
    )
    assert user.check_password(PASSWORD)
    assert set(
        CareTeamMembership.objects.filter(patient=user).values_list("clinician_id", flat=True)
    ) == {personas.care_clinician.pk, personas.outside_clinician.pk}
    assert (
        CareTeamMembership.objects.get(patient=user, clinician=personas.care_clinician).care_role
        == CareRole.GUIDE
    )
    assert int(client.session["_auth_user_id"]) == user.pk
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["user"] == user
    assert Invitation.objects.get(email=user.email).accepted_at is not None


def test_accepting_a_clinician_invitation_gives_the_clinician_role_and_kind(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _, token = _invite(
        personas,
        django_capture_on_commit_callbacks,
        role="clinician",
        clinician_kind="integration_therapist",
    )
    assert token is not None
    assert _accept(Client(), token).status_code == 302
    user = User.objects.get(email="new.person@example.test")
    assert user.role == Role.CLINICIAN
    assert user.clinician_kind == "integration_therapist"
    assert user.clinic_id == personas.clinic_admin.clinic_id


def test_an_invitation_link_works_only_once(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _, token = _invite(personas, django_capture_on_commit_callbacks)
    assert token is not None
    assert _accept(Client(), token).status_code == 302

    second = _accept(Client(), token, full_name="Someone Else")

    assert second.status_code == 404
    assert "This invitation cannot be used" in second.content.decode()
    assert "already used" in second.content.decode()
    assert User.objects.filter(email="new.person@example.test").count() == 1
    assert User.objects.get(email="new.person@example.test").full_name == "Nina New"
    assert Client().get(f"/invitations/{token}/").status_code == 404


def test_an_expired_invitation_is_refused(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _, token = _invite(personas, django_capture_on_commit_callbacks)
    assert token is not None
    Invitation.objects.filter(token_hash=hash_token(token)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert Client().get(f"/invitations/{token}/").status_code == 404
    response = _accept(Client(), token)
    assert response.status_code == 404
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_a_revoked_invitation_is_refused(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _, token = _invite(personas, django_capture_on_commit_callbacks)
    assert token is not None
    Invitation.objects.filter(token_hash=hash_token(token)).update(revoked_at=timezone.now())
    response = _accept(Client(), token)
    assert response.status_code == 404
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_an_unknown_token_is_refused(db: None) -> None:
    response = _accept(Client(), "not-a-real-token")
    assert response.status_code == 404
    assert "This invitation cannot be used" in response.content.decode()


def test_reinviting_the_same_address_revokes_the_older_link(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _, old_token = _invite(personas, django_capture_on_commit_callbacks)
    _, new_token = _invite(personas, django_capture_on_commit_callbacks)
    assert old_token and new_token and old_token != new_token
    old = Invitation.objects.get(token_hash=hash_token(old_token))
    assert old.revoked_at is not None
    assert Invitation.objects.get(token_hash=hash_token(new_token)).revoked_at is None

    assert _accept(Client(), old_token).status_code == 404
    assert not User.objects.filter(email="new.person@example.test").exists()
    assert _accept(Client(), new_token).status_code == 302
    assert User.objects.filter(email="new.person@example.test").count() == 1


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short1", "short1", "too short"),
        ("password123", "password123", "too common"),
        ("4815162342108", "4815162342108", "entirely numeric"),
        ("new.person.example", "new.person.example", "too similar"),
        (PASSWORD, PASSWORD + "x", "The two passwords differ."),
    ],
)
def test_weak_or_mismatched_passwords_are_refused(
    personas: Personas,
    django_capture_on_commit_callbacks: Any,
    password1: str,
    password2: str,
    message: str,
) -> None:
    _, token = _invite(personas, django_capture_on_commit_callbacks)
    assert token is not None
    response = _accept(Client(), token, password1=password1, password2=password2)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email="new.person@example.test").exists()
    assert Invitation.objects.get(token_hash=hash_token(token)).accepted_at is None


# --- Care teams -------------------------------------------------------------------------------


def test_admin_edits_a_patients_care_team(personas: Personas) -> None:
    client = client_for(personas.clinic_admin)
    page = client.get(f"/clinic/patients/{personas.patient.pk}/care-team/")
    assert page.status_code == 200
    response = client.post(
        f"/clinic/patients/{personas.patient.pk}/care-team/",
        {"clinicians": [personas.outside_clinician.pk]},
    )
    assert response.status_code == 302
    assert list(
        CareTeamMembership.objects.filter(patient=personas.patient).values_list(
            "clinician_id", flat=True
        )
    ) == [personas.outside_clinician.pk]


def test_admin_of_another_clinic_cannot_edit_this_clinics_care_team(personas: Personas) -> None:
    other_admin = factories.ClinicAdminFactory(clinic=personas.other_clinic_clinician.clinic)
    client = client_for(other_admin)
    url = f"/clinic/patients/{personas.patient.pk}/care-team/"
    assert client.get(url).status_code == 404
    response = client.post(url, {"clinicians": []})
    assert response.status_code == 404
    assert CareTeamMembership.objects.filter(
        patient=personas.patient, clinician=personas.care_clinician
    ).exists()


def test_a_care_team_cannot_take_a_clinician_of_another_clinic(personas: Personas) -> None:
    response = client_for(personas.clinic_admin).post(
        f"/clinic/patients/{personas.patient.pk}/care-team/",
        {"clinicians": [personas.other_clinic_clinician.pk]},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["clinicians"]
    assert not CareTeamMembership.objects.filter(clinician=personas.other_clinic_clinician).exists()


# --- CSRF -------------------------------------------------------------------------------------


def test_csrf_is_enforced_on_a_post_without_a_token(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.clinic_admin)
    response = client.post(
        "/clinic/invite/", {"full_name": "X", "email": "csrf@example.test", "role": "patient"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.filter(email="csrf@example.test").exists()


def test_csrf_is_enforced_when_accepting_an_invitation(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _, token = _invite(personas, django_capture_on_commit_callbacks)
    assert token is not None
    response = _accept(Client(enforce_csrf_checks=True), token)
    assert response.status_code == 403
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_a_post_with_the_csrf_token_from_the_form_is_accepted(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.clinic_admin)
    form_page = client.get("/clinic/invite/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.content.decode())
    assert token is not None
    response = client.post(
        "/clinic/invite/",
        {
            "csrfmiddlewaretoken": token.group(1),
            "full_name": "Y",
            "email": "csrf-ok@example.test",
            "role": "patient",
            "care_team": [personas.care_clinician.pk],
        },
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="csrf-ok@example.test").exists()


def test_the_people_page_reads_the_same_number_of_queries_for_many_patients(
    personas: Personas, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page
    client = client_for(personas.clinic_admin)
    client.get("/clinic/people/")
    with CaptureQueriesContext(connection) as few:
        client.get("/clinic/people/")
    clinic = personas.patient.clinic
    for number in range(6):
        patient = factories.PatientFactory(clinic=clinic, full_name=f"Many Patient {number}")
        factories.add_to_care_team(patient, personas.care_clinician)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/clinic/people/").content.decode()

    assert len(many.captured_queries) == len(few.captured_queries)
    row = page[page.index("Many Patient 3") :]
    row = row[: row.index("</tr>")]
    assert personas.care_clinician.full_name in row
    assert "No care team" not in row
