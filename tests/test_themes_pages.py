"""The themes pages: my themes, session lens, tone over time, the care-team view, the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claywork.audit.models import AuditEvent
from claywork.care import services as care
from claywork.measures import services as measures
from claywork.sharing.services import share_item
from claywork.themes import services
from claywork.themes.models import Audience, Theme, ThemeEdit, ThemeSnapshot
from tests import factories
from tests.conftest import Personas, client_for
from tests.themes_support import CORPUS, journal_from_corpus, labels, write_entry

OCEAN = labels()["themes"]["ocean"]


@pytest.fixture
def corpus_patient(personas: Personas) -> Any:
    """The personas' patient with the ocean/father/control journal, themes computed."""
    journal_from_corpus(personas.patient, "patient_a")
    services.themes_recompute(patient=personas.patient)
    return personas.patient


def ocean_theme(patient: Any) -> Theme:
    themes = Theme.objects.filter(patient=patient, snapshot__audience=Audience.PATIENT)
    return next(theme for theme in themes if "ocean" in " ".join(theme.key_phrases))


# --- My themes ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_themes_shows_recurring_themes_with_chart_table_and_passages(
    corpus_patient: Any,
) -> None:
    page = client_for(corpus_patient).get("/themes/")
    body = page.content.decode()
    ocean = ocean_theme(corpus_patient)

    assert page.status_code == 200
    assert "Recurring" in body and "ocean" in body
    assert f'data-theme-chart="theme-chart-{ocean.pk}"' in body
    assert f'id="theme-chart-{ocean.pk}"' in body  # the numbers, for the static script
    assert "How often it appears, by session" in body  # the accessible table
    first = ocean.detail["documents"][0]
    assert f"/journal/{first['id']}/" in body
    assert "<script>" not in body  # strict CSP: data only
    assert "not advice" in body


@pytest.mark.django_db
def test_before_any_computation_the_page_offers_to_work_them_out(personas: Personas) -> None:
    client = client_for(personas.patient)

    body = client.get("/themes/").content.decode()
    response = client.post("/themes/refresh/")

    assert "have not been worked out yet" in body
    assert response.status_code == 302
    # The test settings run tasks at once.
    assert ThemeSnapshot.objects.filter(patient=personas.patient).exists()
    assert "Not enough writing yet" in client.get("/themes/").content.decode()


@pytest.mark.django_db
def test_renaming_pinning_and_hiding_from_the_page(corpus_patient: Any) -> None:
    client = client_for(corpus_patient)
    ocean = ocean_theme(corpus_patient)

    renamed = client.post(f"/themes/{ocean.pk}/", {"action": "rename", "label": "My sea"})
    client.post(f"/themes/{ocean.pk}/", {"action": "pin"})
    body = client.get("/themes/").content.decode()

    assert renamed.status_code == 302 and renamed["Location"].endswith(f"#theme-{ocean.pk}")
    assert "My sea" in body and "Found as" in body and "Pinned" in body
    client.post(f"/themes/{ocean.pk}/", {"action": "hide"})
    assert "Hidden themes" in client.get("/themes/").content.decode()
    edit = ThemeEdit.objects.get(theme=ocean)
    assert (edit.label, edit.pinned, edit.hidden) == ("My sea", True, True)


@pytest.mark.django_db
def test_merging_from_the_page_and_separating_again(corpus_patient: Any) -> None:
    client = client_for(corpus_patient)
    ocean = ocean_theme(corpus_patient)
    other = Theme.objects.filter(patient=corpus_patient).exclude(pk=ocean.pk).first()
    assert other is not None

    client.post(f"/themes/{other.pk}/", {"action": "merge", "into": str(ocean.pk)})
    assert "Includes:" in client.get("/themes/").content.decode()
    client.post(f"/themes/{other.pk}/", {"action": "unmerge"})

    assert ThemeEdit.objects.get(theme=other).merged_into is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [{"action": "rename", "label": ""}, {"action": "merge"}, {"action": "explode"}]
)
def test_an_invalid_edit_changes_nothing_and_says_so(corpus_patient: Any, data: dict) -> None:
    ocean = ocean_theme(corpus_patient)
    client = client_for(corpus_patient)

    response = client.post(f"/themes/{ocean.pk}/", data, follow=True)

    assert response.status_code == 200
    assert "Nothing was changed" in response.content.decode()
    assert not ThemeEdit.objects.exists()


@pytest.mark.django_db
def test_a_patient_cannot_merge_into_another_patients_theme(
    corpus_patient: Any, personas: Personas
) -> None:
    journal_from_corpus(personas.other_patient, "patient_b")
    services.themes_recompute(patient=personas.other_patient)
    theirs = Theme.objects.filter(patient=personas.other_patient).first()
    assert theirs is not None

    response = client_for(corpus_patient).post(
        f"/themes/{ocean_theme(corpus_patient).pk}/", {"action": "merge", "into": theirs.pk}
    )

    assert response.status_code == 404
    assert not ThemeEdit.objects.exists()


# --- Bad input never gives an error page ----------------------------------------------------

BAD_JOURNALS = {
    "empty": [],
    "one word": ["ocean"],
    "foreign language": [
        "Das Meer war ruhig und die Wellen kamen langsam an den Strand.",
        "Wieder das Meer, die Wellen, der Strand im Abendlicht.",
        "Am Strand gesessen, den Wellen zugehört, das Meer gerochen.",
        "Mein Vater in seiner Werkstatt; Vergebung fällt mir schwer.",
        "Vergebung für meinen Vater, vielleicht, in seiner Werkstatt.",
        "Das Meer und mein Vater, beide weit weg.",
    ],
    "emoji only": ["🌊🌊🌊", "🙏", "😢😢", "🌞", "🌊🙏"],
    "one megabyte": ["The harbour light again. " * 42_000, "Harbour light.", "Light, harbour."],
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(BAD_JOURNALS))
def test_every_themes_page_copes_with_odd_journals(personas: Personas, kind: str) -> None:
    start = date(2026, 2, 1)
    for offset, text in enumerate(BAD_JOURNALS[kind]):
        write_entry(personas.other_patient, text, day=start + timedelta(days=offset))
    course = factories.make_course(personas.other_patient)
    session = factories.make_session(course, status="completed")
    services.themes_recompute(patient=personas.other_patient)
    client = client_for(personas.other_patient)

    pages = [
        client.get("/themes/"),
        client.get("/themes/tone/"),
        client.get(f"/themes/sessions/{session.pk}/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    if kind in ("empty", "one word", "emoji only"):
        assert "Not enough writing yet" in pages[0].content.decode()


@pytest.mark.django_db
def test_a_one_megabyte_entry_is_themed_from_its_start(personas: Personas) -> None:
    huge = "The harbour light swept the water again tonight. " * 21_000
    write_entry(personas.other_patient, huge, day=date(2026, 2, 1))
    # The huge entry is one sentence over and over: it counts once.
    for offset, text in enumerate(
        [
            "Harbour light again, it swept the bay.",
            "The light on the water swept past.",
            "Harbour, water, light.",
            "Tea.",
        ]
    ):
        write_entry(personas.other_patient, text, day=date(2026, 2, 2 + offset))

    snapshot = services.themes_recompute(patient=personas.other_patient)

    assert snapshot.status == "ready"
    assert client_for(personas.other_patient).get("/themes/").status_code == 200


# --- Session lens ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_session_lens_shows_new_words_and_echoed_intentions(personas: Personas) -> None:
    patient = personas.other_patient
    course = factories.make_course(patient)
    first = factories.make_session(course, status="completed")
    second = factories.make_session(course)
    care.intention_save(session=second, text="To meet my fear of the dark forest.")
    care.session_start(session=second)
    care.session_complete(session=second, debrief="")
    factories.make_entry(
        patient, body="The river and the stones, after the first one.", session=first
    )
    factories.make_entry(
        patient, body="A dark forest, then light. The river was there too.", session=second
    )

    body = client_for(patient).get(f"/themes/sessions/{second.pk}/").content.decode()

    assert "New in this session" in body
    new_section = body.split('id="new-heading"')[1].split('id="returning-heading"')[0]
    assert "forest" in new_section and "river" not in new_section
    assert "river" in body.split('id="returning-heading"')[1].split('id="echo-heading"')[0]
    assert "To meet my fear of the dark forest." in body
    assert "through the words dark, forest" in body


# --- Tone -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tone_over_time_sits_beside_mood_check_ins_and_says_it_is_an_estimate(
    personas: Personas,
) -> None:
    patient = personas.other_patient
    monday = date(2026, 3, 2)
    write_entry(patient, "A calm, happy, grateful day.", day=monday)
    write_entry(patient, "Sad and heavy, everything hurt.", day=monday + timedelta(days=8))
    measures.check_in_save(
        patient=patient, day=monday, values=measures.CheckInValues(7, 2, 6, Decimal("8"))
    )

    body = client_for(patient).get("/themes/tone/").content.decode()

    assert "an estimate" in body
    assert 'id="tone-chart-data"' in body and 'data-tone-chart="tone-chart-data"' in body
    data = json.loads(body.split('id="tone-chart-data" type="application/json">')[1].split("<")[0])
    # (Olive also has this week's entry from the personas.)
    assert data["weeks"][:2] == ["2026-03-02", "2026-03-09"]
    assert data["mood"][:2] == [7.0, None]
    assert data["tone"][0] > 0 > data["tone"][1]


# --- The care-team view ---------------------------------------------------------------------

# Varied sentences: one sentence written again and again is a repeated line, not a theme.
LANTERN_ENTRIES = [
    "The lantern at the harbour swung beside the beacon in the fog.",
    "A beacon over the harbour, my lantern shaking in the wind.",
    "Lantern light on the harbour wall, the beacon turning slowly in the fog.",
    "I carried the lantern down to the harbour to watch the beacon and the boats.",
    "The harbour beacon and a small lantern kept the boats company.",
]


@pytest.mark.django_db
def test_care_team_themes_come_only_from_shared_entries_and_the_care_record(
    corpus_patient: Any, personas: Personas
) -> None:
    shared = [factories.make_entry(corpus_patient, body=text) for text in LANTERN_ENTRIES]
    for entry in shared:
        share_item(patient=corpus_patient, item=entry, care_team=True)
    clinician = client_for(personas.care_clinician)

    body = clinician.get(f"/patients/{corpus_patient.pk}/themes/").content.decode()

    assert "lantern" in body
    assert "ocean" not in body and "workshop" not in body  # private entries stay private
    patient_view = client_for(corpus_patient).get("/themes/").content.decode()
    assert "ocean" in patient_view
    care_snapshot = ThemeSnapshot.objects.get(patient=corpus_patient, audience="care_team")
    assert all(
        document["kind"] != "entry" or document["id"] in {e.pk for e in shared}
        for theme in care_snapshot.themes.all()
        for document in theme.detail["documents"]
    )


@pytest.mark.django_db
def test_the_care_team_view_is_audited_and_never_shows_private_entries_when_nothing_is_shared(
    corpus_patient: Any, personas: Personas
) -> None:
    response = client_for(personas.care_clinician).get(f"/patients/{corpus_patient.pk}/themes/")

    assert response.status_code == 200
    assert "ocean" not in response.content.decode()
    assert "Not enough writing yet" in response.content.decode()
    event = AuditEvent.objects.filter(resource="themes.care_team").get()
    assert (event.actor_id, event.patient_id, event.action) == (
        personas.care_clinician.pk,
        corpus_patient.pk,
        "read",
    )


@pytest.mark.django_db
def test_revoking_a_share_drops_it_from_the_care_team_themes(
    personas: Personas,
) -> None:
    from claywork.sharing.services import share_revoke

    patient = personas.patient
    entries = [factories.make_entry(patient, body=text) for text in LANTERN_ENTRIES]
    shares = [share_item(patient=patient, item=entry, care_team=True) for entry in entries]
    clinician = client_for(personas.care_clinician)
    assert "lantern" in clinician.get(f"/patients/{patient.pk}/themes/").content.decode()

    for share in shares:
        share_revoke(patient=patient, share=share)

    assert "lantern" not in clinician.get(f"/patients/{patient.pk}/themes/").content.decode()


# --- Command line ---------------------------------------------------------------------------


def test_the_command_runs_on_a_corpus_file_without_a_database() -> None:
    out = StringIO()

    call_command("themes", "--file", str(CORPUS / "patient_a.jsonl"), "--json", stdout=out)
    printed = json.loads(out.getvalue())

    assert printed["status"] == "ready" and printed["engine"] == "classic"
    theme = printed["themes"][0]
    assert {"label", "key_phrases", "sessions", "documents", "recurring"} <= set(theme)
    assert any("ocean" in t["key_phrases"] for t in printed["themes"])


def test_the_command_names_a_bad_corpus_line(tmp_path: Path) -> None:
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text('{"id": 1, "text": "fine", "date": "2026-01-01"}\nnot json\n')

    with pytest.raises(CommandError, match="line 2"):
        call_command("themes", "--file", str(corpus), "--json")


@pytest.mark.django_db
def test_the_command_prints_a_patients_themes_and_logs_the_export(corpus_patient: Any) -> None:
    out = StringIO()

    call_command("themes", "--patient", corpus_patient.email.upper(), "--json", stdout=out)
    printed = json.loads(out.getvalue())

    assert any("ocean" in t["key_phrases"] for t in printed["themes"])
    assert all(
        key.split(":")[0] in {"entry", "intention", "note"}
        for t in printed["themes"]
        for key in t["documents"]
    )
    event = AuditEvent.objects.get(resource="themes.patient")
    assert (event.actor_id, event.action) == (None, "export")


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_patient(personas: Personas) -> None:
    with pytest.raises(CommandError, match="no patient"):
        call_command("themes", "--patient", personas.care_clinician.email, "--json")


@pytest.mark.django_db
def test_the_demo_shows_mayas_themes() -> None:
    from claywork.accounts.models import User
    from claywork.core.demo import seed_demo_clinic

    seed_demo_clinic()
    maya = User.objects.get(email="maya@clayhill.example")
    snapshot = ThemeSnapshot.objects.get(patient=maya, audience=Audience.PATIENT)

    assert snapshot.status == "ready"
    body = client_for(maya).get("/themes/").content.decode()
    assert "ocean" in body or "door" in body


@pytest.mark.django_db
def test_my_themes_page_takes_a_fixed_number_of_queries(
    corpus_patient: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(corpus_patient)
    ocean = ocean_theme(corpus_patient)
    client.post(f"/themes/{ocean.pk}/", {"action": "pin"})
    client.get("/themes/")  # sessions, caches and the like warmed up

    with django_assert_max_num_queries(6):
        assert client.get("/themes/").status_code == 200


def test_the_chart_axis_ends_at_the_last_session_a_theme_was_found_after() -> None:
    from types import SimpleNamespace

    from claywork.themes.selectors import Board

    sessions = [["1", "Session 1"], ["2", "Session 2"], ["3", "Session 3"], ["4", "Session 4"]]
    early = SimpleNamespace(session_counts={"1": 2}, series=[])
    later = SimpleNamespace(session_counts={"2": 1, "3": 0}, series=[])

    Board(None, [early], [later], sessions, updating=False).fill_series()  # type: ignore[list-item]

    # Sessions 3 and 4 (still to come, nothing found after them) are not on the axis.
    assert early.series == [("Session 1", 2), ("Session 2", 0)]
    assert later.series == [("Session 1", 0), ("Session 2", 1)]
