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
from django.views.decorators.http import require_GET, require_http_methods

from claywork.accounts.models import User
from claywork.care.models import Session
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.journal import services as journal
from claywork.journal.models import Prompt
from claywork.practice.access import get_goal_for_user, get_practice_for_user
from claywork.practice.models import Goal, Practice
from claywork.push.selectors import push_context
from claywork.push.services import push_enabled
from claywork.reminders import chosen, delivery, links, services
from claywork.reminders.forms import PreferencesForm, ReflectionForm, RoutineForm
from claywork.reminders.models import Kind, Notification, Reminder, Routine, Weekday
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
        form = PreferencesForm(request.POST, push_on=push_enabled())
        if form.is_valid():
            services.preferences_save(patient=request.user, choices=form.choices())
            if "revoke_links" in request.POST:
                links.links_revoke(patient=request.user)
            messages.success(request, "Your reminder settings are saved.")
            return redirect("reminders:settings")
        return _settings_page(request, form, status=400)
    initial: dict[str, object] = {
        "timezone": request.user.timezone,
        "check_in_time": prefs.check_in_time,
        "quiet_start": prefs.quiet_start,
        "quiet_end": prefs.quiet_end,
        "scale_due_time": prefs.scale_due_time,
    } | {kind: prefs.wants(kind) for kind in Kind.values}
    initial |= {f"{kind}_channel": prefs.channel(kind) for kind in Kind.values}
    form = PreferencesForm(initial=initial, push_on=push_enabled())
    if prefs.pk is None:
        # Never chosen: the zone is only the sign-up guess, so this device's zone fills it.
        form.fields["timezone"].widget.attrs["data-detect-timezone"] = "fill"
    return _settings_page(request, form)


def _settings_page(
    request: AuthedRequest, form: PreferencesForm, status: int = 200
) -> HttpResponse:
    routines = Routine.objects.filter(patient=request.user).select_related("goal", "practice")
    context = {"form": form, "routines": routines, **push_context(request.user)}
    return render(request, "reminders/settings.html", context, status=status)


def _routine_page(
    request: AuthedRequest, *, name: str, back: str, goal: Goal | None, practice: Practice | None
) -> HttpResponse:
    """Turn on, change or turn off the reminder about one goal or practice."""
    routine = Routine.objects.filter(patient=request.user, goal=goal, practice=practice).first()
    if request.method == "POST" and request.POST.get("action") == "off":
        if chosen.routine_remove(patient=request.user, goal=goal, practice=practice):
            messages.success(request, "Reminder turned off.")
        return redirect(back)
    prefs = services.preferences_of(request.user)
    form = RoutineForm(
        request.POST if request.method == "POST" else None,
        quiet_hours=(prefs.quiet_start, prefs.quiet_end),
        initial={"at": routine.at, "weekdays": routine.days}
        if routine
        else {"weekdays": Weekday.values},
    )
    if request.method == "POST" and form.is_valid():
        chosen.routine_save(
            patient=request.user,
            at=form.cleaned_data["at"],
            weekdays=form.cleaned_data["weekdays"],
            goal=goal,
            practice=practice,
        )
        messages.success(request, "Reminder saved.")
        return redirect(back)
    context = {
        "form": form,
        "routine": routine,
        "name": name,
        "about": "goal" if goal else "practice",
        "back": back,
        "kind_on": prefs.wants(Kind.GOAL if goal else Kind.PRACTICE),
    }
    return render(request, "reminders/routine.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def goal_routine(request: AuthedRequest, goal_id: int) -> HttpResponse:
    goal = get_goal_for_user(request.user, goal_id)
    back = f"{reverse('practice:goals')}#goal-{goal.pk}"
    return _routine_page(request, name=goal.title, back=back, goal=goal, practice=None)


@login_required
@require_http_methods(["GET", "POST"])
def practice_routine(request: AuthedRequest, practice_id: int) -> HttpResponse:
    practice = get_practice_for_user(request.user, practice_id)
    back = f"{reverse('practice:practices')}#practice-{practice.pk}"
    return _routine_page(
        request, name=practice.display_name, back=back, goal=None, practice=practice
    )


@login_required
@require_GET
def reminder_open(request: AuthedRequest, reminder_id: int) -> HttpResponse:
    """Where a reminder e-mail's link leads: the page that answers it. The link itself names
    only a number, never a goal, practice or questionnaire."""
    _patient(request)
    reminder = Reminder.objects.filter(pk=reminder_id, patient=request.user).first()
    if reminder is None:
        raise Http404("No such reminder.")
    return redirect(delivery.page_for(reminder))


@login_required
@cached_page
def notifications(request: AuthedRequest) -> HttpResponse:
    _patient(request)
    # With its reminder, to say which ones could not be e-mailed (delivery.py gave up).
    notices = Notification.objects.filter(patient=request.user).select_related("reminder")[:100]
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
