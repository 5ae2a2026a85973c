"""Message pages: the inbox, a thread (read and reply), starting a thread, handing one over,
the nav's unread badge and the clinic's office hours."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claywork.accounts.models import User
from claywork.audit.services import audit_read, audit_shown, audit_write
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.messaging import selectors, services
from claywork.messaging.access import (
    get_clinic_to_configure,
    get_patient_to_message,
    get_thread_for_user,
)
from claywork.messaging.forms import ClinicMessagingForm, HandOverForm, MessageForm, NewThreadForm
from claywork.messaging.models import MessageDraft, Thread
from claywork.safety import free_text

MESSAGE = free_text.WrittenText.MESSAGE


def _reader(request: AuthedRequest) -> None:
    if not policy.may_read_messages(request.user):
        raise Http404


def _draft(author: User, draft_key: str) -> MessageDraft | None:
    return MessageDraft.objects.filter(author=author, draft_key=draft_key).first()


def _keep_as_draft(request: AuthedRequest, patient_id: int, draft_key: str) -> MessageDraft:
    """Words that could not be sent are kept, so nothing the person wrote is lost."""
    return services.message_draft_save(
        author=request.user,
        patient_id=patient_id,
        draft_key=draft_key,
        body=request.POST.get("body", ""),
    )


def _fresh_form(form_class: type[MessageForm], draft: MessageDraft | None) -> MessageForm:
    return form_class(initial={"submission_id": uuid.uuid4(), "body": draft and draft.content})


def _after_send(request: AuthedRequest, thread: Thread, sent: services.Sent) -> HttpResponse:
    level = sent.message.from_patient and free_text.crisis_language_raised(
        source=MESSAGE, saved=sent.message
    )
    if level:
        # Sent, and the care team alerted; the crisis resources come next.
        messages.warning(request, free_text.patient_message(MESSAGE, request.user, level))
        return redirect("help_now")
    if sent.created:
        messages.success(request, "Message sent.")
        if request.user.pk != thread.patient_id:
            audit_write(request, thread.patient_id, "messaging.message", sent.message.pk)
    return redirect(f"{reverse('messaging:thread', args=[thread.pk])}#message-{sent.message.pk}")


@login_required
@require_GET
@cached_page
def inbox(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    rows = selectors.inbox(request.user)
    if not request.user.is_patient:
        audit_shown(request, {row.thread.patient_id for row in rows}, "messaging.inbox")
    return render(
        request,
        "messaging/inbox.html",
        {
            "rows": rows,
            "may_write": policy.may_write_messages(request.user),
            "hours": selectors.clinic_hours(request.user.clinic_id),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_new(request: AuthedRequest) -> HttpResponse:
    """A patient starts a conversation with their care team."""
    if not policy.may_write_messages(request.user):
        raise Http404
    return _compose(request, request.user, draft_key="new-thread")


@login_required
@require_http_methods(["GET", "POST"])
def thread_new_for_patient(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """A care-team clinician writes to the patient first."""
    patient = get_patient_to_message(request.user, patient_id)
    return _compose(request, patient, draft_key=f"new-thread-{patient.pk}")


def _compose(request: AuthedRequest, patient: User, *, draft_key: str) -> HttpResponse:
    draft: MessageDraft | None
    if request.method == "POST":
        form = NewThreadForm(request.POST)
        if form.is_valid():
            thread, sent = services.thread_start(
                patient=patient,
                author=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                submission_id=form.cleaned_data["submission_id"],
                draft_key=draft_key,
            )
            return _after_send(request, thread, sent)
        draft = _keep_as_draft(request, patient.pk, draft_key)
        status = 400
    else:
        draft = _draft(request.user, draft_key)
        form = _fresh_form(NewThreadForm, draft)  # type: ignore[assignment]
        status = 200
    return render(
        request,
        "messaging/new.html",
        {"form": form, "patient": patient, "draft": draft, "hours": _hours_of(patient)},
        status=status,
    )


def _hours_of(patient: User) -> selectors.ClinicHours:
    return selectors.clinic_hours(patient.clinic_id)


def _message_id(request: AuthedRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@login_required
@require_http_methods(["GET", "POST"])
@cached_page
def thread_detail(request: AuthedRequest, thread_id: int) -> HttpResponse:
    """The newest messages of a thread, the reply form and, for staff, the hand-over form.
    Stored in memory while nothing it shows changes (``?before=`` and POST never are); a
    visit that marks new messages read bumps the versions, so the page it rendered with their
    "New" badges is not sent again."""
    thread = get_thread_for_user(request.user, thread_id)
    draft_key = f"thread-{thread.pk}"
    status = 200
    draft: MessageDraft | None
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            sent = services.message_send(
                thread=thread,
                author=request.user,
                body=form.cleaned_data["body"],
                submission_id=form.cleaned_data["submission_id"],
                draft_key=draft_key,
            )
            return _after_send(request, thread, sent)
        draft = _keep_as_draft(request, thread.patient_id, draft_key)
        status = 400
    else:
        draft = _draft(request.user, draft_key)
        form = _fresh_form(MessageForm, draft)
    page = selectors.thread_page(thread, request.user, before=_message_id(request, "before"))
    if page.newest_id > page.unread_from:
        services.thread_mark_read(thread=thread, reader=request.user, up_to=page.newest_id)
    audit_read(request, thread.patient_id, "messaging.thread", thread.pk)
    context = {
        "thread": thread,
        "page": page,
        "form": form,
        "draft": draft,
        "hours": _hours_of(thread.patient),
    }
    if not request.user.is_patient:
        context.update(_staff_tools(thread, request.user))
    return render(request, "messaging/thread.html", context, status=status)


@login_required
@require_GET
def thread_earlier(request: AuthedRequest, thread_id: int) -> HttpResponse:
    """The messages before ``?before=`` as list items (htmx), with the control for those before
    them. Read receipts as on the page; ``?since=`` is the reader's read mark when the page
    was opened (that visit marked everything read), so what was new then is still marked.
    Audited as a read of the thread, like the page."""
    thread = get_thread_for_user(request.user, thread_id)
    before = _message_id(request, "before")
    if before is None:
        raise Http404
    page = selectors.thread_page(thread, request.user, before=before)
    audit_read(request, thread.patient_id, "messaging.thread", thread.pk)
    since = _message_id(request, "since")
    return render(
        request,
        "messaging/_earlier.html",
        {
            "thread": thread,
            "page": page,
            "unread_from": page.unread_from if since is None else min(since, page.unread_from),
        },
    )


def _staff_tools(thread: Thread, clinician: User) -> dict[str, object]:
    """The hand-over form, and who the thread is handed to while they are on the care team."""
    colleagues = selectors.colleagues_for_hand_over(thread, clinician)
    on_team = {person.pk for person in colleagues} | {clinician.pk}
    return {
        "hand_over": HandOverForm(colleagues=colleagues) if colleagues else None,
        "no_colleagues": not colleagues,
        "assignee_on_team": thread.assigned_to_id in on_team,
    }


@login_required
@require_POST
def thread_hand_over(request: AuthedRequest, thread_id: int) -> HttpResponse:
    thread = get_thread_for_user(request.user, thread_id)
    if not policy.may_hand_over_thread(request.user, thread):
        raise Http404
    form = HandOverForm(
        request.POST, colleagues=selectors.colleagues_for_hand_over(thread, request.user)
    )
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors.get("to", [])))
        return redirect("messaging:thread", thread.pk)
    try:
        services.thread_hand_over(thread=thread, by=request.user, to=form.cleaned_data["to"])
    except services.NotOnCareTeam:
        messages.error(request, "That person is not on this patient's care team now.")
        return redirect("messaging:thread", thread.pk)
    audit_write(request, thread.patient_id, "messaging.hand_over", thread.pk)
    messages.success(request, f"Handed to {form.cleaned_data['to'].full_name}.")
    return redirect("messaging:thread", thread.pk)


@login_required
@require_GET
def unread_badge(request: AuthedRequest) -> HttpResponse:
    """The nav's count, loaded by htmx after the page, so no page pays for it."""
    _reader(request)
    return render(
        request, "messaging/_unread_badge.html", {"unread": selectors.unread_count(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def clinic_messaging(request: AuthedRequest) -> HttpResponse:
    clinic = get_clinic_to_configure(request.user)
    if request.method == "POST":
        form = ClinicMessagingForm(request.POST)
        if form.is_valid():
            services.messaging_settings_save(clinic=clinic, **form.cleaned_data)
            messages.success(request, "Message settings saved.")
            return redirect("messaging:clinic_settings")
    else:
        hours = selectors.clinic_hours(clinic.pk)
        form = ClinicMessagingForm(
            initial={"office_hours": hours.office_hours, "reply_note": hours.reply_note}
        )
    return render(
        request,
        "messaging/clinic_settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
