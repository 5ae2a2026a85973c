"""The patient's export: one streamed zip of JSON plus readable HTML, with every sealed field."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.http import StreamingHttpResponse

from claywork.journal import services as journal
from claywork.journal.models import Entry
from claywork.ownership import export_sections
from tests import factories
from tests.conftest import Personas, client_for
from tests.ownership_support import (
    FILLED,
    NOT_EXPORTED,
    STRUCTURAL,
    patient_with_everything,
    sealed_contexts,
)


def _download(client: Any) -> tuple[StreamingHttpResponse, zipfile.ZipFile]:
    response = client.get("/account/data/export.zip")
    body = b"".join(response.streaming_content)
    return response, zipfile.ZipFile(io.BytesIO(body))


def _files(archive: zipfile.ZipFile) -> dict[str, str]:
    root = archive.namelist()[0].split("/")[0]
    return {
        name.removeprefix(root + "/"): archive.read(name).decode() for name in archive.namelist()
    }


def test_every_sealed_field_is_filled_by_the_builder_or_named_as_structure() -> None:
    # A sealed field added later must get a canary in tests/ownership_support.py (and so be
    # exported and erased), or be named there as structure with a reason.
    assert sealed_contexts() == set(FILLED) | set(STRUCTURAL)


@pytest.mark.django_db
def test_export_round_trip_holds_every_sealed_field_readable() -> None:
    everything = patient_with_everything()
    response, archive = _download(client_for(everything.patient))

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="claywork-')
    assert archive.testzip() is None
    files = _files(archive)
    data = "\n".join(text for name, text in files.items() if name.startswith("data/"))
    readable = files["index.html"] + files["journal.html"]
    for context, words in everything.canaries.items():
        if context in NOT_EXPORTED:
            assert words not in data and words not in readable, context
            continue
        assert words in data, f"{context} missing from the JSON"
        assert words in readable, f"{context} missing from the readable pages"
    # The structured sealed fields come back as data.
    scores = json.loads(files["data/scores.json"])
    assert scores[0]["answers"] == {str(n): 1 for n in range(1, 9)} | {"9": 0}
    themes = json.loads(files["data/themes.json"])
    assert themes["sessions"] is not None
    assert themes["your_edits"][0]["anchor"] == ["Canary themes theme phrases wren"]


@pytest.mark.django_db
def test_export_holds_every_part_the_patient_owns() -> None:
    everything = patient_with_everything()
    _, archive = _download(client_for(everything.patient))
    files = _files(archive)

    assert {"README.txt", "index.html", "journal.html", "data/journal.json"} <= set(files)
    for name, _, _ in export_sections.SECTIONS:
        json.loads(files[f"data/{name}"])  # each is valid JSON
    entry = json.loads(files["data/journal.json"])[0]
    assert entry["tags"] == ["Canary journal tag name wren"]
    assert {share["with"] for share in entry["shared_with"]} == {"your care team", "Sue Support"}
    assert entry["comments"][0]["by"] == "Cara Clinician"
    check_in = json.loads(files["data/check_ins.json"])[0]
    assert check_in["mood"] == 7 and check_in["anxiety"] is None
    assert "Walk outside" in check_in["tags"]
    consents = json.loads(files["data/consents.json"])
    assert isinstance(consents, list)
    # Who has seen my data: the care team's reads are there, without any content.
    log = json.loads(files["data/access_log.json"])
    assert all(set(row) == {"when", "who", "role", "did", "what"} for row in log)


@pytest.mark.django_db
def test_the_readable_pages_escape_what_the_patient_wrote() -> None:
    patient = factories.PatientFactory()
    factories.make_entry(patient, title="<script>alert(1)</script>", body="a < b & c")

    _, archive = _download(client_for(patient))
    page = _files(archive)["journal.html"]

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &lt; b &amp; c" in page


@pytest.mark.django_db
def test_a_deleted_entry_is_not_exported() -> None:
    patient = factories.PatientFactory()
    kept = factories.make_entry(patient, body="Kept words.")
    gone = factories.make_entry(patient, body="Deleted words.")
    journal.entry_delete(entry=gone)

    _, archive = _download(client_for(patient))
    entries = json.loads(_files(archive)["data/journal.json"])

    assert [entry["id"] for entry in entries] == [kept.pk]
    assert Entry.all_objects.filter(pk=gone.pk).exists()  # still restorable meanwhile


@pytest.mark.django_db
def test_a_large_journal_is_read_a_batch_at_a_time(
    django_assert_max_num_queries: Any,
) -> None:
    patient = factories.PatientFactory()
    for number in range(export_sections.JOURNAL_BATCH * 2 + 5):
        factories.make_entry(patient, body=f"Entry number {number}.")
    client = client_for(patient)

    response = client.get("/account/data/export.zip")
    chunks = iter(response.streaming_content)
    first = next(chunks)  # the zip begins before the journal is read
    assert first.startswith(b"PK")
    with django_assert_max_num_queries(60):
        rest = b"".join(chunks)
    entries = json.loads(_files(zipfile.ZipFile(io.BytesIO(first + rest)))["data/journal.json"])
    assert len(entries) == export_sections.JOURNAL_BATCH * 2 + 5


def test_only_the_patient_downloads_their_data(personas: Personas) -> None:
    for person in (
        personas.care_clinician,
        personas.clinic_admin,
        personas.support_person,
    ):
        assert client_for(person).get("/account/data/export.zip").status_code == 404
    response = client_for(None).get("/account/data/export.zip")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
