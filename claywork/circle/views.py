"""The patient's circle page, the invitation link, and the support person's pages."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claywork.accounts.models import User
from claywork.audit.services import audit_record
from claywork.circle import access, selectors, services
from claywork.circle.forms import (
    CheckInAnswerForm,
    CheckInRequestForm,
    InviteMemberForm,
    NoteForm,
)
from claywork.circle.models import CircleMember
from claywork.clinics.forms import AcceptInvitationForm
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.sharing.selectors import patients_supported, shared_view
from claywork.sharing.views import before_param


def _circle_page(request: AuthedRequest, form: InviteMemberForm, status: int = 200) -> HttpResponse:
    patient = request.user
    context = {
        "form": form,
        "members": selectors.members_of(patient),
        "notes": selectors.notes_for(patient),
        "requests": selectors.requests_of(patient),
        "request_form": CheckInRequestForm(initial={"submission_id": uuid.uuid4()}),
    }
    return render(request, "circle/circle.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@cached_page
def circle_home(request: AuthedRequest) -> HttpResponse:
    patient = access.require_circle_keeper(request.user)
    form = InviteMemberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            member, _ = services.member_invite(patient=patient, **form.cleaned_data)
        except services.CircleError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"Invitation sent to {member.full_name}.")
            return redirect("circle:home")
    return _circle_page(request, form, status=400 if form.errors else 200)


@login_required
@require_POST
def member_resend(request: AuthedRequest, member_id: int) -> HttpResponse:
    member = access.get_member_for_patient(request.user, member_id)
    try:
        services.member_resend(patient=request.user, member=member)
    except services.CircleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"A new invitation is on its way to {member.full_name}.")
    return redirect("circle:home")


@login_required
@require_POST
def member_remove(request: AuthedRequest, member_id: int) -> HttpResponse:
    member = access.get_member_for_patient(request.user, member_id)
    services.member_remove(patient=request.user, member=member)
    messages.success(
        request, f"{member.full_name} is no longer in your circle and sees nothing you shared."
    )
    return redirect("circle:home")


@login_required
@require_POST
def check_in_request(request: AuthedRequest, member_id: int) -> HttpResponse:
    member = access.get_member_for_patient(request.user, member_id)
    form = CheckInRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That was not sent: keep the message under 300 characters.")
        return redirect("circle:home")
    try:
        services.check_in_request_send(
            patient=request.user,
            member=member,
            message=form.cleaned_data["message"],
            submission_id=form.cleaned_data["submission_id"],
        )
    except services.CircleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Asked {member.full_name} to check in with you this week.")
    return redirect("circle:home")


# --- The invitation link --------------------------------------------------------------------


def _invalid(request: HttpRequest, error: services.CircleError, status: int) -> HttpResponse:
    return render(request, "circle/accept_invalid.html", {"error": str(error)}, status=status)


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the link. Signed in with the invited address: join with that account.
    Signed in as someone else: never swapped; sign out first. Signed out: make a support
    account, or sign in if the address already has one."""
    try:
        member = services.invitation_for_token(token)
    except services.CircleError as error:
        return _invalid(request, error, 404)
    context: dict[str, object] = {"member": member, "inviter": member.patient.get_short_name()}
    if request.user.is_authenticated:
        if request.user.email.lower() != member.email:  # type: ignore[union-attr]
            status = 409 if request.method == "POST" else 200
            return render(request, "circle/accept_signed_in.html", context, status=status)
        if request.method == "POST":
            try:
                services.invitation_accept_as(token=token, person=request.user)  # type: ignore[arg-type]
            except services.CircleError as error:
                return _invalid(request, error, 409)
            messages.success(request, f"You are now in {context['inviter']}’s support circle.")
            return redirect("circle:supporting")
        return render(request, "circle/accept_existing.html", context)
    if User.objects.filter(email=member.email).exists():
        status = 409 if request.method == "POST" else 200
        return render(request, "circle/accept_sign_in.html", context, status=status)
    return _accept_new(request, token, member, context)


def _accept_new(
    request: HttpRequest, token: str, member: CircleMember, context: dict[str, object]
) -> HttpResponse:
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None,
        email=member.email,
        asks_consent=False,
        initial={"full_name": member.full_name, "timezone": member.patient.timezone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            _, person = services.invitation_accept_new(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                timezone_name=form.cleaned_data["timezone"],
            )
        except services.CircleError as error:
            return _invalid(request, error, 409)
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome. You are now in {context['inviter']}’s support circle.")
        return redirect("circle:supporting")
    context["form"] = form
    return render(request, "circle/accept.html", context, status=400 if form.errors else 200)


@require_POST
def decline(request: HttpRequest, token: str) -> HttpResponse:
    try:
        member = services.invitation_for_token(token)
    except services.CircleError as error:
        return _invalid(request, error, 404)
    if request.user.is_authenticated and request.user.email.lower() != member.email:  # type: ignore[union-attr]
        return render(
            request,
            "circle/accept_signed_in.html",
            {"member": member, "inviter": member.patient.get_short_name()},
            status=409,
        )
    try:
        services.invitation_decline(token=token)
    except services.CircleError as error:
        return _invalid(request, error, 409)
    return render(request, "circle/declined.html", status=200)


# --- The support person's pages -------------------------------------------------------------


@login_required
@require_GET
@cached_page
def supporting(request: AuthedRequest) -> HttpResponse:
    """The circles this person is in; one circle goes straight to its feed."""
    circles = patients_supported(request.user)
    if len(circles) == 1:
        return redirect("circle:feed", patient_id=circles[0].patient_id)
    return render(request, "circle/supporting.html", {"circles": circles})


def _feed_page(
    request: AuthedRequest, patient_id: int, note_form: NoteForm, status: int = 200
) -> HttpResponse:
    member = access.get_membership(request.user, patient_id)
    view = shared_view(
        reader=request.user, patient=member.patient, care_team=False, before=before_param(request)
    )
    audit_record(
        actor=request.user,
        patient=member.patient,
        action="read",
        resource="sharing.feed",
        object_id=member.patient_id,
        request=request,
    )
    context = {
        "member": member,
        "patient": member.patient,
        "view": view,
        "note_form": note_form,
        "requests": selectors.requests_to(member),
        "answer_form": CheckInAnswerForm(),
        "notes_sent": selectors.notes_sent(member),
    }
    return render(request, "circle/feed.html", context, status=status)


@login_required
@require_GET
@cached_page
def feed(request: AuthedRequest, patient_id: int) -> HttpResponse:
    return _feed_page(request, patient_id, NoteForm(initial={"submission_id": uuid.uuid4()}))


@login_required
@require_POST
def note_send(request: AuthedRequest, patient_id: int) -> HttpResponse:
    member = access.get_membership(request.user, patient_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _feed_page(request, patient_id, form, status=400)
    _, created = services.note_send(
        member=member,
        text=form.cleaned_data["text"],
        submission_id=form.cleaned_data["submission_id"],
    )
    if created:
        messages.success(request, f"Your note is on its way to {member.patient.get_short_name()}.")
    return redirect("circle:feed", patient_id=patient_id)


@login_required
@require_POST
def leave(request: AuthedRequest, patient_id: int) -> HttpResponse:
    member = access.get_membership(request.user, patient_id)
    services.member_leave(member=member)
    messages.success(
        request,
        f"You have stepped back from {member.patient.get_short_name()}'s circle. "
        "Nothing they shared is shown to you any more.",
    )
    return redirect("circle:supporting")


@login_required
@require_POST
def request_answer(request: AuthedRequest, request_id: int) -> HttpResponse:
    check_in_request = access.get_request_for_member(request.user, request_id)
    form = CheckInAnswerForm(request.POST)
    patient_id = check_in_request.patient_id
    if not form.is_valid():
        messages.error(request, "Choose yes or not this week; a reply can be 300 characters.")
        return redirect("circle:feed", patient_id=patient_id)
    answered = services.check_in_request_answer(
        check_in_request=check_in_request,
        answer=form.cleaned_data["answer"],
        reply=form.cleaned_data["reply"],
    )
    if answered:
        messages.success(request, "Thank you. Your answer was sent.")
    else:
        messages.info(request, "You had already answered this request.")
    return redirect("circle:feed", patient_id=patient_id)


@require_GET
@cached_page
def guide(request: HttpRequest) -> HttpResponse:
    """How to support someone in integration: public, like the crisis page it links to."""
    return render(request, "circle/guide.html")
