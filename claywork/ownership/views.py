"""The patient's "Your data" page: download everything, delete the account, or cancel that."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from claywork.accounts.throttle import password_confirm
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.ownership import services
from claywork.ownership.export import export_name, export_zip


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label="I understand that after the waiting days everything is erased and cannot be "
        "brought back",
        error_messages={"required": "Tick the box to say you understand."},
    )

    def __init__(self, *args: object, patient: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.patient = patient

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        problem = password_confirm(user=self.patient, password=password)  # type: ignore[arg-type]
        if problem:
            raise forms.ValidationError(problem)
        return password


def _patient(request: AuthedRequest) -> None:
    if not policy.may_keep_journal(request.user):
        raise Http404("No such page.")


def _page(request: AuthedRequest, form: DeleteAccountForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "ownership/data.html",
        {
            "form": form,
            "deletion": services.open_request(request.user),
            "grace_days": services.grace_period().days,
        },
        status=status,
    )


@login_required
@require_GET
def data_page(request: AuthedRequest) -> HttpResponse:
    _patient(request)
    return _page(request, DeleteAccountForm(patient=request.user))


@login_required
@require_GET
def export_download(request: AuthedRequest) -> StreamingHttpResponse:
    _patient(request)
    response = StreamingHttpResponse(export_zip(request.user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_name(request.user)}.zip"'
    return response


@login_required
@require_POST
def delete_request(request: AuthedRequest) -> HttpResponse:
    _patient(request)
    form = DeleteAccountForm(request.POST, patient=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    deletion = services.account_deletion_request(patient=request.user)
    messages.warning(
        request,
        f"Your account will be erased on {deletion.erase_after:%d %B %Y}. Your care team has "
        "been told. You can cancel until then.",
    )
    return redirect("ownership:data")


@login_required
@require_POST
def delete_cancel(request: AuthedRequest) -> HttpResponse:
    _patient(request)
    if services.account_deletion_cancel(patient=request.user):
        messages.success(request, "Cancelled. Your account stays, with everything in it.")
    else:
        messages.info(request, "There was no deletion to cancel.")
    return redirect("ownership:data")
