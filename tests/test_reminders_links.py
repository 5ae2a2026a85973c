"""A reminder's link opens one reflection form, once, for a few hours, and nothing else."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from claywork.journal.models import Entry
from claywork.reminders.delivery import reminders_send_due
from claywork.reminders.links import GRANT_LIFETIME, LINK_LIFETIME, links_revoke
from claywork.reminders.models import Kind, Reminder, ReminderLink
from tests.conftest import Personas, client_for

LOGIN = "/accounts/login/?next="


def _send_reflection_reminder(personas: Personas, kind: str = Kind.WINDOW_OPENS) -> str:
    now = timezone.now()
    Reminder.objects.create(
        patient=personas.patient,
        kind=kind,
        session=personas.completed,
        due_at=now - timedelta(minutes=1),
        next_attempt_at=now - timedelta(minutes=1),
        useful_until=now + timedelta(hours=6),
    )
    assert reminders_send_due() == 1
    match = re.search(r"http://127\.0\.0\.1:8000(/r/[\w-]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match[1]


def _reflection(personas: Personas) -> dict[str, str]:
    return {"title": "", "body": "The window felt wide.", "submission_id": str(uuid.uuid4())}


def test_the_link_opens_the_reflection_form_without_a_sign_in_and_saves_to_the_session(
    personas: Personas,
) -> None:
    link = _send_reflection_reminder(personas)
    browser = Client()

    opened = browser.get(link)
    assert (opened.status_code, opened["Location"]) == (302, "/r/reflect/")
    page = browser.get("/r/reflect/")
    assert page.status_code == 200
    assert "A moment to reflect" in page.content.decode()
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]

    saved = browser.post("/r/reflect/", _reflection(personas))

    assert saved.status_code == 200
    entry = Entry.objects.filter(patient=personas.patient, session=personas.completed).latest("pk")
    assert entry.body == "The window felt wide."
    # The grant is spent: a second reflection needs a new link or a sign-in.
    assert browser.get("/r/reflect/")["Location"].startswith(LOGIN)


def test_the_grant_opens_nothing_else(personas: Personas) -> None:
    browser = Client()
    browser.get(_send_reflection_reminder(personas))
    assert browser.get("/r/reflect/").status_code == 200

    for path in (
        "/",
        "/journal/",
        f"/journal/{personas.entry.pk}/",
        f"/journal/new/?session={personas.completed.pk}",
        f"/sessions/{personas.completed.pk}/",
        "/check-in/",
        "/notifications/",
        "/reminders/settings/",
        "/safety-plan/",
    ):
        response = browser.get(path)
        if path == "/":
            assert "I noticed the ocean" not in response.content.decode()
            continue
        assert response.status_code == 302, path
        assert response["Location"].startswith(LOGIN), path


def test_the_link_works_once(personas: Personas) -> None:
    link = _send_reflection_reminder(personas)

    assert Client().get(link).status_code == 302
    again = Client().get(link)

    assert again.status_code == 404
    assert "no longer works" in again.content.decode()


def test_the_link_expires(personas: Personas) -> None:
    link = _send_reflection_reminder(personas)

    with time_machine.travel(timezone.now() + LINK_LIFETIME + timedelta(minutes=1)):
        assert Client().get(link).status_code == 404


def test_the_grant_expires(personas: Personas) -> None:
    browser = Client()
    browser.get(_send_reflection_reminder(personas))

    with time_machine.travel(timezone.now() + GRANT_LIFETIME + timedelta(minutes=1)):
        assert browser.get("/r/reflect/")["Location"].startswith(LOGIN)
        response = browser.post("/r/reflect/", _reflection(personas))
        assert response["Location"].startswith(LOGIN)
    assert Entry.objects.filter(patient=personas.patient).count() == 1  # the personas' own


def test_a_revoked_link_answers_404(personas: Personas) -> None:
    link = _send_reflection_reminder(personas)

    assert links_revoke(patient=personas.patient) == 1

    assert Client().get(link).status_code == 404


def test_the_patient_can_revoke_links_from_the_settings_page(personas: Personas) -> None:
    link = _send_reflection_reminder(personas)

    client_for(personas.patient).post(
        "/reminders/settings/",
        {"timezone": "America/New_York", "window_opens": "on", "revoke_links": "on"},
    )

    assert Client().get(link).status_code == 404


def test_only_a_hash_of_the_token_is_stored(personas: Personas) -> None:
    link = _send_reflection_reminder(personas)
    token = link.split("/")[2]

    stored = ReminderLink.objects.get()
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert token not in str(list(ReminderLink.objects.values()))


def test_a_signed_in_patient_goes_straight_to_the_journal_form(personas: Personas) -> None:
    link = _send_reflection_reminder(personas)

    response = client_for(personas.patient).get(link)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/journal/new/?session={personas.completed.pk}")


@pytest.mark.parametrize("role", ["other_patient", "care_clinician"])
def test_someone_else_signed_in_gets_404(personas: Personas, role: str) -> None:
    link = _send_reflection_reminder(personas)

    assert client_for(getattr(personas, role)).get(link).status_code == 404


def test_a_check_in_reminder_links_to_the_check_in_which_needs_a_sign_in(
    personas: Personas,
) -> None:
    now = timezone.now()
    Reminder.objects.create(
        patient=personas.patient,
        kind=Kind.CHECK_IN,
        due_at=now,
        next_attempt_at=now,
        useful_until=now + timedelta(hours=3),
    )
    reminders_send_due()

    assert "http://127.0.0.1:8000/check-in/" in mail.outbox[-1].body
    assert not ReminderLink.objects.exists()
