from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone

from claywork.accounts.models import Role
from claywork.audit.services import audit_shown
from claywork.care import selectors as care_selectors
from claywork.care.integration import window_position
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.crisis import selectors as crisis_selectors
from claywork.crisis.grounding import EXERCISES
from claywork.journal import selectors as journal_selectors
from claywork.measures import caseload, caseload_view, triage
from claywork.measures import overview as measures_overview
from claywork.onboarding.steps import checklist_for
from claywork.sharing import selectors as sharing_selectors


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "core/welcome.html")
    return _home_for(request)  # type: ignore[arg-type]


@login_required
@cached_page
def _home_for(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.PATIENT:
        latest = care_selectors.latest_completed_session(user=user)
        position = (
            window_position(latest.completed_at, timezone.now())
            if latest and latest.completed_at
            else None
        )
        return render(
            request,
            "core/home_patient.html",
            {
                "next_session": care_selectors.next_session(patient_id=user.pk),
                "latest_session": latest,
                "position": position,
                "recent_entries": journal_selectors.recent_entries(user=user, limit=3),
                "courses": list(user.courses.all()[:3]),
                "measures": measures_overview.home_measures(user),
                "pending_suggestions": care_selectors.pending_suggestion_count(patient_id=user.pk),
                "checklist": checklist_for(user),
            },
        )
    if user.role == Role.CLINICIAN:
        return _caseload(request)
    if user.role == Role.CLINIC_ADMIN:
        return redirect("clinics:people")
    counts = sharing_selectors.shared_counts_for(user)
    circles = [
        (member, counts.get(member.patient_id, 0))
        for member in sharing_selectors.patients_supported(user)
    ]
    return render(request, "core/home_support.html", {"circles": circles})


def _caseload(request: AuthedRequest) -> HttpResponse:
    """The clinician's home: their caseload, sorted and filtered as they last chose."""
    user = request.user
    sort, show = caseload_view.chosen_view(user, request.GET.get("sort"), request.GET.get("show"))
    limit = triage.missed_check_in_limit(user)
    rows = caseload.caseload_rows(user, sort, show, limit=limit)
    # A caseload is within the clinician's own clinic (policy.patients_in_care_of).
    audit_shown(request, [row.pk for row in rows], "measures.caseload", clinic_id=user.clinic_id)
    order = caseload.caseload_order(sort)
    return render(
        request,
        "core/home_clinician.html",
        {
            "caseload": rows,
            "columns": caseload.caseload_columns(order, show),
            "filters": [(key, choice.label) for key, choice in caseload.FILTERS.items()],
            "show": show,
            "sort_param": f"{'-' if order.descending else ''}{order.key}",
            "limit": limit,
            "overdue_grace": triage.OVERDUE_GRACE_DAYS,
        },
    )


def help_now(request: HttpRequest) -> HttpResponse:
    """Reachable by anyone, signed in or not: a person in crisis must never meet a login."""
    page = crisis_selectors.help_page(request.user)
    return render(request, "core/help_now.html", {"page": page, "exercises": EXERCISES})


@login_required
@cached_page
def more(request: AuthedRequest) -> HttpResponse:
    """Every place in Claywork, for the phone's "More" tab (the desktop menu shows them all)."""
    return render(request, "core/more.html")


@login_required
def privacy(request: AuthedRequest) -> HttpResponse:
    """One place for a patient's privacy: what they share, what they agreed to, who looked."""
    if not policy.may_keep_journal(request.user):
        raise Http404("No such page.")
    return render(request, "core/privacy.html")


def _png(path: str, size: int, purpose: str) -> dict[str, str]:
    return {
        "src": static(path),
        "sizes": f"{size}x{size}",
        "type": "image/png",
        "purpose": purpose,
    }


def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: Claywork can be added to a phone's home screen and opens like an
    app. Public: it names no one."""
    icon = static("claywork/icon.svg")
    response = JsonResponse(
        {
            "name": "Claywork",
            "short_name": "Claywork",
            "description": "The integration companion from your clinic.",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#fbf8f3",
            "theme_color": "#2f5d50",
            # PNGs for the browsers that install apps (drawn by scripts/make_icons.py), the
            # SVGs for those that scale them.
            "icons": [
                *(_png(f"claywork/icon-{size}.png", size, "any") for size in (192, 512)),
                *(
                    _png(f"claywork/icon-maskable-{size}.png", size, "maskable")
                    for size in (192, 512)
                ),
                {"src": icon, "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
                {
                    "src": static("claywork/icon-maskable.svg"),
                    "sizes": "any",
                    "type": "image/svg+xml",
                    "purpose": "maskable",
                },
            ],
            "shortcuts": [
                {"name": "Check in", "url": "/check-in/"},
                {"name": "Need help now?", "url": "/help/"},
            ],
        },
        content_type="application/manifest+json",
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
