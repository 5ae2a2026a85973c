from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from claywork.accounts.models import User
from claywork.care.models import Session
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.journal import services as journal
from claywork.journal.models import Prompt
from claywork.reminders import links, services
from claywork.reminders.forms import PreferencesForm, ReflectionForm
from claywork.reminders.models import Kind, Notification
from claywork.safety import free_text

GRANT = "reminder_grant"


def _patient(request: AuthedRequest) -> None:
    if not policy.may_record_measures(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthedRequest) -> HttpResponse:
    _patient(request)
    prefs = services.preferences_of(request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.preferences_save(patient=request.user, choices=form.choices())
            if "revoke_links" in request.POST:
                links.links_revoke(patient=request.user)
            messages.success(request, "Your reminder settings are saved.")
            return redirect("reminders:settings")
        return render(request, "reminders/settings.html", {"form": form}, status=400)
    initial: dict[str, object] = {
        "timezone": request.user.timezone,
        "check_in_time": prefs.check_in_time,
        "quiet_start": prefs.quiet_start,
        "quiet_end": prefs.quiet_end,
    } | {kind: prefs.wants(kind) for kind in Kind.values}
    return render(request, "reminders/settings.html", {"form": PreferencesForm(initial=initial)})


@login_required
def notifications(request: AuthedRequest) -> HttpResponse:
    _patient(request)
    notices = Notification.objects.filter(patient=request.user)[:100]
    return render(request, "reminders/notifications.html", {"notices": notices})


@never_cache
def redeem(request: HttpRequest, token: str) -> HttpResponse:
    """A reminder's link: once, and for one reflection form only."""
    link = links.link_redeem(token=token)
    if link is None:
        return render(request, "reminders/link_gone.html", status=404)
    journal_form = f"{reverse('journal:entry_new')}?session={link.session_id}" + (
        f"&prompt={link.prompt_id}" if link.prompt_id else ""
    )
    if request.user.is_authenticated:
        if request.user.pk != link.patient_id:
            raise Http404
        return redirect(journal_form)
    request.session.cycle_key()
    request.session[GRANT] = {
        "patient": link.patient_id,
        "session": link.session_id,
        "prompt": link.prompt_id,
        "until": (timezone.now() + links.GRANT_LIFETIME).isoformat(),
    }
    return redirect("reminders:reflect")


def _granted(request: HttpRequest) -> tuple[User, Session, Prompt | None] | None:
    grant = request.session.get(GRANT)
    if not grant or datetime.fromisoformat(grant["until"]) <= timezone.now():
        return None
    patient = User.objects.filter(pk=grant["patient"], is_active=True).first()
    session = Session.objects.filter(pk=grant["session"], patient_id=grant["patient"]).first()
    if patient is None or session is None:
        return None
    prompt = Prompt.objects.filter(pk=grant["prompt"], is_active=True).first()
    return patient, session, prompt


@never_cache
@require_http_methods(["GET", "POST"])
def reflect(request: HttpRequest) -> HttpResponse:
    """The one page a reminder link's grant opens: a reflection on one session. The browser is
    not signed in; anything else it asks for still needs a full sign-in."""
    if request.user.is_authenticated:
        raise Http404  # signed in: the link went straight to the journal
    granted = _granted(request)
    if granted is None:
        return redirect_to_login(request.get_full_path())
    patient, session, prompt = granted
    form = ReflectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry, _ = journal.entry_create(
            patient=patient,
            content=journal.EntryContent(
                kind="reflection",
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                tags=[],
            ),
            submission_id=form.cleaned_data["submission_id"],
            session=session,
            prompt=prompt,
        )
        request.session.pop(GRANT, None)
        journal_entry = free_text.WrittenText.JOURNAL_ENTRY
        if free_text.crisis_language_raised(source=journal_entry, saved=entry):
            return redirect("help_now")
        return render(request, "reminders/reflect_saved.html")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "reminders/reflect.html", {"form": form, "prompt": prompt}, status=status
    )
