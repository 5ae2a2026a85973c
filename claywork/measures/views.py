"""Pages for the daily check-in, the validated scales and a patient's progress."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from claywork.accounts.models import User
from claywork.audit.services import audit_read
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.measures import day_tags, follow_up, instruments, overview, selectors, services
from claywork.measures.access import (
    get_response_for_user,
    get_scores_patient_for_user,
    require_measures_recorder,
)
from claywork.measures.effect import EffectParams
from claywork.measures.forms import SAVE, CheckInForm, ScaleForm, item_numbers
from claywork.measures.instruments import Instrument
from claywork.measures.models import ResponseStatus, ScaleResponse
from claywork.safety import free_text, routing

SAVED_SELF_HARM_MESSAGE = (
    "Your answers are saved, and {told} has been told about your answer on thoughts of "
    "being better off dead or of hurting yourself. If you might act on those thoughts, please use "
    "one of the options below now, or contact {told}."
)
SELF_HARM_MESSAGE = (
    "Thank you for answering honestly. {Told} will see your answer about thoughts of "
    "being better off dead or of hurting yourself, and will reach out. Claywork is not watched "
    "around the clock: if you might act on these thoughts, please use one of the options below "
    "now."
)
SCREENER_HIGH_MESSAGE = (
    "Thank you for answering these questions. {Told} has been alerted and will reach "
    "out. Claywork is not watched around the clock: if you might act on thoughts of ending your "
    "life, please use one of the options below now."
)
# Only what is true: when nobody at the clinic can receive the alert, the patient is told so.
NOBODY_TOLD_MESSAGE = (
    "Your answers are saved. We could not pass your answer about thoughts of being better off "
    "dead or of hurting yourself on to anyone at your clinic just now; we will keep trying. If "
    "you might act on these thoughts, please use one of the options below now, or call your "
    "clinic."
)


def _self_harm_message(template: str, patient: User) -> str:
    told = routing.who_is_told(patient)
    if told is None:
        return NOBODY_TOLD_MESSAGE
    return template.format(told=told, Told=told[0].upper() + told[1:])


SCREENER_DONE_MESSAGE = (
    'Thank you. Your answers are with your care team. If things get harder, the "Need help '
    'now?" link at the top of every page is there for you.'
)


@login_required
@require_http_methods(["GET", "POST"])
@cached_page
def check_in(request: AuthedRequest) -> HttpResponse:
    """One tap on a face saves the day's mood; the extras on the same page are optional and
    saved with it, or later the same day with "Save"."""
    patient = require_measures_recorder(request.user)
    today = selectors.patient_today(patient)
    existing = overview.check_in_for_day(patient, today)
    initial = CheckInForm.initial_from(
        existing, selectors.tag_values_of(existing) if existing else []
    )
    form = CheckInForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        tag_options=selectors.tag_options(patient=patient),
    )
    if request.method == "POST" and form.is_valid():
        saved, created = services.check_in_save(patient=patient, day=today, values=form.values())
        note = free_text.WrittenText.CHECK_IN_NOTE
        if level := free_text.crisis_language_raised(source=note, saved=saved):
            messages.warning(request, free_text.patient_message(note, patient, level))
            return redirect("help_now")
        if "details" in request.POST:
            messages.success(request, "Check-in saved. Thank you.")
            return redirect("home")
        messages.success(
            request, f"Saved: {day_tags.face_label(saved.mood)}. Add more below if you like."
        )
        return redirect("measures:check_in")
    return render(
        request,
        "measures/check_in.html",
        {
            "form": form,
            "existing": existing,
            "today": today,
            "faces": day_tags.FACES,
            "current_face": day_tags.face_for(existing.mood) if existing else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
def scale_list(request: AuthedRequest) -> HttpResponse:
    patient = require_measures_recorder(request.user)
    due = overview.due_items(patient)
    due_codes = {item.instrument.code for item in due}
    return render(
        request,
        "measures/scale_list.html",
        {
            "due": due,
            "others": [
                instrument
                for code, instrument in instruments.registry().items()
                if code not in due_codes and not instrument.is_follow_up
            ],
            "history": overview.history(patient),
        },
    )


def _instrument_or_404(code: str) -> Instrument:
    try:
        return instruments.get_instrument(code)
    except instruments.InvalidAnswer:
        raise Http404("No such questionnaire.") from None


def _render_scale(
    request: AuthedRequest,
    form: ScaleForm,
    *,
    begun: ScaleResponse | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "measures/scale_form.html",
        {"form": form, "instrument": form.instrument, "begun": begun},
        status=status,
    )


def _after_submit(request: AuthedRequest, response: ScaleResponse) -> HttpResponse:
    is_screener = response.instrument == follow_up.SUICIDE_SCREENER
    if "self_harm" in response.flags:
        # Safety first: the crisis resources before anything else. The alert is already raised.
        # After a PHQ-9, the crisis page also offers the follow-up screener if the clinic uses it.
        template = SCREENER_HIGH_MESSAGE if is_screener else SELF_HARM_MESSAGE
        messages.warning(request, _self_harm_message(template, request.user))
        return redirect("help_now")
    if is_screener:
        messages.success(request, SCREENER_DONE_MESSAGE)
        return redirect("measures:response_detail", response.pk)
    messages.success(request, "Thank you. Your answers are submitted.")
    return redirect("measures:response_detail", response.pk)


def _missing_answers(request: AuthedRequest, form: ScaleForm, missing: list[str]) -> HttpResponse:
    form.mark_missing(missing)
    numbers = [row.number for row in form.items_with_fields() if row.item.link_id in missing]
    still = f" Still to answer: question{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}."
    form.add_error(
        None,
        "Please answer every question before submitting; your answers so far are saved."
        + (still if numbers else ""),
    )
    return _render_scale(request, form, status=400)


def _scale_post(request: AuthedRequest, form: ScaleForm) -> HttpResponse:
    instrument = form.instrument
    response = services.response_start(
        patient=request.user,
        instrument_code=instrument.code,
        submission_id=form.cleaned_data["submission_id"],
    )
    if response.instrument != instrument.code:
        raise Http404("No such questionnaire.")
    if response.status == ResponseStatus.COMPLETE:  # sent twice: the first one counted
        return _after_submit(request, response)
    if form.cleaned_data["action"] == SAVE:
        services.response_save_answers(response=response, answers=form.answers())
        if "self_harm" in instruments.safety_flags(instrument, form.answers()):
            # The service alerted the care team; the crisis resources come first here.
            messages.warning(request, _self_harm_message(SAVED_SELF_HARM_MESSAGE, request.user))
            return redirect("help_now")
        messages.success(request, f"{instrument.title} saved. You can finish it later here.")
        return redirect("measures:scales")
    try:
        response = services.response_submit(response=response, answers=form.answers())
    except instruments.InvalidAnswer:
        missing = instruments.missing_items(instrument, services.response_answers(response))
        return _missing_answers(request, form, missing)
    return _after_submit(request, response)


@login_required
@require_http_methods(["GET", "POST"])
def scale_form(request: AuthedRequest, code: str) -> HttpResponse:
    patient = require_measures_recorder(request.user)
    instrument = _instrument_or_404(code)
    if not follow_up.may_answer(patient, instrument):
        raise Http404("No such questionnaire.")
    if request.method == "POST":
        form = ScaleForm(instrument, request.POST)
        if form.is_valid():
            return _scale_post(request, form)
        return _render_scale(request, form, status=400)
    begun = selectors.in_progress_response(patient=patient, instrument=instrument.code)
    initial = (
        ScaleForm.initial_from(begun.submission_id, services.response_answers(begun))
        if begun
        else ScaleForm.initial_from(uuid.uuid4(), {})
    )
    return _render_scale(request, ScaleForm(instrument, initial=initial), begun=begun)


@login_required
def response_detail(request: AuthedRequest, response_id: int) -> HttpResponse:
    response = get_response_for_user(request.user, response_id)
    audit_read(request, response.patient, "measures.response", response.pk)
    instrument = _instrument_or_404(response.instrument)
    answers = services.response_answers(response)
    numbers = item_numbers(instrument)
    asked = instruments.item_states(instrument, answers)
    rows = [
        (
            numbers[item.link_id],
            item,
            instrument.option(answers[item.link_id], item) if item.link_id in answers else None,
            asked[item.link_id] is not False,
        )
        for item in instrument.items
    ]
    return render(
        request,
        "measures/response_detail.html",
        {
            "response": response,
            "instrument": instrument,
            "rows": rows,
            "subscales": instruments.subscale_scores(instrument, answers),
            "pattern": instruments.provisional_pattern(instrument, answers),
            "is_own": response.patient_id == request.user.pk,
        },
    )


@login_required
def my_progress(request: AuthedRequest) -> HttpResponse:
    patient = require_measures_recorder(request.user)
    return redirect("measures:progress", patient.pk)


@login_required
@cached_page(own="patient_id")
def progress(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_scores_patient_for_user(request.user, patient_id)
    audit_read(request, patient, "measures.progress", patient.pk)
    data = overview.progress_for(patient)
    return render(
        request,
        "measures/progress.html",
        {
            "patient": patient,
            "progress": data,
            "charts": data.charts(),
            "mood_chart": data.mood_chart(),
            "effect_settings": EffectParams.from_settings(),
            "is_own": patient.pk == request.user.pk,
        },
    )
