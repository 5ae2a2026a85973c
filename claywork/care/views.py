from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from claywork.audit.services import audit_read, audit_write
from claywork.care import selectors, services
from claywork.care.access import get_course_for_user, get_patient_for_user, get_session_for_user
from claywork.care.forms import (
    CompleteSessionForm,
    CourseForm,
    GuideNoteForm,
    IntentionForm,
    MotivationForm,
    SessionForm,
)
from claywork.care.integration import integration_steps, window_position
from claywork.core import policy
from claywork.core.http import AuthedRequest, is_htmx
from claywork.safety import free_text

INTENTION = free_text.WrittenText.INTENTION


@login_required
@require_POST
def course_create(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_user(request.user, patient_id)
    if not policy.may_plan_care(request.user, patient.pk):
        raise Http404
    form = CourseForm(request.POST)
    if not form.is_valid():
        # The patient's page (``chart``) holds the empty form; the errors come back here.
        return render(
            request, "care/course_new.html", {"patient": patient, "course_form": form}, status=400
        )
    course = services.course_create(patient=patient, created_by=request.user, **form.cleaned_data)
    audit_write(request, patient, "care.course", course.pk)
    messages.success(request, "Treatment course planned. Now schedule its sessions.")
    return redirect("care:course_detail", course_id=course.pk)


@login_required
def course_detail(request: AuthedRequest, course_id: int) -> HttpResponse:
    course = get_course_for_user(request.user, course_id)
    audit_read(request, course.patient, "care.course", course.pk)
    return render(
        request,
        "care/course_detail.html",
        {
            "course": course,
            "sessions": list(course.sessions.all()),
            "may_plan": policy.may_plan_care(request.user, course.patient_id),
            "session_form": SessionForm(),
        },
    )


@login_required
@require_POST
def session_schedule(request: AuthedRequest, course_id: int) -> HttpResponse:
    course = get_course_for_user(request.user, course_id, plan=True)
    form = SessionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "care/course_detail.html",
            {
                "course": course,
                "sessions": list(course.sessions.all()),
                "may_plan": True,
                "session_form": form,
            },
            status=400,
        )
    services.session_schedule(course=course, **form.cleaned_data)
    audit_write(request, course.patient, "care.course", course.pk)
    messages.success(request, "Session scheduled.")
    return redirect("care:course_detail", course_id=course.pk)


@login_required
@require_http_methods(["GET", "POST"])
def motivation_edit(request: AuthedRequest, course_id: int) -> HttpResponse:
    course = get_course_for_user(request.user, course_id)
    if course.patient_id != request.user.pk:
        raise Http404
    form = MotivationForm(request.POST or None, initial={"text": course.motivation})
    if request.method == "POST" and form.is_valid():
        services.motivation_save(course=course, text=form.cleaned_data["text"])
        messages.success(request, "Your motivation is saved. Your care team can read it.")
        return redirect("care:course_detail", course_id=course.pk)
    return render(
        request,
        "care/motivation_form.html",
        {"course": course, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def session_detail(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    audit_read(request, session.patient, "care.session", session.pk)
    context = selectors.session_side_by_side(session=session, viewer=request.user)
    context.update(
        session=session,
        may_plan=policy.may_plan_care(request.user, session.patient_id),
        may_write_intentions=policy.may_write_intentions(request.user, session),
        note_form=GuideNoteForm(initial={"submission_id": uuid.uuid4()}),
    )
    return render(request, "care/session_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id, plan=True)
    initial = {
        "scheduled_at": timezone.localtime(session.scheduled_at),
        "location": session.location,
    }
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_reschedule(session=session, **form.cleaned_data)
        except services.SessionStateError as error:
            messages.error(request, str(error))
        else:
            audit_write(request, session.patient, "care.session", session.pk)
            messages.success(request, "Session updated.")
        return redirect("care:session_detail", session_id=session.pk)
    return render(
        request,
        "care/session_edit.html",
        {"session": session, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def intention_edit(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    if session.patient_id != request.user.pk:
        raise Http404
    existing = selectors.intention_text(session=session)
    form = IntentionForm(request.POST or None, initial={"text": existing})
    if request.method == "POST" and form.is_valid():
        try:
            intention = services.intention_save(session=session, text=form.cleaned_data["text"])
        except services.SessionStateError as error:
            messages.error(request, str(error))
        else:
            if level := free_text.crisis_language_raised(source=INTENTION, saved=intention):
                messages.warning(request, free_text.patient_message(INTENTION, request.user, level))
                return redirect("help_now")
            messages.success(
                request, "Intentions saved. Your guide will read them before we begin."
            )
        return redirect("care:session_detail", session_id=session.pk)
    return render(
        request,
        "care/intention_form.html",
        {"session": session, "form": form, "accepts": session.accepts_intentions},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def session_start(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id, plan=True)
    try:
        services.session_start(session=session)
    except services.SessionStateError as error:
        messages.error(request, str(error))
    else:
        audit_write(request, session.patient, "care.session", session.pk)
    return redirect("care:session_detail", session_id=session.pk)


@login_required
@require_POST
def session_cancel(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id, plan=True)
    try:
        services.session_cancel(session=session)
    except services.SessionStateError as error:
        messages.error(request, str(error))
    else:
        audit_write(request, session.patient, "care.session", session.pk)
        messages.success(request, "Session cancelled.")
    return redirect("care:session_detail", session_id=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_complete(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id, plan=True)
    form = CompleteSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_complete(session=session, debrief=form.cleaned_data["debrief"])
        except services.SessionStateError as error:
            messages.error(request, str(error))
        else:
            audit_write(request, session.patient, "care.session", session.pk)
            messages.success(
                request, "Session completed. The patient's integration window is open."
            )
        return redirect("care:session_detail", session_id=session.pk)
    return render(
        request,
        "care/session_complete.html",
        {"session": session, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def guide_note_add(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id, plan=True)
    form = GuideNoteForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.guide_note_add(session=session, author=request.user, **form.cleaned_data)
        except services.SessionStateError as state_error:
            error = str(state_error)
        else:
            audit_write(request, session.patient, "care.guide_note", session.pk)
            form = GuideNoteForm(initial={"submission_id": uuid.uuid4()})
    context = {
        "session": session,
        "guide_notes": selectors.guide_notes(session=session),
        "note_form": form,
        "note_error": error,
        "may_plan": True,
    }
    status = 400 if (form.errors or error) else 200
    if is_htmx(request):
        return render(request, "care/_guide_notes.html", context, status=status)
    if status == 200:
        return redirect("care:session_detail", session_id=session.pk)
    messages.error(request, error or "The note was not saved; see below.")
    context.update(selectors.session_side_by_side(session=session, viewer=request.user))
    context["note_form"] = form
    return render(request, "care/session_detail.html", context, status=status)


@login_required
def integration_timeline(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    audit_read(request, session.patient, "care.timeline", session.pk)
    if not session.is_completed or session.completed_at is None:
        return render(request, "care/timeline_not_open.html", {"session": session})
    now = timezone.now()
    steps = integration_steps(session.completed_at)
    prompts = selectors.prompts_for_steps([step.key for step in steps])
    position = window_position(session.completed_at, now)
    is_patient = session.patient_id == request.user.pk
    reflected = (
        selectors.reflections_by_step(session=session, steps=steps, prompts=prompts)
        if is_patient
        else {}
    )
    return render(
        request,
        "care/timeline.html",
        {
            "session": session,
            "position": position,
            "steps": [
                (
                    step,
                    step.state(now, position.current_step),
                    prompts.get(step.key),
                    reflected.get(step.key),
                )
                for step in steps
            ],
            "is_patient": is_patient,
        },
    )


@login_required
def current_integration(request: HttpRequest) -> HttpResponse:
    latest = selectors.latest_completed_session(user=request.user)
    if latest is None:
        return render(request, "care/timeline_not_open.html", {"session": None})
    return redirect("care:timeline", session_id=latest.pk)
