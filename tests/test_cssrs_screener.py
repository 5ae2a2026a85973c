"""The safety follow-up screener: six yes/no questions in the C-SSRS screener's structure.

Its definition (skip logic, risk rules) is data; a clinic turns it on; after a PHQ-9 with a
self-harm answer the crisis page comes first and offers it; answers at the high risk level
alert the care team once and show the crisis page again.
"""

from __future__ import annotations

import copy
import io
import json
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings
from django.utils import timezone
from fhirclient.models.bundle import Bundle

from claywork.accounts.models import User
from claywork.clinics.models import Clinic
from claywork.measures import export, follow_up, instruments, services
from claywork.measures.instruments import InstrumentError
from claywork.measures.models import ResponseStatus, ScaleResponse
from claywork.safety.models import Alert, AlertKind, Severity
from tests.conftest import Personas, client_for

SCREENER = "cssrs_screen"
SCREENER_URL = f"/scales/{SCREENER}/"
OFFER = "A few more questions for your care team"
NO, YES = 0, 1


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    instruments.registry.cache_clear()
    yield
    instruments.registry.cache_clear()


def screener() -> instruments.Instrument:
    return instruments.get_instrument(SCREENER)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _form(answers: dict[str, int], *, action: str = "submit", submission_id: Any = None) -> dict:
    return {"submission_id": str(submission_id or uuid.uuid4()), "action": action} | {
        f"item_{link_id}": str(value) for link_id, value in answers.items()
    }


def _phq9(item_9: int) -> dict:
    return _form(dict.fromkeys("12345678", 1) | {"9": item_9})


def _use_screener(patient: User, enabled: bool = True) -> None:
    Clinic.objects.filter(pk=patient.clinic_id).update(suicide_screener_enabled=enabled)


@pytest.fixture
def offered(personas: Personas) -> Client:
    """The patient's clinic uses the screener and the patient has just submitted a PHQ-9 with
    item 9 above zero; returns the patient's client."""
    _use_screener(personas.patient)
    client = client_for(personas.patient)
    assert client.post("/scales/phq9/", _phq9(item_9=1))["Location"] == "/help/"
    return client


# --- The definition ---------------------------------------------------------------------------


def test_the_screener_loads_as_a_follow_up_risk_screen_of_yes_no_questions() -> None:
    definition = screener()

    assert [item.link_id for item in definition.items] == ["1", "2", "3", "4", "5", "6", "6b"]
    assert [(option.value, option.text) for option in definition.answers] == [
        (0, "No"),
        (1, "Yes"),
    ]
    assert definition.is_risk_screen and definition.is_follow_up and definition.has_skip_logic
    assert [level.label for level in definition.levels] == [
        "High",
        "Moderate",
        "Low",
        "None reported",
    ]
    assert definition.licence == "free"
    assert "Claywork's own" in definition.licence_notice
    assert "C-SSRS" in definition.licence_notice


def test_the_skip_logic_asks_3_to_5_only_after_yes_to_2_and_6b_only_after_yes_to_6() -> None:
    by_link = {item.link_id: item for item in screener().items}

    assert [c.link_id for c in by_link["3"].enable_when] == ["2"]
    assert {by_link[n].enable_when for n in "345"} == {(instruments.Condition("2", YES),)}
    assert by_link["6b"].enable_when == (instruments.Condition("6", YES),)
    assert by_link["6b"].prefix == "6b"
    assert not by_link["6"].enable_when  # a "no" to 2 goes straight on to 6


def test_the_screener_is_never_scheduled_by_default() -> None:
    assert SCREENER not in settings.CLAYWORK_SCHEDULED_INSTRUMENTS
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "| `CLAYWORK_SCHEDULED_INSTRUMENTS` | `phq9,gad7` |" in readme


def test_scheduling_the_screener_fails_the_start_up_checks(fresh_registry: None) -> None:
    with (
        override_settings(CLAYWORK_SCHEDULED_INSTRUMENTS=["phq9", SCREENER]),
        pytest.raises(SystemCheckError, match=r"measures.E002.*'cssrs_screen' is a follow-up"),
    ):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


# --- Skip logic and scoring -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "missing"),
    [
        ({}, ["1", "2", "6"]),
        ({"1": NO, "2": NO}, ["6"]),
        ({"1": NO, "2": YES}, ["3", "4", "5", "6"]),
        ({"1": NO, "2": NO, "6": YES}, ["6b"]),
        ({"1": NO, "2": NO, "6": NO}, []),
    ],
)
def test_skipped_questions_are_not_missing(answers: dict[str, int], missing: list[str]) -> None:
    assert instruments.missing_items(screener(), answers) == missing


def test_answers_to_skipped_questions_are_dropped_and_not_scored() -> None:
    # A browser without the script shows every question: a "yes" to 4 after a "no" to 2.
    answers = {"1": YES, "2": NO, "3": YES, "4": YES, "5": YES, "6": NO, "6b": YES}

    assert instruments.asked_answers(screener(), answers) == {"1": YES, "2": NO, "6": NO}
    result = instruments.score(screener(), answers)
    assert (result.total, result.band, result.flags) == (1, "Low", ())


@pytest.mark.parametrize(
    ("answers", "level", "flags"),
    [
        ({"1": NO, "2": NO, "6": NO}, "None reported", ()),
        ({"1": YES, "2": NO, "6": NO}, "Low", ()),
        ({"1": YES, "2": YES, "3": NO, "4": NO, "5": NO, "6": NO}, "Low", ()),
        ({"1": YES, "2": YES, "3": YES, "4": NO, "5": NO, "6": NO}, "Moderate", ()),
        ({"1": NO, "2": NO, "6": YES, "6b": NO}, "Moderate", ()),  # behaviour, > 3 months ago
        ({"1": YES, "2": YES, "3": YES, "4": YES, "5": NO, "6": NO}, "High", ("self_harm",)),
        ({"1": YES, "2": YES, "3": NO, "4": NO, "5": YES, "6": NO}, "High", ("self_harm",)),
        ({"1": NO, "2": NO, "6": YES, "6b": YES}, "High", ("self_harm",)),  # past 3 months
    ],
)
def test_the_risk_rules_give_the_highest_level_any_answer_reaches(
    answers: dict[str, int], level: str, flags: tuple[str, ...]
) -> None:
    result = instruments.score(screener(), answers)

    assert (result.band, result.flags) == (level, flags)
    assert result.total == sum(answers[link_id] for link_id in answers)


def test_a_high_risk_answer_flags_a_half_finished_screener() -> None:
    assert instruments.safety_flags(screener(), {"1": YES, "2": YES, "4": YES}) == ("self_harm",)
    assert instruments.safety_flags(screener(), {"1": YES, "2": YES, "3": YES}) == ()
    assert instruments.safety_flags(screener(), {}) == ()


def test_the_phq9_keeps_its_scoring() -> None:
    phq9 = instruments.get_instrument("phq9")
    result = instruments.score(phq9, dict.fromkeys("12345678", 3) | {"9": 1})

    assert (result.total, result.band, result.flags) == (25, "Severe", ("self_harm",))
    assert not phq9.has_skip_logic and not phq9.is_follow_up and not phq9.is_risk_screen
    assert instruments.missing_items(phq9, {}) == [str(n) for n in range(1, 10)]


def test_the_score_command_takes_a_dash_for_a_skipped_question() -> None:
    out = io.StringIO()
    call_command("score", SCREENER, "1", "0", "-", "-", "-", "1", "1", stdout=out)

    assert json.loads(out.getvalue()) == {
        "instrument": SCREENER,
        "total": 3,
        "band": "High",
        "flags": ["self_harm"],
    }


# --- Definitions that must fail at load ------------------------------------------------------


def _risk_screen() -> dict[str, Any]:
    """A small valid clinic risk screen that each test breaks in one place."""
    return {
        "code": "calm-screen",
        "version": "1",
        "title": "Calm screen",
        "name": "Fictional Calm Screen",
        "administration": "follow_up",
        "licence": {"redistribution": "restricted"},
        "stem": "In the past week:",
        "answers": [{"value": 0, "text": "No"}, {"value": 1, "text": "Yes"}],
        "items": [
            {"link_id": "a", "text": "Restless?"},
            {"link_id": "b", "text": "All night?", "enable_when": {"link_id": "a", "answer": 1}},
            {"link_id": "c", "text": "Afraid?"},
        ],
        "scoring": {
            "method": "risk_screen",
            "levels": [
                {"label": "High", "flag": "check", "when": [{"link_id": "b", "answer": 1}]},
                {"label": "Some", "when": {"link_id": "c", "answer": 1}},
                {"label": "None"},
            ],
        },
    }


def _unknown_link(data: dict[str, Any]) -> None:
    data["items"][1]["enable_when"] = {"link_id": "zz", "answer": 1}


def _later_link(data: dict[str, Any]) -> None:
    data["items"][1]["enable_when"] = [{"link_id": "a", "answer": 1}, {"link_id": "c", "answer": 1}]


def _own_link(data: dict[str, Any]) -> None:
    data["items"][1]["enable_when"] = {"link_id": "b", "answer": 1}


def _answer_not_an_option(data: dict[str, Any]) -> None:
    data["items"][1]["enable_when"] = {"link_id": "a", "answer": 2}


def _condition_without_answer(data: dict[str, Any]) -> None:
    data["items"][1]["enable_when"] = [{"link_id": "a"}]


def _empty_condition_list(data: dict[str, Any]) -> None:
    data["items"][1]["enable_when"] = []


def _level_names_unknown_item(data: dict[str, Any]) -> None:
    data["scoring"]["levels"][1]["when"] = {"link_id": "d", "answer": 1}


def _level_without_when(data: dict[str, Any]) -> None:
    del data["scoring"]["levels"][0]["when"]


def _last_level_with_when(data: dict[str, Any]) -> None:
    data["scoring"]["levels"][2]["when"] = {"link_id": "c", "answer": 0}


def _risk_screen_with_bands(data: dict[str, Any]) -> None:
    data["scoring"]["bands"] = [{"min": 0, "max": 3, "label": "All"}]


def _duplicate_level(data: dict[str, Any]) -> None:
    data["scoring"]["levels"][1]["label"] = "High"


def _unknown_administration(data: dict[str, Any]) -> None:
    data["administration"] = "sometimes"


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (_unknown_link, "calm-screen.json items[1] enable_when: unknown link_id 'zz'"),
        (_later_link, "calm-screen.json items[1] enable_when[1]: link_id 'c' is not an earlier"),
        (_own_link, "calm-screen.json items[1] enable_when: link_id 'b' is not an earlier item"),
        (_answer_not_an_option, "calm-screen.json items[1] enable_when: answer 2 is not one of"),
        (_condition_without_answer, "calm-screen.json items[1] enable_when[0]: missing field"),
        (_empty_condition_list, "calm-screen.json items[1] enable_when: must name at least one"),
        (_level_names_unknown_item, "calm-screen.json scoring.levels[1] when: unknown link_id 'd'"),
        (_level_without_when, "calm-screen.json scoring.levels[0]: missing field 'when'"),
        (_last_level_with_when, "calm-screen.json scoring.levels[2]: the last level is the one"),
        (_risk_screen_with_bands, "calm-screen.json: scoring.bands is for method 'sum'"),
        (_duplicate_level, "calm-screen.json: scoring.levels must have distinct labels"),
        (_unknown_administration, "calm-screen.json: administration must be one of"),
    ],
)
def test_a_broken_skip_rule_or_risk_rule_fails_at_load_naming_file_and_field(
    tmp_path: Path, breakage: Any, message: str
) -> None:
    data = copy.deepcopy(_risk_screen())
    breakage(data)
    path = tmp_path / "calm-screen.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(InstrumentError) as raised:
        instruments.load_instrument_file(path, shipped=False)
    assert message in str(raised.value)


def test_a_valid_clinic_risk_screen_loads_and_scores(tmp_path: Path) -> None:
    path = tmp_path / "calm-screen.json"
    path.write_text(json.dumps(_risk_screen()), encoding="utf-8")
    screen = instruments.load_instrument_file(path, shipped=False)

    assert instruments.score(screen, {"a": 0, "c": 1}).band == "Some"
    assert instruments.score(screen, {"a": 1, "b": 1, "c": 0}).flags == ("check",)
    assert instruments.score(screen, {"a": 0, "c": 0}).band == "None"


def test_a_broken_enable_when_in_a_clinic_directory_stops_start_up(
    tmp_path: Path, fresh_registry: None
) -> None:
    data = _risk_screen()
    _unknown_link(data)
    (tmp_path / "calm-screen.json").write_text(json.dumps(data), encoding="utf-8")

    with override_settings(CLAYWORK_INSTRUMENT_DIRS=[str(tmp_path)]):
        instruments.registry.cache_clear()
        with pytest.raises(SystemCheckError, match=r"calm-screen.json items\[1\] enable_when"):
            call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


# --- The flow: clinic setting off -------------------------------------------------------------


def test_with_the_setting_off_a_self_harm_answer_shows_the_crisis_page_without_the_offer(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)

    submitted = client.post("/scales/phq9/", _phq9(item_9=2))

    assert submitted["Location"] == "/help/"
    help_page = _text(client.get("/help/"))
    assert "988" in help_page
    assert OFFER not in help_page
    assert client.get(SCREENER_URL).status_code == 404
    assert SCREENER_URL not in _text(client.get("/scales/"))


def test_the_screener_is_never_listed_among_the_questionnaires(personas: Personas) -> None:
    _use_screener(personas.patient)

    page = _text(client_for(personas.patient).get("/scales/"))

    assert "Other questionnaires" in page
    assert SCREENER_URL not in page


# --- The flow: clinic setting on --------------------------------------------------------------


def test_with_the_setting_on_the_crisis_page_comes_first_and_offers_the_screener(
    offered: Client,
) -> None:
    help_page = _text(offered.get("/help/"))

    assert "Thank you for answering honestly." in help_page  # the PHQ-9 message
    assert help_page.index("988") < help_page.index(OFFER)  # resources first, then the offer
    assert f'href="{SCREENER_URL}"' in help_page
    assert SCREENER_URL in _text(offered.get("/scales/"))  # also due, until answered
    assert SCREENER_URL in _text(offered.get("/"))


def test_the_screener_page_carries_its_skip_logic(offered: Client) -> None:
    page = _text(offered.get(SCREENER_URL))

    assert page.count('data-enable-when="item_2=1"') == 3
    assert page.count('data-enable-when="item_6=1"') == 1
    assert "Only if your answer to question 2 was “Yes”." in page
    assert '<span class="item-number">6b.</span>' in page
    assert "claywork/skip-logic" in page
    assert "skip-logic" not in _text(offered.get("/scales/phq9/"))


def test_no_offer_without_a_self_harm_answer(personas: Personas) -> None:
    _use_screener(personas.patient)
    client = client_for(personas.patient)

    client.post("/scales/phq9/", _phq9(item_9=0))

    assert OFFER not in _text(client.get("/help/"))
    assert client.get(SCREENER_URL).status_code == 404


def test_a_low_risk_screener_thanks_the_patient_and_ends_the_offer(
    personas: Personas, offered: Client
) -> None:
    alerts_before = Alert.objects.count()

    submitted = offered.post(SCREENER_URL, _form({"1": YES, "2": NO, "6": NO}))

    response = ScaleResponse.objects.get(patient=personas.patient, instrument=SCREENER)
    assert submitted["Location"] == f"/scales/responses/{response.pk}/"
    assert (response.status, response.band, response.flags) == (ResponseStatus.COMPLETE, "Low", [])
    assert Alert.objects.count() == alerts_before
    assert OFFER not in _text(offered.get("/help/"))
    assert SCREENER_URL not in _text(offered.get("/scales/"))
    detail = _text(offered.get(submitted["Location"]))
    assert "Your answers are with your care team" in detail
    assert "Risk level" not in detail  # a triage level is for the care team
    assert "Not asked (skipped)" in detail


def test_a_high_risk_screener_alerts_the_care_team_once_and_shows_the_crisis_page_again(
    personas: Personas, offered: Client
) -> None:
    answers = {"1": YES, "2": YES, "3": YES, "4": YES, "5": NO, "6": NO}
    form = _form(answers)

    first = offered.post(SCREENER_URL, form)
    again = offered.post(SCREENER_URL, form)  # a double click, a retried request

    assert first["Location"] == again["Location"] == "/help/"
    response = ScaleResponse.objects.get(patient=personas.patient, instrument=SCREENER)
    assert (response.band, response.flags) == ("High", ["self_harm"])
    alert = Alert.objects.get(dedupe_key=f"self-harm:{response.pk}")
    assert (alert.kind, alert.severity) == (AlertKind.SELF_HARM_ANSWER, Severity.HIGH)
    assert alert.title == "Safety follow-up: answers at the high risk level"
    # One for the PHQ-9's item 9, one for the screener: nothing twice.
    assert Alert.objects.filter(patient=personas.patient).count() == 2
    help_page = _text(offered.get("/help/"))
    assert "Your care team has been alerted and will reach out." in help_page
    assert OFFER not in help_page


def test_a_high_risk_answer_saved_for_later_alerts_at_once_and_only_once(
    personas: Personas, offered: Client
) -> None:
    submission = uuid.uuid4()
    saved = offered.post(
        SCREENER_URL,
        _form({"1": YES, "2": YES, "5": YES}, action="save", submission_id=submission),
    )
    assert saved["Location"] == "/help/"
    response = ScaleResponse.objects.get(patient=personas.patient, instrument=SCREENER)
    assert Alert.objects.filter(dedupe_key=f"self-harm:{response.pk}").count() == 1
    help_page = _text(offered.get("/help/"))
    assert "Continue the questions" in help_page

    offered.post(
        SCREENER_URL,
        _form({"3": NO, "4": NO, "6": NO}, submission_id=submission),
    )

    response.refresh_from_db()
    assert (response.status, response.band) == (ResponseStatus.COMPLETE, "High")
    assert Alert.objects.filter(dedupe_key=f"self-harm:{response.pk}").count() == 1


def test_answers_to_questions_the_skip_logic_leaves_out_are_dropped(
    personas: Personas, offered: Client
) -> None:
    offered.post(SCREENER_URL, _form({"1": NO, "2": NO, "3": YES, "4": YES, "6": NO, "6b": YES}))

    response = ScaleResponse.objects.get(patient=personas.patient, instrument=SCREENER)
    assert services.response_answers(response) == {"1": NO, "2": NO, "6": NO}
    assert (response.band, response.flags) == ("None reported", [])


def test_changing_an_answer_to_no_drops_the_saved_answers_that_followed_it(
    personas: Personas, offered: Client
) -> None:
    submission = uuid.uuid4()
    offered.post(
        SCREENER_URL,
        _form({"1": YES, "2": YES, "3": YES}, action="save", submission_id=submission),
    )
    # The script hides 3-5 once 2 is "no", so the browser no longer sends them.
    offered.post(SCREENER_URL, _form({"2": NO, "6": NO}, submission_id=submission))

    response = ScaleResponse.objects.get(patient=personas.patient, instrument=SCREENER)
    assert services.response_answers(response) == {"1": YES, "2": NO, "6": NO}
    assert response.band == "Low"


def test_a_missing_answer_names_only_questions_that_are_asked(offered: Client) -> None:
    page = offered.post(SCREENER_URL, _form({"1": NO, "2": NO, "6": YES}))

    assert page.status_code == 400
    assert "Still to answer: question 6b." in _text(page)


def test_the_offer_ends_after_its_days(personas: Personas, offered: Client) -> None:
    ScaleResponse.objects.filter(patient=personas.patient, instrument="phq9").update(
        completed_at=timezone.now() - timedelta(days=follow_up.OFFER_DAYS, minutes=1)
    )

    assert OFFER not in _text(offered.get("/help/"))
    assert offered.get(SCREENER_URL).status_code == 404


def test_turning_the_setting_off_withdraws_the_offer(personas: Personas, offered: Client) -> None:
    _use_screener(personas.patient, enabled=False)

    assert OFFER not in _text(offered.get("/help/"))
    assert offered.get(SCREENER_URL).status_code == 404


def test_only_the_patient_sees_the_offer(personas: Personas, offered: Client) -> None:
    for person in (personas.care_clinician, personas.other_patient, None):
        assert OFFER not in _text(client_for(person).get("/help/"))


# --- What the care team sees ------------------------------------------------------------------


def test_the_care_team_sees_the_risk_level_and_the_progress_page_does_not_chart_it(
    personas: Personas, offered: Client
) -> None:
    offered.post(SCREENER_URL, _form({"1": YES, "2": YES, "3": YES, "4": NO, "5": NO, "6": NO}))
    response = ScaleResponse.objects.get(patient=personas.patient, instrument=SCREENER)
    clinician = client_for(personas.care_clinician)

    detail = _text(clinician.get(f"/scales/responses/{response.pk}/"))
    progress = _text(clinician.get(f"/patients/{personas.patient.pk}/progress/"))
    own_progress = _text(offered.get(f"/patients/{personas.patient.pk}/progress/"))

    assert "Risk level: Moderate" in detail
    assert "Safety follow-ups" in progress and "<td>Moderate</td>" in progress
    assert "chart-cssrs_screen-data" not in progress
    assert "Safety follow-ups" in own_progress and "<td>Moderate</td>" not in own_progress


def test_the_fhir_export_carries_the_skip_logic_and_the_risk_level(
    personas: Personas, offered: Client
) -> None:
    offered.post(SCREENER_URL, _form({"1": NO, "2": NO, "6": YES, "6b": YES}))

    bundle = export.fhir_bundle(personas.patient)

    Bundle(json.loads(json.dumps(bundle)))  # a valid FHIR R4 Bundle
    resources = [entry["resource"] for entry in bundle["entry"]]
    questionnaire = next(
        r
        for r in resources
        if r["resourceType"] == "Questionnaire" and r["url"].endswith(f"/{SCREENER}")
    )
    question_6b = questionnaire["item"][6]
    assert question_6b["prefix"] == "6b"
    assert question_6b["enableWhen"][0]["question"] == "6"
    assert question_6b["enableWhen"][0]["answerCoding"]["code"] == "LA33-6"
    level = next(
        r
        for r in resources
        if r["resourceType"] == "Observation" and r["code"]["text"].endswith("risk level")
    )
    assert level["valueCodeableConcept"] == {"text": "High"}


# --- The clinic setting -----------------------------------------------------------------------


def test_the_clinic_admin_turns_the_screener_on_and_off(personas: Personas) -> None:
    admin = client_for(personas.clinic_admin)
    clinic_id = personas.clinic_admin.clinic_id

    assert 'href="/clinic/settings/"' in _text(admin.get("/clinic/people/"))
    page = _text(admin.get("/clinic/settings/"))
    assert "Offer the suicide-risk follow-up screener" in page

    on = admin.post("/clinic/settings/", {"suicide_screener_enabled": "on"})
    assert on["Location"] == "/clinic/settings/"
    assert Clinic.objects.get(pk=clinic_id).suicide_screener_enabled
    assert "checked" in _text(admin.get("/clinic/settings/"))

    admin.post("/clinic/settings/", {})
    assert not Clinic.objects.get(pk=clinic_id).suicide_screener_enabled


def test_a_clinic_starts_without_the_screener(personas: Personas) -> None:
    assert not Clinic.objects.get(pk=personas.patient.clinic_id).suicide_screener_enabled


def test_only_the_admin_sees_the_settings_link(personas: Personas) -> None:
    for person in (personas.patient, personas.care_clinician):
        assert 'href="/clinic/settings/"' not in _text(client_for(person).get("/help/"))
    assert 'href="/clinic/settings/"' in _text(client_for(personas.clinic_admin).get("/help/"))
