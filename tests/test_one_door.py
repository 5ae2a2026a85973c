"""One door: no admin site, no superusers, the first clinic admin invited by a command."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client, override_settings

from claywork.accounts.models import Role, SuperuserRefused, User
from claywork.clinics.models import Clinic, Invitation
from claywork.crisis.models import CrisisResource
from tests import factories
from tests.conftest import Personas, client_for

ROLES = (
    "anonymous",
    "patient",
    "care_clinician",
    "clinic_admin",
    "support_person",
)


@pytest.mark.parametrize("path", ["/admin/", "/django-admin/", "/django-admin/login/"])
@pytest.mark.parametrize("role", ROLES)
def test_no_admin_site_answers_anyone(personas: Personas, path: str, role: str) -> None:
    response = client_for(personas.role(role)).get(path)

    assert response.status_code == 404


@pytest.mark.django_db
def test_create_superuser_is_refused() -> None:
    with pytest.raises(SuperuserRefused, match="create-clinic"):
        User.objects.create_superuser("root@example.org", "a long passphrase")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_createsuperuser_command_is_refused() -> None:
    with pytest.raises(SuperuserRefused):
        call_command(
            "createsuperuser", interactive=False, email="root@example.org", stdout=StringIO()
        )

    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("flag", ["is_superuser", "is_staff"])
def test_the_database_refuses_a_superuser_flag(flag: str) -> None:
    user = factories.ClinicAdminFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(**{flag: True})


@pytest.mark.django_db
def test_create_clinic_invites_its_first_admin_who_signs_up_verified(
    django_capture_on_commit_callbacks: Any,
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_clinic",
            name="Riverside",
            slug="riverside",
            timezone="Europe/Berlin",
            admin_email="Ada@Example.org",
            admin_name="Ada Admin",
            stdout=out,
        )

    clinic = Clinic.objects.get(slug="riverside")
    invitation = Invitation.objects.get(clinic=clinic)
    assert (invitation.role, invitation.email, clinic.timezone) == (
        Role.CLINIC_ADMIN,
        "ada@example.org",
        "Europe/Berlin",
    )
    link = out.getvalue().strip().splitlines()[-1]
    assert link in mail.outbox[0].body
    path = link.removeprefix("http://127.0.0.1:8000")
    response = client_for(None).post(
        path,
        {
            "full_name": "Ada Admin",
            "password1": "a long passphrase 7",
            "password2": "a long passphrase 7",
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    admin = User.objects.get(email="ada@example.org")
    assert (admin.role, admin.clinic_id, admin.is_superuser) == (
        Role.CLINIC_ADMIN,
        clinic.pk,
        False,
    )
    assert EmailAddress.objects.filter(user=admin, verified=True, primary=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timezone": "Mars/Base"}, "Unknown time zone"),
        ({"slug": "not a slug"}, "slug"),
        ({"admin_email": "nobody"}, "e-mail|email"),
    ],
)
def test_create_clinic_refuses_bad_input(options: dict[str, str], message: str) -> None:
    arguments = {
        "name": "Riverside",
        "slug": "riverside",
        "admin_email": "ada@example.org",
        "admin_name": "Ada Admin",
    } | options

    with pytest.raises(CommandError, match=message):
        call_command("create_clinic", **arguments, stdout=StringIO())
    assert not Clinic.objects.exists()


@pytest.mark.django_db
def test_create_clinic_refuses_a_slug_in_use() -> None:
    factories.ClinicFactory(slug="riverside")

    with pytest.raises(CommandError, match="exists already"):
        call_command(
            "create_clinic",
            name="Riverside",
            slug="riverside",
            admin_email="ada@example.org",
            admin_name="Ada Admin",
            stdout=StringIO(),
        )


@pytest.mark.django_db
def test_seed_demo_refuses_outside_demo_mode() -> None:
    with override_settings(CLAYWORK_DEMO=False), pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo", stdout=StringIO())

    assert not User.objects.exists()


@pytest.mark.django_db
def test_crisis_defaults_are_shown_and_replaced_from_a_file(tmp_path: Path) -> None:
    shown = StringIO()
    call_command("crisis_defaults", stdout=shown)
    assert "988" in shown.getvalue()
    services = [
        {"name": "Telefonseelsorge", "phone": "0800 111 0 111", "hours": "24/7"},
        {"name": "Notruf", "phone": "112"},
    ]
    file = tmp_path / "defaults.json"
    file.write_text(json.dumps(services))

    call_command("crisis_defaults", load=file, stdout=StringIO())

    defaults = CrisisResource.objects.filter(clinic__isnull=True).order_by("position")
    assert [row.name for row in defaults] == ["Telefonseelsorge", "Notruf"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "services",
    [
        "not json",
        json.dumps({"name": "x"}),
        json.dumps([{"name": "Unreachable"}]),
        json.dumps([{"name": "x", "phone": "1", "colour": "red"}]),
        json.dumps([]),
    ],
)
def test_crisis_defaults_refuse_a_bad_file_and_keep_the_list(tmp_path: Path, services: str) -> None:
    before = list(CrisisResource.objects.filter(clinic__isnull=True).values_list("name"))
    file = tmp_path / "defaults.json"
    file.write_text(services)

    with pytest.raises(CommandError):
        call_command("crisis_defaults", load=file, stdout=StringIO())

    assert list(CrisisResource.objects.filter(clinic__isnull=True).values_list("name")) == before


# --- Every password check goes through the limiter -------------------------------------------


def test_no_code_checks_a_password_except_through_the_limiter() -> None:
    """A scan of Claywork's code: passwords are checked in one module (the throttle) and by
    allauth through the account adapter, which claims an attempt first."""
    root = Path(__file__).resolve().parent.parent / "claywork"
    allowed = {root / "accounts" / "throttle.py", root / "accounts" / "adapter.py"}
    checking = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path not in allowed
        and any(call in path.read_text() for call in ("check_password(", "authenticate("))
    ]

    assert checking == []


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/account/email/", {"new_email": "new@example.org"}),
        ("/account/data/delete/", {"understood": "on"}),
    ],
)
def test_pages_that_ask_for_the_password_again_are_limited(
    personas: Personas, path: str, data: dict[str, str]
) -> None:
    from django.core.cache import cache

    cache.clear()
    client = client_for(personas.patient)
    for _ in range(5):
        client.post(path, data | {"password": "a wrong guess"})

    response = client.post(path, data | {"password": factories.PASSWORD})

    assert response.status_code in (200, 400)
    assert "Too many attempts" in response.content.decode()


@pytest.mark.django_db
def test_staff_signing_in_meet_the_second_factor_before_any_page(
    settings: Any,
) -> None:
    settings.CLAYWORK_STAFF_MFA_REQUIRED = True
    clinician = factories.ClinicianFactory()
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": clinician.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302

    for page in ("/", "/alerts/", "/clinic/people/", "/account/"):
        answer = client.get(page)
        assert (answer.status_code, answer["Location"]) == (302, "/accounts/2fa/")


# --- A clinic admin resets a colleague's second factor ---------------------------------------


def test_an_admin_resets_a_clinicians_factors_audited_and_signed_out(personas: Personas) -> None:
    from allauth.mfa.models import Authenticator

    from claywork.accounts.models import SignInSession
    from claywork.audit.models import AuditEvent

    clinician = personas.care_clinician
    Authenticator.objects.create(user=clinician, type=Authenticator.Type.TOTP, data={})
    Authenticator.objects.create(user=clinician, type=Authenticator.Type.RECOVERY_CODES, data={})
    clinician_browser = client_for(clinician)

    response = client_for(personas.clinic_admin).post(
        f"/clinic/people/{clinician.pk}/reset-factors/"
    )

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=clinician).exists()
    assert clinician_browser.get("/account/").status_code == 302
    assert not SignInSession.objects.filter(user=clinician, ended_at__isnull=True).exists()
    event = AuditEvent.objects.get(resource="accounts.second_factor")
    assert (event.actor_id, event.patient_id) == (personas.clinic_admin.pk, clinician.pk)


def test_an_admin_cannot_reset_their_own_factors_or_a_patients(personas: Personas) -> None:
    admin = client_for(personas.clinic_admin)

    assert (
        admin.post(f"/clinic/people/{personas.clinic_admin.pk}/reset-factors/").status_code == 404
    )
    assert admin.post(f"/clinic/people/{personas.patient.pk}/reset-factors/").status_code == 404
    assert (
        admin.post(
            f"/clinic/people/{personas.other_clinic_clinician.pk}/reset-factors/"
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_staff_invited_before_this_release_get_their_address_verified() -> None:
    import importlib

    from django.apps import apps as django_apps
    from django.utils import timezone

    clinic = factories.ClinicFactory()
    invited = factories.ClinicianFactory(clinic=clinic)
    EmailAddress.objects.create(user=invited, email=invited.email, verified=False, primary=True)
    never_invited = factories.ClinicianFactory(clinic=clinic)
    EmailAddress.objects.create(user=never_invited, email=never_invited.email, verified=False)
    Invitation.objects.create(
        clinic=clinic,
        email=invited.email,
        full_name="x",
        role=Role.CLINICIAN,
        token_hash="h" * 64,
        expires_at=timezone.now(),
        accepted_at=timezone.now(),
    )
    migration = importlib.import_module(
        "claywork.accounts.migrations.0007_no_superusers_sign_in_sessions"
    )

    migration.verify_invited_addresses(django_apps, None)

    assert EmailAddress.objects.get(user=invited).verified
    assert not EmailAddress.objects.get(user=never_invited).verified
