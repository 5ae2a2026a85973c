from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from claywork.audit.services import audit_read
from claywork.care.models import Session
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.journal import selectors, services
from claywork.journal.access import get_entry_for_user
from claywork.journal.forms import EntryForm, SearchForm
from claywork.journal.models import Draft, Entry, Prompt
from claywork.safety import free_text

DRAFT_FIELDS = ("kind", "title", "body", "tags", "realm", "goal")


def _journal_owner(request: AuthedRequest) -> None:
    if not policy.may_keep_journal(request.user):
        raise Http404


def _optional_int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _own_session(request: AuthedRequest, session_id: int | None) -> Session | None:
    if session_id is None:
        return None
    return (
        policy.sessions_visible_to(request.user)
        .filter(pk=session_id, patient_id=request.user.pk)
        .first()
    )


def _active_prompt(prompt_id: int | None) -> Prompt | None:
    return Prompt.objects.filter(pk=prompt_id, is_active=True).first() if prompt_id else None


def new_entry_draft_key(session_id: int | None, prompt_id: int | None) -> str:
    return f"new-s{session_id or 0}-p{prompt_id or 0}"


def _undo_offer(request: AuthedRequest) -> dict[str, int] | None:
    """After a deletion (``?deleted=<id>``): the entry and the seconds left to undo it."""
    entry_id = _optional_int(request.GET.get("deleted"))
    entry = (
        services.entry_recently_deleted(patient=request.user, entry_id=entry_id)
        if entry_id
        else None
    )
    if entry is None or entry.deleted_at is None:
        return None
    left = services.UNDO_SECONDS - (timezone.now() - entry.deleted_at).total_seconds()
    return {"entry_id": entry.pk, "seconds": int(left)} if left >= 1 else None


@login_required
@cached_page
def journal_list(request: AuthedRequest) -> HttpResponse:
    _journal_owner(request)
    search = SearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    tag = search.cleaned_data.get("tag", "") if search.is_valid() else ""
    context = {
        "search": search,
        "query": query,
        "tag": tag,
        "tags": selectors.patient_tags(user=request.user),
        "undo": _undo_offer(request),
    }
    if query:
        context["hits"] = selectors.search_journal(user=request.user, query=query)
    else:
        context["page"] = selectors.journal_page(
            user=request.user, page_number=request.GET.get("page"), tag=tag
        )
    return render(request, "journal/list.html", context)


@login_required
def entry_detail(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, entry_id)
    audit_read(request, entry.patient_id, "journal.entry", entry.pk)
    # A reader the entry was shared with may not see its session (a support person): no link
    # that would answer 404.
    session_link = entry.session_id is not None and (
        policy.sessions_visible_to(request.user).filter(pk=entry.session_id).exists()
    )
    return render(
        request,
        "journal/detail.html",
        {"entry": entry, "session_link": session_link, "undo_seconds": services.UNDO_SECONDS},
    )


def _render_form(
    request: AuthedRequest,
    form: EntryForm,
    *,
    draft_key: str,
    draft: Draft | None,
    entry: Entry | None = None,
    session: Session | None = None,
    prompt: Prompt | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "journal/form.html",
        {
            "form": form,
            "entry": entry,
            "session": session,
            "prompt": prompt,
            "draft_key": draft_key,
            "draft": draft,
            "max_chars": settings.CLAYWORK_MAX_ENTRY_CHARS,
        },
        status=status,
    )


def _content(form: EntryForm) -> services.EntryContent:
    data = form.cleaned_data
    return services.EntryContent(
        kind=data["kind"],
        title=data["title"],
        body=data["body"],
        tags=data["tags"],
        realm=data["realm"],
        goal=data["goal"],
    )


def _keep_as_draft(request: AuthedRequest, draft_key: str) -> Draft:
    """An entry that could not be saved is kept as a draft, so no words are lost."""
    fields = {name: request.POST.get(name, "") for name in DRAFT_FIELDS}
    return services.draft_save(patient=request.user, draft_key=draft_key, fields=fields)


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request: AuthedRequest) -> HttpResponse:
    _journal_owner(request)
    source = request.POST if request.method == "POST" else request.GET
    session = _own_session(request, _optional_int(source.get("session")))
    prompt = _active_prompt(_optional_int(source.get("prompt")))
    draft_key = new_entry_draft_key(session.pk if session else None, prompt.pk if prompt else None)
    if request.method == "POST":
        form = EntryForm(request.POST, patient=request.user)
        if form.is_valid():
            try:
                entry, created = services.entry_create(
                    patient=request.user,
                    content=_content(form),
                    submission_id=form.cleaned_data["submission_id"],
                    session=session,
                    prompt=prompt,
                    draft_key=draft_key,
                )
            except services.EntryWasDeleted:
                return _sent_again_after_delete(request, draft_key, session, prompt)
            if level := _crisis_language(entry):
                return _gently_to_help(request, draft_key, level)
            if created:
                messages.success(request, "Saved to your journal.")
            return redirect(f"{entry_url(entry)}?saved={draft_key}")
        kept = _keep_as_draft(request, draft_key)
        return _render_form(
            request,
            form,
            draft_key=draft_key,
            draft=kept,
            session=session,
            prompt=prompt,
            status=400,
        )
    draft: Draft | None = Draft.objects.filter(patient=request.user, draft_key=draft_key).first()
    initial: dict[str, object] = {
        "submission_id": uuid.uuid4(),
        "session": session and session.pk,
        "prompt": prompt and prompt.pk,
    }
    if prompt is not None and session is not None:
        initial["kind"] = "reflection"
    initial.update(services.draft_fields(draft))
    # "Write about this" from the plan: the realm or goal it was started from.
    initial.update({name: request.GET[name] for name in ("realm", "goal") if request.GET.get(name)})
    return _render_form(
        request,
        EntryForm(initial=initial, patient=request.user),
        draft_key=draft_key,
        draft=draft,
        session=session,
        prompt=prompt,
    )


def _sent_again_after_delete(
    request: AuthedRequest, draft_key: str, session: Session | None, prompt: Prompt | None
) -> HttpResponse:
    """The form of an entry since deleted came back (the back button): the words are kept as
    a draft and offered again as a new entry, never lost and never saved twice unasked."""
    kept = _keep_as_draft(request, draft_key)
    form = EntryForm(
        initial={**services.draft_fields(kept), "submission_id": uuid.uuid4()},
        patient=request.user,
    )
    messages.warning(
        request,
        "You deleted the entry this form saved. Your words are here again: save them as a "
        "new entry if you want to keep them.",
    )
    return _render_form(
        request, form, draft_key=draft_key, draft=kept, session=session, prompt=prompt, status=400
    )


def _crisis_language(entry: Entry) -> str:
    return free_text.crisis_language_raised(source=free_text.WrittenText.JOURNAL_ENTRY, saved=entry)


def _gently_to_help(request: AuthedRequest, draft_key: str, level: str) -> HttpResponse:
    """The entry is saved and the care team alerted; the crisis resources come next."""
    messages.warning(
        request,
        free_text.patient_message(free_text.WrittenText.JOURNAL_ENTRY, request.user, level),
    )
    return redirect(f"{reverse('help_now')}?saved={draft_key}")


def entry_url(entry: Entry) -> str:
    return reverse("journal:entry_detail", kwargs={"entry_id": entry.pk})


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, entry_id, write=True)
    draft_key = f"edit-{entry.pk}"
    if request.method == "POST":
        form = EntryForm(request.POST, patient=request.user)
        if form.is_valid():
            services.entry_update(entry=entry, content=_content(form), draft_key=draft_key)
            if level := _crisis_language(entry):
                return _gently_to_help(request, draft_key, level)
            messages.success(request, "Entry updated.")
            return redirect(f"{entry_url(entry)}?saved={draft_key}")
        kept = _keep_as_draft(request, draft_key)
        return _render_form(request, form, draft_key=draft_key, draft=kept, entry=entry, status=400)
    draft: Draft | None = Draft.objects.filter(patient=request.user, draft_key=draft_key).first()
    initial: dict[str, object] = {
        "kind": entry.kind,
        "title": entry.title,
        "body": entry.body,
        "tags": ", ".join(tag.name for tag in entry.tags.all()),
        "realm": entry.realm,
        "goal": entry.goal_id,
        "submission_id": entry.submission_id,
    }
    initial.update(services.draft_fields(draft))
    return _render_form(
        request,
        EntryForm(initial=initial, patient=request.user),
        draft_key=draft_key,
        draft=draft,
        entry=entry,
        session=entry.session,
        prompt=entry.prompt,
    )


@login_required
@require_POST
def entry_delete(request: AuthedRequest, entry_id: int) -> HttpResponse:
    """Delete at once for everyone; "Undo" on the journal page for ``UNDO_SECONDS``. Deleting
    twice (a double click, the back button) says so rather than failing."""
    _journal_owner(request)
    if services.entry_recently_deleted(patient=request.user, entry_id=entry_id) is not None:
        messages.info(request, "That entry is already deleted.")
        return redirect("journal:list")
    entry = get_entry_for_user(request.user, entry_id, write=True)
    services.entry_delete(entry=entry)
    return redirect(f"{reverse('journal:list')}?deleted={entry.pk}")


@login_required
@require_POST
def entry_restore(request: AuthedRequest, entry_id: int) -> HttpResponse:
    _journal_owner(request)
    if services.entry_restore(patient=request.user, entry_id=entry_id):
        messages.success(request, "Entry restored, with its tags, shares and comments.")
        return redirect("journal:entry_detail", entry_id=entry_id)
    if Entry.objects.filter(pk=entry_id, patient=request.user).exists():
        messages.info(request, "That entry is not deleted.")
        return redirect("journal:entry_detail", entry_id=entry_id)
    # Past its window, purged, or never theirs: one answer, so nothing leaks.
    messages.info(request, "It is too late to undo: the entry is deleted for good.")
    return redirect("journal:list")


@login_required
@require_POST
def draft_autosave(request: AuthedRequest) -> HttpResponse:
    """htmx posts the form here while the patient types; answers a one-line status."""
    _journal_owner(request)
    draft_key = request.POST.get("draft_key", "")
    if not draft_key or len(draft_key) > 80:
        return HttpResponse("Not saved: this form has no draft key.", status=400)
    if draft_key.startswith("edit-"):
        get_entry_for_user(request.user, _optional_int(draft_key[5:]) or 0, write=True)
    _keep_as_draft(request, draft_key)
    saved_at = timezone.localtime().strftime("%H:%M")
    return render(request, "journal/_draft_status.html", {"saved_at": saved_at})


@login_required
@require_POST
def draft_discard(request: AuthedRequest) -> HttpResponse:
    _journal_owner(request)
    draft_key = request.POST.get("draft_key", "")
    services.draft_discard(patient=request.user, draft_key=draft_key)
    messages.info(request, "Draft discarded.")
    return redirect("journal:list")


@login_required
def prompt_library(request: AuthedRequest) -> HttpResponse:
    _journal_owner(request)
    return render(request, "journal/prompts.html", {"library": selectors.prompt_library()})
