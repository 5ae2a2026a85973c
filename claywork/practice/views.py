from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.measures.selectors import patient_today
from claywork.practice import pattern_words, patterns, selectors, services
from claywork.practice.access import (
    get_goal_for_user,
    get_practice_for_user,
    require_practice_keeper,
)
from claywork.practice.forms import (
    GoalCheckForm,
    GoalEditForm,
    GoalForm,
    OwnPracticeForm,
    PracticeLogForm,
    RealmRatingsForm,
)
from claywork.practice.models import Realm
from claywork.reminders.selectors import routines_by_goal, routines_by_practice


@login_required
@require_http_methods(["GET", "POST"])
@cached_page
def plan(request: AuthedRequest) -> HttpResponse:
    require_practice_keeper(request.user)
    history = selectors.realm_history(patient_id=request.user.pk)
    form = RealmRatingsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.realm_ratings_save(
            patient=request.user, day=patient_today(request.user), ratings=form.ratings()
        )
        messages.success(request, "Saved. Thank you for checking in with yourself.")
        return redirect("practice:plan")
    if request.method == "GET" and history:
        form = RealmRatingsForm(initial=dict(zip(Realm.values, history[-1].ratings, strict=True)))
    context = {
        "form": form,
        "history": list(reversed(history)),
        "realms": Realm.labels,
        "wheel": selectors.wheel_chart(history),
        "plan_links": selectors.plan_links(patient_id=request.user.pk),
    }
    return render(request, "practice/plan.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def goals(request: AuthedRequest) -> HttpResponse:
    require_practice_keeper(request.user)
    form = GoalForm(
        request.POST if request.method == "POST" else None, initial={"submission_id": uuid.uuid4()}
    )
    if request.method == "POST" and form.is_valid():
        services.goal_create(patient=request.user, **form.cleaned_data)
        messages.success(request, "Goal added. Start small; every step counts.")
        return redirect("practice:goals")
    overview = selectors.goals_overview(
        patient_id=request.user.pk, today=patient_today(request.user)
    )
    context = {
        "form": form,
        "overview": overview,
        "routines": routines_by_goal(patient_id=request.user.pk),
    }
    return render(request, "practice/goals.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: AuthedRequest, goal_id: int) -> HttpResponse:
    goal = get_goal_for_user(request.user, goal_id)
    if request.method == "POST":
        form = GoalEditForm(request.POST)
        if form.is_valid():
            services.goal_update(goal=goal, **form.cleaned_data)
            messages.success(request, "Goal saved.")
            return redirect(f"{reverse('practice:goals')}#goal-{goal.pk}")
    else:
        form = GoalEditForm(
            initial={
                "title": goal.title,
                "realm": goal.realm,
                "cadence": goal.cadence,
                "per_week": goal.per_week,
            }
        )
    return render(
        request,
        "practice/goal_edit.html",
        {"form": form, "goal": goal},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def goal_delete(request: AuthedRequest, goal_id: int) -> HttpResponse:
    goal = get_goal_for_user(request.user, goal_id)
    services.goal_delete(goal=goal)
    messages.success(request, "Goal removed. Journal entries about it are kept.")
    return redirect("practice:goals")


@login_required
@require_POST
def goal_check(request: AuthedRequest, goal_id: int) -> HttpResponse:
    goal = get_goal_for_user(request.user, goal_id)
    form = GoalCheckForm(request.POST)
    if form.is_valid():
        today = patient_today(request.user)
        if form.cleaned_data["action"] == "check":
            if services.goal_check(goal=goal, day=today):
                messages.success(request, "Done. A small win, and it counts.")
        else:
            services.goal_uncheck(goal=goal, day=today)
    return redirect("practice:goals")


def _practices_page(
    request: AuthedRequest, own_form: OwnPracticeForm, status: int = 200
) -> HttpResponse:
    today = patient_today(request.user)
    catalogue = [
        (practice, uuid.uuid4()) for practice in selectors.practices_for(patient_id=request.user.pk)
    ]
    context = {
        "catalogue": catalogue,
        "routines": routines_by_practice(patient_id=request.user.pk),
        "own_form": own_form,
        "summary": selectors.weekly_summary(patient_id=request.user.pk, today=today),
    }
    return render(request, "practice/practices.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@cached_page
def practices(request: AuthedRequest) -> HttpResponse:
    require_practice_keeper(request.user)
    form = OwnPracticeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            services.practice_create(patient=request.user, name=form.cleaned_data["name"])
            messages.success(request, "Added to your practices.")
            return redirect("practice:practices")
        return _practices_page(request, form, status=400)
    return _practices_page(request, form)


@login_required
@require_POST
def practice_log(request: AuthedRequest, practice_id: int) -> HttpResponse:
    practice = get_practice_for_user(request.user, practice_id)
    form = PracticeLogForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "That was not logged: minutes go from 1 to 1440, notes to 2000 characters."
        )
        return redirect("practice:practices")
    services.practice_log(
        patient=request.user,
        practice=practice,
        day=patient_today(request.user),
        submission_id=form.cleaned_data["submission_id"],
        duration_minutes=form.cleaned_data["duration_minutes"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, f"Logged: {practice.display_name}. Well done.")
    return redirect("practice:practices")


@login_required
@require_POST
def practice_delete(request: AuthedRequest, practice_id: int) -> HttpResponse:
    practice = get_practice_for_user(request.user, practice_id)
    if practice.patient_id is None:
        raise Http404("Only your own practices can be removed.")
    services.practice_delete(practice=practice)
    messages.success(request, "Practice removed.")
    return redirect("practice:practices")


@login_required
@require_GET
def check_in_patterns(request: AuthedRequest) -> HttpResponse:
    require_practice_keeper(request.user)
    found = selectors.check_in_patterns(patient=request.user, today=patient_today(request.user))
    context = {
        "found": found,
        "practices": pattern_words.described(found),
        "min_days": patterns.MIN_DAYS,
        "min_weeks": patterns.MIN_WEEKS,
        "window_days": patterns.WINDOW_DAYS,
    }
    return render(request, "practice/patterns.html", context)


@login_required
@require_GET
def what_helps_moved(request: AuthedRequest) -> HttpResponse:
    """The page's old address ("What helps me"), kept for bookmarks."""
    require_practice_keeper(request.user)
    return redirect("practice:patterns", permanent=True)
