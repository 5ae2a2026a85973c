"""Crisis language in journal entries, check-in notes and intentions, screened when saved.

A flagged save keeps the patient's words, takes the patient gently to the crisis page and
raises a high-priority alert in the same transaction. The alert tells the care team that and
when, never what: a canary phrase must appear in no alert, e-mail, log line or clinician page.

The detector itself (``claywork.safety.screening``) is tested on its own evaluation set; here a
stand-in that flags one canary phrase keeps these tests about the hooks.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from claywork.care import services as care
from claywork.journal import services as journal
from claywork.journal.models import Entry
from claywork.measures.models import CheckIn
from claywork.safety import free_text
from claywork.safety.models import Alert, AlertDelivery
from tests.conftest import Personas, client_for

CANARY = "the lanternfish-canary wants to end it all"
CONCERN_CANARY = "the sparrow-canary sees no way forward"


@dataclass(frozen=True)
class StandInResult:
    flag: bool
    reason: str
    matched: str
    level: str = "none"


def stand_in_screen_text(text: str) -> StandInResult:
    if CONCERN_CANARY in text:
        return StandInResult(True, f"stand-in saw: {CONCERN_CANARY}", CONCERN_CANARY, "concern")
    found = CANARY in text
    # Reason and matched words carry the text: the hooks must keep both to themselves.
    return StandInResult(
        found,
        f"stand-in saw: {CANARY}" if found else "",
        CANARY if found else "",
        "crisis" if found else "none",
    )


def _use_detector(monkeypatch: pytest.MonkeyPatch, screen: Callable[[str], Any]) -> None:
    monkeypatch.setattr(free_text, "screen_text", screen)


@pytest.fixture(autouse=True)
def detector(monkeypatch: pytest.MonkeyPatch) -> None:
    _use_detector(monkeypatch, stand_in_screen_text)


def _entry_form(personas: Personas, body: str, **extra: str) -> dict[str, str]:
    return {
        "kind": "reflection",
        "title": "Tonight",
        "body": body,
        "tags": "",
        "submission_id": str(uuid.uuid4()),
        **extra,
    }


def _check_in_form(note: str) -> dict[str, str]:
    return {"mood": "2", "anxiety": "8", "energy": "2", "sleep_hours": "4", "note": note}


# --- Journal entries ----------------------------------------------------------------------


def test_a_flagged_entry_is_saved_and_the_patient_is_shown_the_crisis_page(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)

    response = client.post("/journal/new/", _entry_form(personas, f"Today {CANARY}."))

    entry = Entry.objects.filter(patient=personas.patient).latest("pk")
    assert entry.body == f"Today {CANARY}."
    assert response.status_code == 302
    assert response["Location"].startswith("/help/?saved=new-s0-p0")
    help_page = client.get(response["Location"]).content.decode()
    assert "Your entry is saved." in help_page
    assert "never what you wrote" in help_page


def test_a_flagged_entry_raises_one_high_alert_that_says_where_and_when(
    personas: Personas,
) -> None:
    client_for(personas.patient).post("/journal/new/", _entry_form(personas, CANARY))

    alert = Alert.objects.get(patient=personas.patient)
    assert alert.kind == "crisis_language" and alert.severity == "high"
    assert alert.title == "Crisis language in a private journal entry"
    assert [d.recipient for d in alert.deliveries.all()] == [personas.care_clinician]


def test_a_concern_entry_raises_a_low_priority_review_item_never_silent(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)

    response = client.post("/journal/new/", _entry_form(personas, f"Lately {CONCERN_CANARY}."))

    alert = Alert.objects.get(patient=personas.patient)
    assert alert.kind == "crisis_language" and alert.severity == "low"
    assert alert.title == "Warning signs to review in a private journal entry"
    assert CONCERN_CANARY not in alert.title
    assert [d.recipient for d in alert.deliveries.all()] == [personas.care_clinician]
    assert response["Location"].startswith("/help/?saved=")
    help_page = client.get(response["Location"]).content.decode()
    assert "things feel heavy right now" in help_page
    assert "safety plan" in help_page


def test_a_concern_check_in_note_raises_a_low_priority_review_item(personas: Personas) -> None:
    response = client_for(personas.patient).post("/check-in/", _check_in_form(CONCERN_CANARY))

    alert = Alert.objects.get(patient=personas.patient)
    assert alert.severity == "low"
    assert alert.title == "Warning signs to review in a check-in note"
    assert response["Location"] == "/help/"


def test_an_unflagged_entry_raises_nothing_and_goes_to_the_entry(personas: Personas) -> None:
    response = client_for(personas.patient).post(
        "/journal/new/", _entry_form(personas, "The sea was calm today.")
    )

    assert response["Location"].startswith("/journal/")
    assert not Alert.objects.exists()


def test_the_same_submission_twice_raises_one_alert(personas: Personas) -> None:
    client = client_for(personas.patient)
    form = _entry_form(personas, CANARY)

    first = client.post("/journal/new/", form)
    second = client.post("/journal/new/", form)

    assert Alert.objects.count() == 1
    assert first["Location"] == second["Location"]  # the crisis page both times


def test_editing_an_entry_into_crisis_language_alerts_but_resaving_it_does_not(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)
    url = f"/journal/{personas.entry.pk}/edit/"

    calm = client.post(url, _entry_form(personas, "Still calm."))
    flagged = client.post(url, _entry_form(personas, CANARY))
    resaved = client.post(url, _entry_form(personas, CANARY, tags="night"))

    assert calm["Location"].startswith("/journal/")
    assert flagged["Location"].startswith("/help/")
    assert resaved["Location"].startswith("/journal/")
    assert Alert.objects.count() == 1
    personas.entry.refresh_from_db()
    assert personas.entry.body == CANARY


def test_a_rolled_back_entry_leaves_no_alert(personas: Personas) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        journal.entry_create(
            patient=personas.patient,
            content=journal.EntryContent(kind="reflection", title="", body=CANARY, tags=[]),
            submission_id=uuid.uuid4(),
        )
        assert Alert.objects.count() == 1  # written in the same transaction as the entry
        raise RuntimeError("the request failed after the save")

    assert Entry.objects.filter(patient=personas.patient).count() == 1
    assert not Alert.objects.exists() and not AlertDelivery.objects.exists()


def test_if_the_detector_fails_the_entry_is_still_saved(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(text: str) -> StandInResult:
        raise ValueError(f"cannot read {text}")

    _use_detector(monkeypatch, broken)

    response = client_for(personas.patient).post("/journal/new/", _entry_form(personas, CANARY))

    assert response.status_code == 302
    assert Entry.objects.filter(patient=personas.patient).count() == 2
    assert "crisis language screening failed (ValueError)" in caplog.text
    assert CANARY not in caplog.text


# --- Check-in notes and intentions --------------------------------------------------------


def test_a_flagged_check_in_note_is_saved_and_alerts_without_the_note(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)

    response = client.post("/check-in/", _check_in_form(CANARY))

    assert response["Location"] == "/help/"
    assert CheckIn.objects.get(patient=personas.patient).note == CANARY
    alert = Alert.objects.get(patient=personas.patient)
    assert alert.title == "Crisis language in a check-in note"
    assert "they are not shown your note" in client.get("/help/").content.decode()


def test_updating_todays_check_in_with_the_same_note_does_not_alert_again(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)

    client.post("/check-in/", _check_in_form(CANARY))
    again = client.post("/check-in/", _check_in_form(CANARY) | {"mood": "3"})

    assert again["Location"] == "/check-in/"  # saved again quietly, not sent to the help page
    assert Alert.objects.count() == 1


def test_a_flagged_intention_is_saved_and_alerts(personas: Personas) -> None:
    session = personas.scheduled

    response = client_for(personas.patient).post(
        f"/sessions/{session.pk}/intention/", {"text": CANARY}
    )

    assert response["Location"] == "/help/"
    alert = Alert.objects.get(patient=personas.patient)
    assert alert.title == "Crisis language in an intention"
    session.refresh_from_db()
    assert session.intention.text == CANARY


def test_the_services_screen_without_any_view(personas: Personas) -> None:
    care.intention_save(session=personas.in_progress, text=CANARY)

    assert Alert.objects.get().title == "Crisis language in an intention"


# --- Never the words ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_canary_reaches_no_alert_email_log_or_clinician_page(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mail.outbox.clear()  # the personas' own set-up (a circle invitation) sends mail too
    patient = client_for(personas.patient)

    # The patient posts and closes the page: the redirect to the crisis page is never loaded.
    patient.post("/journal/new/", _entry_form(personas, f"{CANARY}, truly."))
    patient.post("/check-in/", _check_in_form(CANARY))
    patient.post(f"/sessions/{personas.scheduled.pk}/intention/", {"text": CANARY})

    alerts = list(Alert.objects.values())
    assert len(alerts) == 3
    # Committed with the writing, and already sent (the worker here runs tasks at once).
    assert set(AlertDelivery.objects.values_list("state", flat=True)) == {"sent"}
    assert len(mail.outbox) == 3
    clinician = client_for(personas.care_clinician)
    pages = [clinician.get("/alerts/").content.decode()] + [
        clinician.get(f"/alerts/{alert['id']}/").content.decode() for alert in alerts
    ]
    places = {
        "alerts": repr(alerts),
        "deliveries": repr(list(AlertDelivery.objects.values())),
        "e-mails": repr([(m.subject, m.body, m.extra_headers) for m in mail.outbox]),
        "logs": caplog.text,
        "clinician pages": "".join(pages),
    }
    for where, text in places.items():
        assert "lanternfish" not in text, where
    assert "Crisis language in a private journal entry" in places["clinician pages"]


def test_the_real_detector_is_the_one_the_hooks_use(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claywork.safety import screening

    _use_detector(monkeypatch, screening.screen_text)
    client = client_for(personas.patient)

    idiom = client.post("/journal/new/", _entry_form(personas, "This traffic is killing me."))
    crisis = client.post("/journal/new/", _entry_form(personas, "I want to kill myself tonight."))

    assert idiom["Location"].startswith("/journal/")
    assert crisis["Location"].startswith("/help/")
    assert Alert.objects.get().title == "Crisis language in a private journal entry"
