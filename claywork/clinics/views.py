from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from claywork.accounts import services as account_services
from claywork.accounts.forms import ContactForm
from claywork.accounts.models import Role, User
from claywork.audit.services import audit_read, audit_write
from claywork.care.services import care_team_add, care_team_remove, default_care_role
from claywork.clinics import consent, services
from claywork.clinics.forms import (
    AcceptInvitationForm,
    CareTeamForm,
    ClinicSettingsForm,
    InvitationForm,
)
from claywork.clinics.models import Invitation
from claywork.clinics.people import patient_rows
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.core.paging import page_number
from claywork.safety import services as safety_services


def _managed_clinic_id(request: AuthedRequest) -> int:
    if not policy.may_manage_clinic(request.user, request.user.clinic):
        raise Http404
    assert request.user.clinic_id is not None
    return request.user.clinic_id


@login_required
@require_POST
def staff_factors_reset(request: AuthedRequest, person_id: int) -> HttpResponse:
    """A clinic admin resets a colleague's second factors (never their own: that would let a
    stolen admin session remove the admin's own factor)."""
    _managed_clinic_id(request)
    staff = get_object_or_404(
        policy.people_managed_by(request.user)
        .filter(role__in=(Role.CLINICIAN, Role.CLINIC_ADMIN))
        .exclude(pk=request.user.pk),
        pk=person_id,
    )
    services.staff_factors_reset(staff=staff)
    audit_write(request, staff, "accounts.second_factor", staff.pk)
    messages.success(
        request,
        f"{staff.full_name}'s second factors were removed. They set up a new one the next "
        "time they sign in.",
    )
    return redirect("clinics:people")


@login_required
@cached_page
def people(request: AuthedRequest) -> HttpResponse:
    clinic_id = _managed_clinic_id(request)
    members = policy.people_managed_by(request.user).order_by("role", "full_name")
    clinic = request.user.clinic
    assert clinic is not None
    patients_page, patients = patient_rows(members, page_number(request.GET.get("page")))
    return render(
        request,
        "clinics/people.html",
        {
            "clinicians": members.filter(role=Role.CLINICIAN),
            "admins": members.filter(role=Role.CLINIC_ADMIN),
            "patients": patients,
            "patients_page": patients_page,
            "on_call": list(policy.on_call_of(clinic_id)),
            "on_call_skipped": safety_services.on_call_skipped(clinic),
            "pending": Invitation.objects.filter(
                clinic_id=clinic_id, accepted_at__isnull=True, revoked_at__isnull=True
            ).order_by("-created_at"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthedRequest) -> HttpResponse:
    clinic_id = _managed_clinic_id(request)
    form = InvitationForm(request.POST or None, clinic_id=clinic_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.invitation_create(
                clinic=request.user.clinic,  # type: ignore[arg-type]
                invited_by=request.user,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                clinician_kind=data["clinician_kind"],
                care_team=list(data["care_team"]),
            )
        except services.EmptyCareTeam as error:
            form.add_error("care_team", str(error))
        except services.InvitationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"Invitation sent to {data['email']}.")
            return redirect("clinics:people")
    return render(
        request, "clinics/invite.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def care_team(request: AuthedRequest, patient_id: int) -> HttpResponse:
    clinic_id = _managed_clinic_id(request)
    patient = _managed_patient(request, patient_id)
    current = list(User.objects.filter(caseload_links__patient=patient))
    # Not ``request.POST or None``: unticking everyone posts nothing, and must be checked.
    form = CareTeamForm(
        request.POST if request.method == "POST" else None,
        clinic_id=clinic_id,
        initial={"clinicians": current},
    )
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["clinicians"])
        # Add before removing, in one transaction: open alerts never pass through "nobody".
        with transaction.atomic():
            for clinician in chosen - set(current):
                care_team_add(
                    patient=patient, clinician=clinician, care_role=default_care_role(clinician)
                )
            for clinician in set(current) - chosen:
                care_team_remove(patient=patient, clinician=clinician)
        messages.success(request, f"Care team for {patient} updated.")
        return redirect("clinics:people")
    return render(
        request,
        "clinics/care_team.html",
        {"patient": patient, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@cached_page
def clinic_settings(request: AuthedRequest) -> HttpResponse:
    _managed_clinic_id(request)
    clinic = request.user.clinic
    assert clinic is not None
    form = ClinicSettingsForm(
        # Not ``request.POST or None``: unticking the only box posts nothing, and is valid.
        request.POST if request.method == "POST" else None,
        clinic_id=clinic.pk,
        initial={
            "suicide_screener_enabled": clinic.suicide_screener_enabled,
            "patients_may_withdraw_scores": clinic.patients_may_withdraw_scores,
            "missed_check_in_days": clinic.missed_check_in_days,
            "session_observations": clinic.session_observations,
            "on_call": list(policy.on_call_of(clinic.pk)),
        },
    )
    if request.method == "POST" and form.is_valid():
        services.clinic_settings_update(
            clinic=clinic,
            suicide_screener_enabled=form.cleaned_data["suicide_screener_enabled"],
            patients_may_withdraw_scores=form.cleaned_data["patients_may_withdraw_scores"],
            on_call=list(form.cleaned_data["on_call"]),
            missed_check_in_days=form.cleaned_data["missed_check_in_days"],
            session_observations=form.cleaned_data["session_observations"],
        )
        messages.success(request, "Clinic settings saved.")
        return redirect("clinics:settings")
    return render(
        request,
        "clinics/settings.html",
        {"form": form, "on_call_skipped": safety_services.on_call_skipped(clinic)},
        status=400 if form.errors else 200,
    )


def _managed_patient(request: AuthedRequest, patient_id: int) -> User:
    _managed_clinic_id(request)
    patient = (
        policy.people_managed_by(request.user).filter(pk=patient_id, role=Role.PATIENT).first()
    )
    if patient is None:
        raise Http404
    return patient


@login_required
@require_http_methods(["GET", "POST"])
def patient_contact(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """The clinic admin keeps a patient's phone and emergency contact up to date."""
    patient = _managed_patient(request, patient_id)
    audit_read(request, patient, "accounts.contact", patient.pk)
    form = ContactForm(
        request.POST or None,
        initial=ContactForm.initial_from(account_services.contact_of(patient.pk)),
        for_staff=True,
    )
    if request.method == "POST" and form.is_valid():
        account_services.patient_contact_save(patient=patient, by=request.user, **form.cleaned_data)
        audit_write(request, patient, "accounts.contact", patient.pk)
        messages.success(request, f"Contact details of {patient} saved.")
        return redirect("clinics:people")
    return render(
        request,
        "accounts/contact.html",
        {"form": form, "patient": patient, "for_admin": True},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationError as error:
        return render(request, "clinics/accept_invalid.html", {"error": str(error)}, status=404)
    if request.user.is_authenticated:
        # Accepting would silently swap the signed-in account for a new one on a shared device.
        return render(
            request,
            "clinics/accept_signed_in.html",
            {"invitation": invitation},
            status=409 if request.method == "POST" else 200,
        )
    asks_consent = invitation.role == Role.PATIENT
    form = AcceptInvitationForm(
        request.POST or None,
        email=invitation.email,
        asks_consent=asks_consent,
        initial={"full_name": invitation.full_name, "timezone": invitation.clinic.timezone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                timezone_name=form.cleaned_data["timezone"],
                consent_version=consent.CONSENT_VERSION if asks_consent else "",
            )
        except services.InvitationError as error:
            return render(request, "clinics/accept_invalid.html", {"error": str(error)}, status=409)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to {invitation.clinic.name}.")
        return redirect("home")
    return render(
        request,
        "clinics/accept.html",
        {
            "invitation": invitation,
            "form": form,
            "consent_template": consent.CONSENT_TEMPLATE,
            "consent_version": consent.CONSENT_VERSION,
        },
        status=400 if form.errors else 200,
    )
