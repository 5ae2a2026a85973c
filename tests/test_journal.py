"""The journal pages: writing, drafts, escaping, search, editing and atomic writes."""

from __future__ import annotations

import html
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.journal import services as journal
from claywork.journal.models import Draft, Entry, Prompt, Tag
from claywork.journal.views import new_entry_draft_key
from tests import factories
from tests.conftest import Personas, client_for


def _entry_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "reflection",
        "title": "After the second infusion",
        "body": "I saw a lighthouse and felt steady.",
        "tags": "",
        "submission_id": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


# --- Creating ---------------------------------------------------------------------------------


def test_patient_creates_an_entry_with_tags_session_and_prompt(personas: Personas) -> None:
    prompt = Prompt.objects.filter(is_active=True).first()
    assert prompt is not None, "the prompt library migration should have loaded prompts"
    client = client_for(personas.patient)
    before = Entry.objects.filter(patient=personas.patient).count()

    response = client.post(
        "/journal/new/",
        _entry_form(
            tags="Water, courage,  water ",
            session=personas.completed.pk,
            prompt=prompt.pk,
        ),
    )

    assert response.status_code == 302
    entry = Entry.objects.filter(patient=personas.patient).latest("pk")
    assert response["Location"].startswith(f"/journal/{entry.pk}/")
    assert Entry.objects.filter(patient=personas.patient).count() == before + 1
    assert entry.title == "After the second infusion"
    assert entry.body == "I saw a lighthouse and felt steady."
    assert sorted(tag.name for tag in entry.tags.all()) == ["courage", "water"]
    assert entry.session_id == personas.completed.pk
    assert entry.prompt_id == prompt.pk
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "I saw a lighthouse and felt steady." in detail.content.decode()


def test_an_entry_cannot_link_to_another_patients_session(personas: Personas) -> None:
    other_course = factories.make_course(personas.other_patient, personas.outside_clinician)
    other_session = factories.make_session(other_course, status="completed")
    response = client_for(personas.patient).post(
        "/journal/new/", _entry_form(session=other_session.pk)
    )
    assert response.status_code == 302
    entry = Entry.objects.filter(patient=personas.patient).latest("pk")
    assert entry.session_id is None


def test_double_submitting_the_same_form_creates_one_entry(personas: Personas) -> None:
    client = client_for(personas.patient)
    form = _entry_form(body="Only once, please.")
    before = Entry.objects.count()

    first = client.post("/journal/new/", form)
    second = client.post("/journal/new/", form)

    assert first.status_code == second.status_code == 302
    assert Entry.objects.count() == before + 1
    assert first["Location"].split("?")[0] == second["Location"].split("?")[0]


def test_saving_an_entry_clears_its_draft(personas: Personas) -> None:
    client = client_for(personas.patient)
    draft_key = new_entry_draft_key(None, None)
    client.post("/journal/draft/", {"draft_key": draft_key, "body": "typing..."})
    assert Draft.objects.filter(patient=personas.patient, draft_key=draft_key).exists()
    client.post("/journal/new/", _entry_form(body="typing... done"))
    assert not Draft.objects.filter(patient=personas.patient, draft_key=draft_key).exists()


# --- Oversized entries and drafts -------------------------------------------------------------


def test_an_oversized_entry_gets_a_clear_error_and_its_words_are_kept_as_a_draft(
    personas: Personas,
) -> None:
    limit = settings.CLAYWORK_MAX_ENTRY_CHARS
    assert limit == 100_000
    opening = "The longest night of my life began with a hum. "
    body = (opening * (limit // len(opening) + 2))[: limit + 1]
    client = client_for(personas.patient)
    before = Entry.objects.count()

    response = client.post("/journal/new/", _entry_form(body=body))

    assert response.status_code == 400
    page = response.content.decode()
    assert "longer than 100,000 characters" in page
    assert "kept as a draft" in page
    assert Entry.objects.count() == before
    draft = Draft.objects.get(patient=personas.patient, draft_key=new_entry_draft_key(None, None))
    assert body in draft.content
    assert journal.draft_fields(draft)["body"] == body

    reopened = client.get("/journal/new/")
    assert reopened.status_code == 200
    assert reopened.context["form"].initial["body"] == body
    assert html.escape(opening.strip()) in reopened.content.decode()
    assert "We restored your unsaved draft" in reopened.content.decode()


def test_an_entry_at_exactly_the_limit_is_saved(personas: Personas) -> None:
    body = "a" * settings.CLAYWORK_MAX_ENTRY_CHARS
    response = client_for(personas.patient).post("/journal/new/", _entry_form(body=body))
    assert response.status_code == 302
    assert Entry.objects.filter(patient=personas.patient).latest("pk").body == body


def test_an_empty_body_is_refused_and_nothing_is_saved(personas: Personas) -> None:
    before = Entry.objects.count()
    response = client_for(personas.patient).post("/journal/new/", _entry_form(body="   \n "))
    assert response.status_code == 400
    assert "Write something before saving." in response.content.decode()
    assert Entry.objects.count() == before


def test_autosave_stores_and_then_updates_one_draft_per_key(personas: Personas) -> None:
    client = client_for(personas.patient)
    draft_key = new_entry_draft_key(None, None)

    first = client.post(
        "/journal/draft/", {"draft_key": draft_key, "title": "Morning", "body": "first words"}
    )
    assert first.status_code == 200
    assert "Draft saved at" in first.content.decode()
    second = client.post(
        "/journal/draft/", {"draft_key": draft_key, "title": "Morning", "body": "second words"}
    )
    assert second.status_code == 200

    drafts = Draft.objects.filter(patient=personas.patient, draft_key=draft_key)
    assert drafts.count() == 1
    fields = journal.draft_fields(drafts.get())
    assert fields["body"] == "second words"
    assert fields["title"] == "Morning"
    assert "first words" not in drafts.get().content


def test_autosave_without_a_draft_key_is_refused(personas: Personas) -> None:
    response = client_for(personas.patient).post("/journal/draft/", {"body": "words"})
    assert response.status_code == 400
    assert not Draft.objects.filter(patient=personas.patient, draft_key="").exists()


def test_autosave_of_another_patients_entry_edit_is_not_found(personas: Personas) -> None:
    response = client_for(personas.patient).post(
        "/journal/draft/",
        {"draft_key": f"edit-{personas.other_patient_entry.pk}", "body": "sneaky"},
    )
    assert response.status_code == 404
    assert not Draft.objects.filter(draft_key=f"edit-{personas.other_patient_entry.pk}").exists()


# --- Escaping ---------------------------------------------------------------------------------

SCRIPT = "<script>alert('pwned')</script>"
MARKUP = '<img src=x onerror="alert(1)"><b>bold</b>'


def test_html_in_title_and_body_is_shown_escaped_on_detail_list_and_search(
    personas: Personas,
) -> None:
    entry = factories.make_entry(
        personas.patient, title=f"Title {SCRIPT}", body=f"Body {MARKUP} {SCRIPT} lighthouse"
    )
    client = client_for(personas.patient)
    pages = {
        "detail": client.get(f"/journal/{entry.pk}/"),
        "list": client.get("/journal/"),
        "search": client.get("/journal/", {"q": "lighthouse"}),
        "edit": client.get(f"/journal/{entry.pk}/edit/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = response.content.decode()
        assert SCRIPT not in page, name
        assert "<img src=x" not in page, name
        assert "&lt;script&gt;alert(" in page, name
    assert "&lt;b&gt;bold&lt;/b&gt;" in pages["detail"].content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in pages["search"].content.decode()


def test_a_search_query_with_html_is_echoed_escaped(personas: Personas) -> None:
    response = client_for(personas.patient).get("/journal/", {"q": SCRIPT})
    assert response.status_code == 200
    page = response.content.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page


def test_a_5000_character_search_gets_a_clear_message(personas: Personas) -> None:
    response = client_for(personas.patient).get("/journal/", {"q": "w" * 5000})

    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()


def test_html_in_tags_is_refused_and_the_error_shows_it_escaped(personas: Personas) -> None:
    before = Entry.objects.count()
    response = client_for(personas.patient).post(
        "/journal/new/", _entry_form(tags=f"ocean, {SCRIPT}")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a usable tag" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert Entry.objects.count() == before


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ("semi;colon", "is not a usable tag"),
        ("x" * 41, "is not a usable tag"),
        (",".join(f"t{n}" for n in range(13)), "at most 12 tags"),
    ],
)
def test_invalid_tag_text_gives_a_form_error(personas: Personas, tags: str, message: str) -> None:
    before = Tag.objects.count()
    response = client_for(personas.patient).post("/journal/new/", _entry_form(tags=tags))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors["tags"]
    assert Tag.objects.count() == before


def test_tag_text_is_tidied_lowercased_and_deduplicated(personas: Personas) -> None:
    client_for(personas.patient).post(
        "/journal/new/", _entry_form(tags="  Inner   Child , inner child, self-worth")
    )
    entry = Entry.objects.filter(patient=personas.patient).latest("pk")
    assert sorted(t.name for t in entry.tags.all()) == ["inner child", "self-worth"]


# --- Search -----------------------------------------------------------------------------------


@pytest.fixture
def searchable(personas: Personas) -> dict[str, Entry]:
    return {
        "body": factories.make_entry(personas.patient, title="Plain", body="A Heron stood still."),
        "title": factories.make_entry(personas.patient, title="The HERON again", body="Nothing"),
        "tag": factories.make_entry(
            personas.patient, title="Tagged", body="Quiet day", tags=["heron"]
        ),
        "none": factories.make_entry(personas.patient, title="Other", body="Sparrows only"),
        "theirs": factories.make_entry(
            personas.other_patient, title="heron", body="Olive's heron", tags=["heron"]
        ),
    }


def _hit_ids(response: Any) -> set[int]:
    assert response.status_code == 200
    return {hit.entry.pk for hit in response.context["hits"]}


def test_search_finds_words_in_body_title_and_tags_case_insensitively(
    personas: Personas, searchable: dict[str, Entry]
) -> None:
    client = client_for(personas.patient)
    expected = {searchable["body"].pk, searchable["title"].pk, searchable["tag"].pk}
    for query in ["heron", "HERON", "HeRoN"]:
        assert _hit_ids(client.get("/journal/", {"q": query})) == expected, query


def test_search_needs_every_word_of_the_query(
    personas: Personas, searchable: dict[str, Entry]
) -> None:
    client = client_for(personas.patient)
    assert _hit_ids(client.get("/journal/", {"q": "heron still"})) == {searchable["body"].pk}
    assert _hit_ids(client.get("/journal/", {"q": "heron sparrows"})) == set()


def test_search_finds_only_the_patients_own_entries(
    personas: Personas, searchable: dict[str, Entry]
) -> None:
    mine = _hit_ids(client_for(personas.patient).get("/journal/", {"q": "heron"}))
    assert searchable["theirs"].pk not in mine
    assert personas.other_patient_entry.pk not in _hit_ids(
        client_for(personas.patient).get("/journal/", {"q": "private"})
    )
    theirs = _hit_ids(client_for(personas.other_patient).get("/journal/", {"q": "heron"}))
    assert theirs == {searchable["theirs"].pk}


def test_search_page_shows_an_excerpt_around_the_match(
    personas: Personas, searchable: dict[str, Entry]
) -> None:
    response = client_for(personas.patient).get("/journal/", {"q": "heron"})
    assert "A Heron stood still." in response.content.decode()


def test_list_filters_by_tag(personas: Personas, searchable: dict[str, Entry]) -> None:
    response = client_for(personas.patient).get("/journal/", {"tag": "heron"})
    assert response.status_code == 200
    assert [e.pk for e in response.context["page"].object_list] == [searchable["tag"].pk]


def test_a_clinician_has_no_journal_pages(personas: Personas) -> None:
    client = client_for(personas.care_clinician)
    assert client.get("/journal/").status_code == 404
    assert client.get(f"/journal/{personas.entry.pk}/").status_code == 404


# --- Editing ----------------------------------------------------------------------------------


def test_patient_edits_an_entry(personas: Personas) -> None:
    client = client_for(personas.patient)
    entry = personas.entry
    form = client.get(f"/journal/{entry.pk}/edit/")
    assert form.status_code == 200
    # The personas fixture keeps a draft for this entry; the form offers it back.
    assert form.context["form"].initial["body"] == "half a thought"

    response = client.post(
        f"/journal/{entry.pk}/edit/",
        _entry_form(
            title="Rewritten",
            body="Now I see it differently.",
            tags="ocean, change",
            submission_id=str(entry.submission_id),
        ),
    )

    assert response.status_code == 302
    entry = Entry.objects.get(pk=entry.pk)
    assert entry.title == "Rewritten"
    assert entry.body == "Now I see it differently."
    assert sorted(t.name for t in entry.tags.all()) == ["change", "ocean"]
    assert not Draft.objects.filter(draft_key=f"edit-{entry.pk}").exists()
    assert (
        Entry.objects.filter(patient=personas.patient, submission_id=entry.submission_id).count()
        == 1
    )


def test_patient_cannot_edit_another_patients_entry(personas: Personas) -> None:
    target = personas.other_patient_entry
    response = client_for(personas.patient).post(
        f"/journal/{target.pk}/edit/", _entry_form(body="overwritten")
    )
    assert response.status_code == 404
    assert Entry.objects.get(pk=target.pk).body == "Olive's private words."


def test_an_invalid_edit_keeps_the_entry_and_saves_a_draft(personas: Personas) -> None:
    entry = personas.entry
    response = client_for(personas.patient).post(
        f"/journal/{entry.pk}/edit/", _entry_form(body="new words", tags="bad;tag")
    )
    assert response.status_code == 400
    assert Entry.objects.get(pk=entry.pk).body == "I noticed the ocean again."
    draft = Draft.objects.get(patient=personas.patient, draft_key=f"edit-{entry.pk}")
    assert journal.draft_fields(draft)["body"] == "new words"


# --- Atomic writes ----------------------------------------------------------------------------


def _crash_after_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    real_set_tags = journal._set_tags

    def set_tags_then_crash(entry: Entry, names: list[str]) -> None:
        assert entry.pk is not None, "the entry row is saved before its tags"
        real_set_tags(entry, names)
        raise RuntimeError("disk full")

    monkeypatch.setattr("claywork.journal.services._set_tags", set_tags_then_crash)


def test_a_crash_while_creating_an_entry_leaves_no_half_written_entry(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries, tags = Entry.objects.count(), Tag.objects.count()
    links = Entry.tags.through.objects.count()
    draft_key = new_entry_draft_key(None, None)
    journal.draft_save(patient=personas.patient, draft_key=draft_key, fields={"body": "keep me"})
    _crash_after_tags(monkeypatch)

    with pytest.raises(RuntimeError, match="disk full"):
        journal.entry_create(
            patient=personas.patient,
            content=journal.EntryContent(
                kind="reflection", title="t", body="lost?", tags=["brand-new-tag"]
            ),
            submission_id=uuid.uuid4(),
            draft_key=draft_key,
        )

    assert Entry.objects.count() == entries
    assert Tag.objects.count() == tags
    assert Entry.tags.through.objects.count() == links
    assert Draft.objects.filter(patient=personas.patient, draft_key=draft_key).exists()


def test_a_crash_during_a_page_write_rolls_back(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(personas.patient)
    client.raise_request_exception = False
    entries = Entry.objects.count()
    _crash_after_tags(monkeypatch)
    response = client.post("/journal/new/", _entry_form(tags="water"))
    assert response.status_code == 500
    assert Entry.objects.count() == entries


def test_a_crash_while_editing_leaves_the_entry_as_it_was(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = personas.entry
    _crash_after_tags(monkeypatch)
    with pytest.raises(RuntimeError):
        journal.entry_update(
            entry=Entry.objects.get(pk=entry.pk),
            content=journal.EntryContent(kind="insight", title="x", body="changed", tags=["new"]),
        )
    entry = Entry.objects.get(pk=entry.pk)
    assert entry.body == "I noticed the ocean again."
    assert entry.kind == "reflection"
    assert [t.name for t in entry.tags.all()] == ["ocean"]


# --- Query counts -----------------------------------------------------------------------------


def _patient_with_entries(count: int) -> Any:
    patient = factories.PatientFactory()
    course = factories.make_course(patient)
    session = factories.make_session(course, status="completed")
    prompt = Prompt.objects.first()
    for n in range(count):
        entry, _ = journal.entry_create(
            patient=patient,
            content=journal.EntryContent(
                kind="reflection",
                title=f"Entry {n}",
                body=f"river stone {n}",
                tags=["river", f"t{n % 4}"],
            ),
            submission_id=uuid.uuid4(),
            session=session,
            prompt=prompt,
        )
    return patient


def _queries_for(patient: Any, url: str, params: dict[str, str]) -> int:
    client = client_for(patient)
    client.get(url, params)  # warm the session and the data key cache like a real browser
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("count", [5, 60])
def test_journal_list_runs_a_constant_number_of_queries(
    db: None, django_assert_max_num_queries: Any, count: int
) -> None:
    patient = _patient_with_entries(count)
    client = client_for(patient)
    with django_assert_max_num_queries(8):
        response = client.get("/journal/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 20)


@pytest.mark.parametrize("count", [5, 60])
def test_journal_search_runs_a_constant_number_of_queries(
    db: None, django_assert_max_num_queries: Any, count: int
) -> None:
    patient = _patient_with_entries(count)
    client = client_for(patient)
    with django_assert_max_num_queries(8):
        response = client.get("/journal/", {"q": "river stone"})
    assert response.status_code == 200
    assert len(response.context["hits"]) == min(count, 50)


@pytest.mark.parametrize(("url", "params"), [("/journal/", {}), ("/journal/", {"q": "river"})])
def test_list_and_search_query_counts_do_not_grow_with_entries(
    db: None, url: str, params: dict[str, str], settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page
    few = _queries_for(_patient_with_entries(5), url, params)
    many = _queries_for(_patient_with_entries(60), url, params)
    assert few == many
