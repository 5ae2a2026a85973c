"""Words that fit the reader: every page a clinician, clinic admin or support person opens
speaks to them, never in the patient's voice ("your entries" read by a clinician is wrong).

Each GET row of the permission matrix that answers 200 to a staff or support role is
rendered for that role and searched for phrases that address the patient."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from tests.test_permission_matrix import MATRIX, World, _build_world, _text_of, as_role

STAFF_ROLES = (
    "care_clinician",
    "outside_clinician",
    "other_clinic_clinician",
    "clinic_admin",
    "support_person",
)
# Phrases that speak to the patient about their own care.
PATIENT_VOICE = (
    "your entries",
    "what you said",
    "your journal",
    "your guide",
    "your care team",
    "your session",
    "your next session",
    "your integration",
    "your intentions",
    "your check-in",
    "your scores",
    "your answers",
    "your safety plan",
    "your motivation",
    "your goals",
    "your mood",
)
# Pages written for anyone at all, whoever reads them, with the reason.
FOR_ANYONE = {
    "/help/": "the crisis page: whoever is in crisis reads it as themselves",
}

PAGES = [
    pytest.param(row.path, role, id=f"{row.path} {role}")
    for row in MATRIX
    if row.method == "GET" and row.path not in FOR_ANYONE
    for role in STAFF_ROLES
    if row.expected[role] == 200
]


@pytest.fixture(scope="module")
def shared_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def world(shared_world: World, db: None) -> World:
    return shared_world


@pytest.fixture(scope="module")
def one_client() -> Client:
    return Client()


def visible_words(page: str) -> str:
    """The words a reader sees or hears: text and the labels of images and controls."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    labels = " ".join(re.findall(r'(?:aria-label|alt|title|placeholder)="([^"]*)"', page))
    text = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(f"{text} {labels}")).casefold()


def patient_voice_in(page: str) -> list[str]:
    words = visible_words(page)
    return [phrase for phrase in PATIENT_VOICE if phrase in words]


def test_the_phrase_check_finds_patient_voice_in_text_and_labels() -> None:
    assert patient_voice_in("<p>Read <b>Your  entries</b></p>") == ["your entries"]
    assert patient_voice_in('<svg aria-label="What you said"></svg>') == ["what you said"]
    assert patient_voice_in("<p>The patient's entries</p><script>'your journal'</script>") == []


def test_there_are_staff_pages_to_check() -> None:
    roles = {role for _, role in (param.values for param in PAGES)}
    assert roles == set(STAFF_ROLES) and len(PAGES) > 40


@pytest.mark.parametrize(("path", "role"), PAGES)
def test_staff_pages_speak_to_their_reader_not_in_the_patients_voice(
    world: World, one_client: Client, path: str, role: str
) -> None:
    client = as_role(one_client, world.circle.role(role, world.personas))
    url = path.format(**world.placeholders(), **world.circle.placeholders())
    response = client.get(url)
    assert response.status_code == 200
    assert patient_voice_in(_text_of(response)) == []
