"""The "Where you are signed in" page: each browser, ending one, signing out everywhere."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from claywork.accounts.sign_ins import (
    SID,
    idle_limit,
    live_sign_ins,
    sign_in_end,
    sign_ins_end_others,
)
from claywork.core.http import AuthedRequest
from claywork.push.services import SESSION_KEY as PUSH_KEY


@login_required
@require_safe
def sign_in_list(request: AuthedRequest) -> HttpResponse:
    current = request.session.get(SID)
    sign_ins = live_sign_ins(request.user)
    return render(
        request,
        "accounts/sign_ins.html",
        {
            "sign_ins": sign_ins,
            "current_sid": current,
            "others": [row for row in sign_ins if row.sid != current],
            "idle_minutes": int(idle_limit(request.user).total_seconds() // 60),
        },
    )


@login_required
@require_POST
def sign_in_end_view(request: AuthedRequest, pk: int) -> HttpResponse:
    if pk == _current_pk(request) or not sign_in_end(user=request.user, pk=pk):
        raise Http404("No such sign-in.")
    messages.success(request, "That browser is signed out.")
    return redirect("accounts:sign_ins")


@login_required
@require_POST
def sign_ins_end_others_view(request: AuthedRequest) -> HttpResponse:
    ended = sign_ins_end_others(
        user=request.user,
        current_sid=request.session.get(SID, ""),
        current_push_digest=request.session.get(PUSH_KEY, ""),
    )
    messages.success(
        request,
        f"Signed out of {ended} other browser{'s' if ended != 1 else ''}."
        if ended
        else "You were not signed in anywhere else.",
    )
    return redirect("accounts:sign_ins")


def _current_pk(request: AuthedRequest) -> int | None:
    current = request.session.get(SID)
    row = request.user.sign_in_sessions.filter(sid=current).values_list("pk", flat=True).first()
    return row
