from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from claywork.calendar_feed import selectors, services
from claywork.calendar_feed.access import (
    get_calendar_patient_for_user,
    get_patient_for_calendar_token,
)
from claywork.calendar_feed.feed import (
    CHECK_IN_TITLE,
    GOAL_TITLE,
    PRACTICE_TITLE,
    REFLECTION_TITLE,
    SESSION_TITLE,
    WINDOW_TITLE,
    patient_feed_ics,
)
from claywork.core.http import AuthedRequest


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: AuthedRequest) -> HttpResponse:
    """Get, replace or stop the private feed address. A new address is shown on this one
    response only; the server keeps just its hash, so a lost link is replaced, not recovered."""
    patient = get_calendar_patient_for_user(request.user)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "revoke":
        if services.calendar_token_revoke(patient=patient):
            messages.success(request, "Your calendar link is stopped; calendars using it go empty.")
        return redirect("calendar_feed:page")
    new_feed_url = None
    if action == "issue":
        token = services.calendar_token_issue(patient=patient)
        new_feed_url = request.build_absolute_uri(reverse("calendar_feed:feed", args=[token]))
    return render(
        request,
        "calendar_feed/page.html",
        {
            "live_token": selectors.live_calendar_token(patient=patient),
            "new_feed_url": new_feed_url,
            "webcal_url": new_feed_url and "webcal://" + new_feed_url.split("://", 1)[1],
            "titles": [SESSION_TITLE, WINDOW_TITLE, REFLECTION_TITLE],
            "reminder_titles": [CHECK_IN_TITLE, GOAL_TITLE, PRACTICE_TITLE],
        },
        status=400 if request.method == "POST" and action != "issue" else 200,
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The public feed: the token is the credential. Four queries, however many sessions and
    reminders."""
    patient = get_patient_for_calendar_token(token)
    sessions = selectors.sessions_for_calendar(patient=patient)
    chosen = selectors.chosen_reminders_for_calendar(patient=patient)
    response = HttpResponse(
        patient_feed_ics(patient=patient, sessions=sessions, chosen=chosen),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="claywork.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
