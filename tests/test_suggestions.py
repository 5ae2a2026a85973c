"""Suggestions: a care-team clinician suggests a reflection prompt or a goal; the patient sees
it, accepts (a goal is created, a prompt opens the journal form) or declines with an optional
reason, and the clinician sees the outcome. Idempotent and audited."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from claywork.audit.models import AuditEvent
from claywork.care import services
from claywork.care.models import Suggestion, SuggestionStatus
from claywork.journal.models import Draft, Prompt
from claywork.journal.views import new_entry_draft_key
from claywork.practice.models import Goal
from tests.conftest import Personas, client_for

GOAL_TITLE = "Ten minutes of drawing after dinner"
OWN_PROMPT = "What did the music in the session ask of you?"
REASON = "Evenings are for my daughter right now."


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _goal_form(**extra: str) -> dict[str, str]:
    return {
        "kind": "goal",
        "goal_title": GOAL_TITLE,
        "realm": "work_play",
        "cadence": "weekly",
        "per_week": "3",
        "submission_id": str(uuid.uuid4()),
    } | extra


def _suggest_goal(personas: Personas) -> Suggestion:
    suggestion, _ = services.suggestion_make(
        patient=personas.patient,
        clinician=personas.care_clinician,
        submission_id=uuid.uuid4(),
        goal=services.SuggestedGoal(GOAL_TITLE, "work_play", "weekly", 3),
    )
    return suggestion


def _suggest_prompt(personas: Personas, **what: Any) -> Suggestion:
    suggestion, _ = services.suggestion_make(
        patient=personas.patient,
        clinician=personas.care_clinician,
        submission_id=uuid.uuid4(),
        **what,
    )
    return suggestion


def _created_goal_id(suggestion: Suggestion) -> int:
    suggestion.refresh_from_db()
    assert suggestion.goal_id is not None
    return suggestion.goal_id


def test_a_clinician_suggests_a_goal_and_the_patient_accepts_it(personas: Personas) -> None:
    p = personas
    clinician = client_for(p.care_clinician)

    made = clinician.post(f"/patients/{p.patient.pk}/suggestions/", _goal_form())
    suggestion = Suggestion.objects.get()
    patient_page = _text(client_for(p.patient).get("/suggestions/"))
    accepted = client_for(p.patient).post(f"/suggestions/{suggestion.pk}/accept/")

    assert made.status_code == 302
    assert GOAL_TITLE not in suggestion.words_sealed  # sealed
    assert GOAL_TITLE in patient_page and "Add this goal" in patient_page
    assert "Work/play balance" in patient_page and "3 times a week" in patient_page
    assert accepted.status_code == 302 and accepted["Location"] == "/plan/"
    goal = Goal.objects.get(pk=_created_goal_id(suggestion), patient=p.patient)
    assert (goal.title, goal.realm, goal.cadence, goal.per_week) == (
        GOAL_TITLE,
        "work_play",
        "weekly",
        3,
    )
    outcome = _text(clinician.get(f"/patients/{p.patient.pk}/suggestions/"))
    assert "Accepted" in outcome and GOAL_TITLE in outcome


def test_accepting_twice_creates_one_goal(personas: Personas) -> None:
    suggestion = _suggest_goal(personas)
    client = client_for(personas.patient)
    goals_before = Goal.objects.filter(patient=personas.patient).count()

    client.post(f"/suggestions/{suggestion.pk}/accept/")
    client.post(f"/suggestions/{suggestion.pk}/accept/")
    services.suggestion_accept(suggestion=Suggestion.objects.get(pk=suggestion.pk))

    assert Goal.objects.filter(patient=personas.patient).count() == goals_before + 1
    assert Suggestion.objects.get(pk=suggestion.pk).status == SuggestionStatus.ACCEPTED


def test_a_double_submitted_suggestion_is_made_once(personas: Personas) -> None:
    client = client_for(personas.care_clinician)
    form = _goal_form()

    client.post(f"/patients/{personas.patient.pk}/suggestions/", form)
    client.post(f"/patients/{personas.patient.pk}/suggestions/", form)

    assert Suggestion.objects.count() == 1


def test_accepting_a_library_prompt_opens_the_journal_form_with_it(personas: Personas) -> None:
    prompt = Prompt.objects.filter(is_active=True).first()
    assert prompt is not None
    suggestion = _suggest_prompt(personas, prompt=prompt)
    client = client_for(personas.patient)

    response = client.post(f"/suggestions/{suggestion.pk}/accept/")

    assert response["Location"] == f"/journal/new/?prompt={prompt.pk}"
    assert prompt.text in _text(client.get(response["Location"]))


def test_accepting_a_prompt_in_own_words_opens_the_form_with_it_as_the_title(
    personas: Personas,
) -> None:
    suggestion = _suggest_prompt(personas, prompt_words=OWN_PROMPT)
    client = client_for(personas.patient)

    response = client.post(f"/suggestions/{suggestion.pk}/accept/")

    assert response["Location"] == "/journal/new/"
    form_page = client.get("/journal/new/").content.decode()
    assert 'value="What did the music in the session ask of you?"' in form_page


def test_an_unsaved_new_entry_is_never_overwritten_by_a_suggested_prompt(
    personas: Personas,
) -> None:
    from claywork.journal import services as journal

    key = new_entry_draft_key(None, None)
    journal.draft_save(patient=personas.patient, draft_key=key, fields={"body": "my own words"})
    suggestion = _suggest_prompt(personas, prompt_words=OWN_PROMPT)

    response = client_for(personas.patient).post(
        f"/suggestions/{suggestion.pk}/accept/", follow=True
    )

    draft = Draft.objects.get(patient=personas.patient, draft_key=key)
    assert json.loads(draft.content) == {"body": "my own words"}
    assert "you have not saved yet" in _text(response)


def test_the_patient_declines_with_a_reason_the_clinician_sees(personas: Personas) -> None:
    suggestion = _suggest_goal(personas)
    patient = client_for(personas.patient)

    patient.post(f"/suggestions/{suggestion.pk}/decline/", {"reason": REASON})
    patient.post(f"/suggestions/{suggestion.pk}/decline/", {"reason": "changed my mind"})
    patient.post(f"/suggestions/{suggestion.pk}/accept/")

    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DECLINED and suggestion.decided_at is not None
    assert suggestion.decline_reason == REASON and REASON not in suggestion.decline_reason_sealed
    assert not Goal.objects.filter(patient=personas.patient, pk=suggestion.goal_id or 0).exists()
    outcome = _text(
        client_for(personas.care_clinician).get(f"/patients/{personas.patient.pk}/suggestions/")
    )
    assert "Declined" in outcome and REASON in outcome


def test_declining_without_a_reason_is_fine(personas: Personas) -> None:
    suggestion = _suggest_goal(personas)

    client_for(personas.patient).post(f"/suggestions/{suggestion.pk}/decline/", {})

    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.decline_reason) == (SuggestionStatus.DECLINED, "")


@pytest.mark.parametrize(
    "role", ["outside_clinician", "other_clinic_clinician", "clinic_admin", "support_person"]
)
def test_only_the_care_team_suggests(personas: Personas, role: str) -> None:
    client = client_for(personas.role(role))

    page = client.get(f"/patients/{personas.patient.pk}/suggestions/")
    posted = client.post(f"/patients/{personas.patient.pk}/suggestions/", _goal_form())

    assert (page.status_code, posted.status_code) == (404, 404)
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("role", ["other_patient", "care_clinician", "support_person"])
def test_only_the_patient_answers_their_suggestion(personas: Personas, role: str) -> None:
    suggestion = _suggest_goal(personas)
    client = client_for(personas.role(role))

    assert client.post(f"/suggestions/{suggestion.pk}/accept/").status_code == 404
    assert client.post(f"/suggestions/{suggestion.pk}/decline/").status_code == 404
    assert Suggestion.objects.get(pk=suggestion.pk).is_pending
    assert GOAL_TITLE not in _text(client.get("/suggestions/"))


def test_a_prompt_suggestion_needs_exactly_one_prompt(personas: Personas) -> None:
    prompt = Prompt.objects.filter(is_active=True).first()
    assert prompt is not None
    client = client_for(personas.care_clinician)
    url = f"/patients/{personas.patient.pk}/suggestions/"
    base = {"kind": "prompt", "submission_id": str(uuid.uuid4())}

    neither = client.post(url, base)
    both = client.post(url, base | {"prompt": str(prompt.pk), "prompt_words": OWN_PROMPT})
    no_goal_title = client.post(url, _goal_form(goal_title=""))

    assert (neither.status_code, both.status_code, no_goal_title.status_code) == (400, 400, 400)
    assert "one of the two" in _text(neither)
    assert not Suggestion.objects.exists()


def test_the_clinicians_reads_and_writes_are_audited_without_the_words(
    personas: Personas,
) -> None:
    p = personas
    client = client_for(p.care_clinician)

    client.post(f"/patients/{p.patient.pk}/suggestions/", _goal_form())
    client.get(f"/patients/{p.patient.pk}/suggestions/")

    events = AuditEvent.objects.filter(resource="care.suggestion").order_by("pk")
    assert [(e.actor_id, e.patient_id, e.action) for e in events] == [
        (p.care_clinician.pk, p.patient.pk, "write"),
        (p.care_clinician.pk, p.patient.pk, "read"),
    ]
    assert not any(GOAL_TITLE in str(row) for row in AuditEvent.objects.values_list())


def test_the_care_record_links_to_suggestions(personas: Personas) -> None:
    page = _text(client_for(personas.care_clinician).get(f"/patients/{personas.patient.pk}/"))

    assert f"/patients/{personas.patient.pk}/suggestions/" in page
