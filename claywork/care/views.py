from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
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
    ObservationForm,
    SessionForm,
)
from claywork.care.integration import integration_steps, window_position
from claywork.care.models import Session, SessionStatus
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
        note_form=_note_form(),
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
    """Starting far from the planned time asks first: a session scheduled for Saturday and
    started on Thursday is most likely the wrong session."""
    session = get_session_for_user(request.user, session_id, plan=True)
    now = timezone.now()
    hours_off = session.hours_from_schedule(now)
    if (
        session.status == SessionStatus.SCHEDULED
        and hours_off > services.CONFIRM_START_HOURS
        and request.POST.get("confirm") != "1"
    ):
        return render(
            request,
            "care/session_start_confirm.html",
            {"session": session, "hours_off": round(hours_off), "now": now},
        )
    try:
        services.session_start(session=session)
    except services.SessionStateError as error:
        messages.error(request, str(error))
    else:
        audit_write(request, session.patient, "care.session", session.pk)
        return redirect("care:session_screen", session_id=session.pk)
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
    far_off = (
        session.status == SessionStatus.SCHEDULED
        and session.hours_from_schedule(timezone.now()) > services.CONFIRM_START_HOURS
    )
    form = CompleteSessionForm(request.POST or None, far_off_schedule=far_off)
    if request.method == "POST" and form.is_valid():
        try:
            completed = services.session_complete(
                session=session, debrief=form.cleaned_data["debrief"]
            )
        except services.SessionStateError as error:
            messages.error(request, str(error))
        else:
            audit_write(request, session.patient, "care.session", session.pk)
            messages.success(request, window_message(completed))
        return redirect("care:session_detail", session_id=session.pk)
    return render(
        request,
        "care/session_complete.html",
        {
            "session": session,
            "form": form,
            "window_opens_hours": settings.CLAYWORK_WINDOW_OPENS_HOURS,
            "window_closes_hours": settings.CLAYWORK_WINDOW_CLOSES_HOURS,
        },
        status=400 if form.errors else 200,
    )


def window_message(session: Session) -> str:
    """The truth about the integration window: when it opens and closes, in local time."""
    opens, closes = session.window_opens_at, session.window_closes_at
    assert opens is not None and closes is not None
    opens_local, closes_local = timezone.localtime(opens), timezone.localtime(closes)
    same_day = opens_local.date() == closes_local.date()
    return (
        "Session completed. The patient's integration window opens "
        f"{date_format(opens_local, 'l j F, H:i')} and closes "
        f"{date_format(closes_local, 'H:i' if same_day else 'l j F, H:i')}."
    )


def _note_form() -> GuideNoteForm:
    return GuideNoteForm(initial={"submission_id": uuid.uuid4()})


@login_required
@require_POST
def guide_note_add(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id, plan=True)
    on_screen = request.POST.get("screen") == "1"
    form = GuideNoteForm(request.POST)
    error = None
    if form.is_valid():
        try:
            note = services.guide_note_add(
                session=session, author=request.user, **form.cleaned_data
            )
        except services.SessionStateError as state_error:
            error = str(state_error)
        else:
            resource = "care.private_note" if note.private else "care.guide_note"
            audit_write(request, session.patient, resource, note.pk)
            form = _note_form()
    status = 400 if (form.errors or error) else 200
    if on_screen:
        return _screen_notes(request, session, form, error, status)
    context = {
        "session": session,
        "guide_notes": selectors.guide_notes(session=session, with_private=True),
        "note_form": form,
        "note_error": error,
        "may_plan": True,
    }
    if is_htmx(request):
        return render(request, "care/_guide_notes.html", context, status=status)
    if status == 200:
        return redirect("care:session_detail", session_id=session.pk)
    messages.error(request, error or "The note was not saved; see below.")
    context.update(selectors.session_side_by_side(session=session, viewer=request.user))
    context["note_form"] = form
    return render(request, "care/session_detail.html", context, status=status)


def _screen_notes(
    request: AuthedRequest,
    session: Session,
    form: GuideNoteForm,
    error: str | None,
    status: int,
) -> HttpResponse:
    if is_htmx(request):
        return render(
            request,
            "care/_screen_notes.html",
            _screen_context(session, form, error),
            status=status,
        )
    if status == 200:
        return redirect("care:session_screen", session_id=session.pk)
    return render(
        request, "care/session_screen.html", _screen_context(session, form, error), status=status
    )


def _screen_context(
    session: Session,
    note_form: GuideNoteForm | None = None,
    note_error: str | None = None,
    observation_form: ObservationForm | None = None,
) -> dict[str, Any]:
    chosen = list(session.patient.clinic.session_observations) if session.patient.clinic else []
    if observation_form is None and chosen:
        observation_form = ObservationForm(
            chosen=chosen,
            initial=ObservationForm.initial_from(selectors.observation_values(session=session)),
        )
    return {
        "session": session,
        "timeline": list(reversed(selectors.guide_notes(session=session, with_private=True))),
        "note_form": note_form or _note_form(),
        "note_error": note_error,
        "observation_form": observation_form,
    }


@login_required
def session_screen(request: AuthedRequest, session_id: int) -> HttpResponse:
    """The guide's screen during a session: the note box on top, the notes below, newest
    first, and the observations the clinic records. Care team only."""
    session = get_session_for_user(request.user, session_id, plan=True)
    audit_read(request, session.patient, "care.session", session.pk)
    return render(request, "care/session_screen.html", _screen_context(session))


@login_required
@require_POST
def observation_save(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id, plan=True)
    chosen = list(session.patient.clinic.session_observations) if session.patient.clinic else []
    if not chosen:
        raise Http404("This clinic records no session observations.")
    form = ObservationForm(request.POST, chosen=chosen)
    if form.is_valid():
        try:
            services.observation_save(
                session=session, recorded_by=request.user, values=form.values()
            )
        except services.SessionStateError as error:
            messages.error(request, str(error))
        else:
            audit_write(request, session.patient, "care.observation", session.pk)
            messages.success(request, "Observations saved.")
        return redirect("care:session_screen", session_id=session.pk)
    messages.error(request, "The observations were not saved: please check the marked fields.")
    return render(
        request,
        "care/session_screen.html",
        _screen_context(session, observation_form=form),
        status=400,
    )


@login_required
def integration_timeline(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    audit_read(request, session.patient, "care.timeline", session.pk)
    if not session.is_completed or session.completed_at is None:
        return render(request, "care/timeline_not_open.html", {"session": session})
    now = timezone.now()
    steps = integration_steps(session.completed_at)
    prompts = selectors.prompts_for_steps([step.key for step in steps])
    is_patient = session.patient_id == request.user.pk
    position = window_position(session.completed_at, now, to_patient=is_patient)
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
