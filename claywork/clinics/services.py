"""Inviting people into a clinic and turning an accepted invitation into an account."""

from __future__ import annotations

import secrets

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.accounts.sign_ins import sign_ins_end_others
from claywork.care.services import care_team_add, default_care_role
from claywork.clinics import consent
from claywork.clinics.models import Clinic, Invitation, hash_token
from claywork.core import policy
from claywork.safety.services import on_call_set


@transaction.atomic
def clinic_settings_update(
    *,
    clinic: Clinic,
    suicide_screener_enabled: bool,
    patients_may_withdraw_scores: bool | None = None,
    on_call: list[User] | None = None,
    missed_check_in_days: int | None = None,
    session_observations: list[str] | None = None,
) -> Clinic:
    """Change how the clinic uses Claywork. Turning the screener off withdraws open offers.

    Turning ``patients_may_withdraw_scores`` off later does not undo a patient's withdrawal
    already recorded: that was their choice under the rules of the time. A new on-call list
    is told at once of the open alerts of patients without a care team."""
    changes: dict[str, object] = {"suicide_screener_enabled": suicide_screener_enabled}
    if patients_may_withdraw_scores is not None:
        changes["patients_may_withdraw_scores"] = patients_may_withdraw_scores
    changes["missed_check_in_days"] = missed_check_in_days
    if session_observations is not None:
        changes["session_observations"] = session_observations
    Clinic.objects.filter(pk=clinic.pk).update(**changes)
    if on_call is not None:
        on_call_set(clinic=clinic, people=on_call)
    for name, value in changes.items():
        setattr(clinic, name, value)
    return clinic


@transaction.atomic
def clinic_create(
    *, name: str, slug: str, timezone_name: str, admin_email: str, admin_name: str
) -> tuple[Clinic, Invitation, str]:
    """A new clinic and the invitation of its first clinic admin (``claywork create-clinic``).

    This replaces a superuser: the admin signs up through the invitation like everyone else,
    so the address is verified and, as staff, they set up a second factor before any page.
    Returns the clinic, the invitation and the raw token of its link."""
    if Clinic.objects.filter(slug=slug).exists():
        raise InvitationError(f"A clinic with the short name {slug!r} exists already.")
    clinic = Clinic.objects.create(name=name, slug=slug, timezone=timezone_name)
    invitation, token = invitation_create(
        clinic=clinic,
        invited_by=None,
        email=admin_email,
        full_name=admin_name,
        role=Role.CLINIC_ADMIN,
    )
    return clinic, invitation, token


@transaction.atomic
def staff_factors_reset(*, staff: User) -> int:
    """A clinic admin resets a clinician's or admin's second factors (a lost phone or key):
    their authenticator app, every security key or passkey and their recovery codes are
    removed and every browser they are signed in on is signed out, so their next sign-in must
    set up a new factor before any page (the staff MFA rule). The caller checks the admin may,
    and records the audit event. Returns how many factors were removed."""
    if staff.role not in (Role.CLINICIAN, Role.CLINIC_ADMIN):
        raise ValueError("second factors are reset for staff only")
    removed, _ = Authenticator.objects.filter(user=staff).delete()
    sign_ins_end_others(user=staff, current_sid="")
    return removed


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("clinics:accept", kwargs={"token": token})


class InvitationError(ValueError):
    """The invitation cannot be used: expired, revoked, already accepted or unknown."""


class EmptyCareTeam(InvitationError):
    """A patient is enrolled with a care team, or into a clinic with an on-call list."""


class ConsentRequired(ValueError):
    """A patient invitation is accepted only together with the enrolment terms."""


def invitation_create(
    *,
    clinic: Clinic,
    invited_by: User | None,
    email: str,
    full_name: str,
    role: str,
    clinician_kind: str = "",
    care_team: list[User] | None = None,
) -> tuple[Invitation, str]:
    """Create (or renew) an invitation and e-mail its link. Returns it and the raw token.

    Inviting the same address again revokes the earlier link, so only the newest one works.
    ``invited_by`` is None only for a clinic's first admin, invited by ``clinic_create``.
    """
    email = email.strip().lower()
    if role == Role.PATIENT and not care_team and not policy.on_call_of(clinic.pk).exists():
        raise EmptyCareTeam(
            "Choose at least one clinician for the care team, or first name an on-call list in "
            "the clinic's settings: an alert about this patient must reach someone."
        )
    if User.objects.filter(email=email).exists():
        raise InvitationError("Someone with this e-mail address already has an account.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(
            clinic=clinic, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            clinic=clinic,
            email=email,
            full_name=full_name,
            role=role,
            clinician_kind=clinician_kind if role == Role.CLINICIAN else "",
            token_hash=hash_token(token),
            invited_by=invited_by,
            expires_at=Invitation.default_expiry(),
        )
        if role == Role.PATIENT and care_team:
            invitation.care_team.set(care_team)
        link = invitation_link(token)
        transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation, token


def _send_invitation(invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "days": settings.INVITATION_VALID_DAYS}
    send_mail(
        subject=f"{invitation.clinic.name} invites you to Claywork",
        message=render_to_string("clinics/invitation_email.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_for_token(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("clinic").filter(token_hash=hash_token(token)).first()
    )
    if invitation is None or not invitation.is_open:
        raise InvitationError(
            "This invitation link has expired or was already used. "
            "Ask your clinic to send a new one."
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, full_name: str, password: str, timezone_name: str, consent_version: str = ""
) -> User:
    """Turn an invitation into an account. A patient must have accepted the enrolment terms
    (``consent_version``, see ``clinics/consent.py``); consent records keep which, and when,
    together with screening of private writing and scores to the care team, which the terms
    include."""
    invitation = invitation_for_token(token)
    if invitation.role == Role.PATIENT and not consent_version:
        raise ConsentRequired("A patient joins only after accepting the enrolment terms.")
    # Claim the invitation with a conditional UPDATE: two clicks make one account.
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    if not claimed or User.objects.filter(email=invitation.email).exists():
        raise InvitationError("This invitation was already used. Sign in instead.")
    user = User.objects.create_user(
        email=invitation.email,
        password=password,
        full_name=full_name,
        role=invitation.role,
        clinician_kind=invitation.clinician_kind,
        clinic=invitation.clinic,
        timezone=timezone_name,
    )
    # The invitation link reached this address: it is verified, so staff can set up their
    # second factor (allauth lets only a verified address activate TOTP).
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if consent_version:
        consent.consent_give(user=user, topic=consent.ENROLMENT, version=consent_version)
        for topic in (consent.SCREENING, consent.SCORES):
            consent.consent_give(user=user, topic=topic, version=consent.TOPICS[topic].version)
    for clinician in invitation.care_team.filter(clinic=invitation.clinic, role=Role.CLINICIAN):
        care_team_add(patient=user, clinician=clinician, care_role=default_care_role(clinician))
    return user
