"""Care-team comments on a journal entry the patient shared with the care team."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from claywork.audit.services import audit_record
from claywork.care import selectors, services
from claywork.care.access import get_entry_for_comments
from claywork.care.forms import EntryCommentForm
from claywork.core import policy
from claywork.core.http import AuthedRequest

RESOURCE = "care.entry_comment"


@login_required
@require_http_methods(["GET", "POST"])
def entry_comments(request: AuthedRequest, entry_id: int) -> HttpResponse:
    """The thread on its own page (also where a comment that could not be saved comes back)."""
    writing = request.method == "POST"
    entry = get_entry_for_comments(request.user, entry_id, write=writing)
    form = EntryCommentForm(
        request.POST if writing else None, initial={"submission_id": uuid.uuid4()}
    )
    if writing and form.is_valid():
        services.entry_comment_add(
            entry=entry,
            author=request.user,
            text=form.cleaned_data["text"],
            submission_id=form.cleaned_data["submission_id"],
        )
        audit_record(
            actor=request.user,
            patient=entry.patient,
            action="write",
            resource=RESOURCE,
            object_id=entry.pk,
            request=request,
        )
        messages.success(request, "Your comment is added. The patient sees it on their entry.")
        return redirect(reverse("journal:entry_detail", args=[entry.pk]) + "#comments")
    audit_record(
        actor=request.user,
        patient=entry.patient,
        action="read",
        resource=RESOURCE,
        object_id=entry.pk,
        request=request,
    )
    return render(
        request,
        "care/entry_comments.html",
        {
            "entry": entry,
            "comments": selectors.entry_comments(entry=entry),
            "comment_form": form if policy.may_comment_on_entry(request.user, entry) else None,
            "is_own": entry.patient_id == request.user.pk,
        },
        status=400 if form.errors else 200,
    )
