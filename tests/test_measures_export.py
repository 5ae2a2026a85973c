"""Exports of a patient's scores: the FHIR R4 Bundle, the CSV, and who may download them.

Every exported resource is parsed by ``fhirclient``'s R4 (4.0.1) models in strict mode, so a
wrong type, an unknown element or a missing required one fails the test. The fixtures are
Claywork's own answers, not the published SDC examples.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhirclient.models.bundle import Bundle
from fhirclient.models.codesystem import CodeSystem
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient
from fhirclient.models.questionnaire import Questionnaire
from fhirclient.models.questionnaireresponse import QuestionnaireResponse

from claywork.accounts.models import User
from claywork.measures import export, services
from claywork.measures.models import ScaleResponse
from tests import factories
from tests.conftest import Personas, client_for

LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
FHIR_MODELS = {
    "CodeSystem": CodeSystem,
    "Patient": Patient,
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
}
PHQ9_ANSWERS = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
JOURNAL_TEXT = "I noticed the ocean again."  # the personas' journal entry
CHECK_IN_NOTE = "Slept at my sister's; dreamt of lanterns."


def complete(patient: User, code: str, answers: list[int], at: datetime) -> ScaleResponse:
    """A completed response to ``code``, answers in item order, completed at ``at`` (UTC)."""
    response = services.response_start(
        patient=patient, instrument_code=code, submission_id=uuid.uuid4()
    )
    by_item = {str(number): value for number, value in enumerate(answers, start=1)}
    response = services.response_submit(response=response, answers=by_item)
    ScaleResponse.objects.filter(pk=response.pk).update(completed_at=at)
    response.refresh_from_db()
    return response


def started(patient: User, code: str, answers: dict[str, int]) -> ScaleResponse:
    response = services.response_start(
        patient=patient, instrument_code=code, submission_id=uuid.uuid4()
    )
    return services.response_save_answers(response=response, answers=answers)


def check_in(patient: User, day: str, *, mood: int = 6, note: str = "") -> None:
    services.check_in_save(
        patient=patient,
        day=datetime.fromisoformat(day).date(),
        values=services.CheckInValues(
            mood=mood, anxiety=3, energy=5, sleep_hours=Decimal("7.5"), note=note
        ),
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def scored(personas: Personas) -> dict[str, ScaleResponse]:
    """The patient (New York) with PHQ-9, GAD-7 and PCL-5 results, check-ins, and a draft."""
    patient = personas.patient
    responses = {
        "phq9_baseline": complete(
            patient, "phq9", [2, 2, 3, 2, 1, 2, 2, 1, 1], at("2025-03-03T15:00")
        ),
        # 03:30 UTC is still the evening before in New York.
        "phq9_later": complete(
            patient, "phq9", [0, 1, 2, 3, 0, 1, 2, 3, 0], at("2025-03-11T03:30")
        ),
        "gad7": complete(patient, "gad7", [1, 1, 2, 0, 1, 3, 2], at("2025-03-04T16:00")),
        "pcl5": complete(patient, "pcl5", [2] * 10 + [1] * 10, at("2025-03-05T17:00")),
    }
    started(patient, "phq9", {"1": 3, "2": 3})
    check_in(patient, "2025-03-02", mood=4, note=CHECK_IN_NOTE)
    check_in(patient, "2025-03-03", mood=7)
    return responses


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_full_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def validate(bundle: dict[str, Any]) -> None:
    """Strict R4 parsing of the bundle and of every resource in it, by its own class."""
    Bundle(json.loads(json.dumps(bundle)), strict=True)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        FHIR_MODELS[resource["resourceType"]](resource, strict=True)


def ordinal(coding: dict[str, Any]) -> float:
    (weight,) = [e["valueDecimal"] for e in coding["extension"] if e["url"] == ORDINAL_VALUE]
    return weight


# --- FHIR -------------------------------------------------------------------------------------


def test_every_exported_resource_is_valid_fhir_r4(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    bundle = export.fhir_bundle(personas.patient)

    validate(bundle)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds.count("Patient") == 1
    assert kinds.count("CodeSystem") == 1
    assert kinds.count("Questionnaire") == 3
    assert kinds.count("QuestionnaireResponse") == 4
    # A total for each response, and item 9 of each PHQ-9 on its own.
    assert kinds.count("Observation") == 4 + 2


def test_full_urls_are_unique_uuids_and_repeated_exports_are_identical(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    first = export.fhir_bundle(personas.patient)
    second = export.fhir_bundle(personas.patient)

    assert json.dumps(first) == json.dumps(second)
    urls = [entry["fullUrl"] for entry in first["entry"]]
    assert len(set(urls)) == len(urls)
    for entry in first["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{uuid.UUID(entry['resource']['id'])}"


def test_phq9_questionnaire_carries_its_loinc_codes_and_answer_weights(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    bundle = export.fhir_bundle(personas.patient)
    (phq9,) = [q for q in resources(bundle, "Questionnaire") if q["url"].endswith("/phq9")]

    assert phq9["status"] == "active"
    assert phq9["version"] == "1"
    assert phq9["code"] == [{"system": LOINC, "code": "44249-1"}]
    assert [item["linkId"] for item in phq9["item"]] == [str(n) for n in range(1, 11)]
    assert [item["required"] for item in phq9["item"]] == [True] * 9 + [False]
    difficulty = phq9["item"][9]
    assert difficulty["code"] == [{"system": LOINC, "code": "69722-7"}]
    assert [o["valueCoding"]["code"] for o in difficulty["answerOption"]] == [
        "LA6572-7",
        "LA6573-5",
        "LA6575-0",
        "LA6574-3",
    ]
    item9 = phq9["item"][8]
    assert item9["code"] == [{"system": LOINC, "code": "44260-8"}]
    assert item9["text"].startswith("Thoughts that you would be better off dead")
    codings = [option["valueCoding"] for option in item9["answerOption"]]
    assert [(c["system"], c["code"]) for c in codings] == [(LOINC, la) for la in PHQ9_ANSWERS]
    assert [ordinal(c) for c in codings] == [0, 1, 2, 3]
    assert codings[0]["display"] == "Not at all"


def test_gad7_questionnaire_and_total_use_their_loinc_codes(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    bundle = export.fhir_bundle(personas.patient)
    (gad7,) = [q for q in resources(bundle, "Questionnaire") if q["url"].endswith("/gad7")]
    totals = {o["code"]["coding"][0]["code"]: o for o in resources(bundle, "Observation")}

    assert gad7["code"] == [{"system": LOINC, "code": "69737-5"}]
    assert gad7["item"][0]["code"] == [{"system": LOINC, "code": "69725-0"}]
    first_answer = gad7["item"][0]["answerOption"][0]["valueCoding"]
    assert (first_answer["code"], first_answer["display"]) == ("LA6568-5", "Not at all")
    assert totals["70274-6"]["valueInteger"] == 10
    assert totals["70274-6"]["interpretation"] == [{"text": "Moderate"}]


def test_total_observation_is_derived_from_its_questionnaire_response(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    bundle = export.fhir_bundle(personas.patient)
    entries = by_full_url(bundle)
    (patient_url,) = [url for url, r in entries.items() if r["resourceType"] == "Patient"]
    phq9_totals = [
        o for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "44261-6"
    ]

    assert [o["valueInteger"] for o in phq9_totals] == [16, 12]
    later = phq9_totals[1]
    assert later["status"] == "final"
    assert later["category"][0]["coding"][0]["code"] == "survey"
    assert later["code"]["coding"] == [{"system": LOINC, "code": "44261-6"}]
    assert later["interpretation"] == [{"text": "Moderate"}]
    assert later["effectiveDateTime"] == "2025-03-10T23:30:00-04:00"  # the patient's zone
    assert later["subject"] == {"reference": patient_url}
    (derived,) = later["derivedFrom"]
    source = entries[derived["reference"]]
    assert source["resourceType"] == "QuestionnaireResponse"
    assert source["authored"] == later["effectiveDateTime"]


def test_every_observation_points_to_a_response_in_the_bundle(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    bundle = export.fhir_bundle(personas.patient)
    entries = by_full_url(bundle)

    for observation in resources(bundle, "Observation"):
        (derived,) = observation["derivedFrom"]
        assert entries[derived["reference"]]["resourceType"] == "QuestionnaireResponse"


def test_questionnaire_response_holds_the_answers_and_rescores_from_the_bundle_alone(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    bundle = export.fhir_bundle(personas.patient)
    questionnaire_urls = {q["url"] + "|" + q["version"] for q in resources(bundle, "Questionnaire")}
    entries = by_full_url(bundle)

    totals = [o for o in resources(bundle, "Observation") if "valueInteger" in o]
    assert len(totals) == 4
    for observation in totals:
        response = entries[observation["derivedFrom"][0]["reference"]]
        assert response["status"] == "completed"
        assert response["questionnaire"] in questionnaire_urls
        assert entries[response["subject"]["reference"]]["resourceType"] == "Patient"
        weights = [ordinal(item["answer"][0]["valueCoding"]) for item in response["item"]]
        assert sum(weights) == observation["valueInteger"]
    later = entries[
        next(o["derivedFrom"][0]["reference"] for o in totals if o["valueInteger"] == 12)
    ]
    item9 = later["item"][8]
    assert item9["linkId"] == "9"
    assert item9["answer"][0]["valueCoding"]["code"] == "LA6568-5"
    assert later["item"][3]["answer"][0]["valueCoding"]["code"] == "LA6571-9"


def test_pcl5_total_and_clusters_use_the_local_code_system_the_bundle_defines(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    bundle = export.fhir_bundle(personas.patient)
    (pcl5_total,) = [
        o for o in resources(bundle, "Observation") if o["code"]["text"] == "PCL-5 total score"
    ]
    (pcl5,) = [q for q in resources(bundle, "Questionnaire") if q["url"].endswith("/pcl5")]
    (code_system,) = resources(bundle, "CodeSystem")
    local = "http://127.0.0.1:8000/fhir/CodeSystem/claywork"  # CLAYWORK_FHIR_BASE's default

    assert pcl5_total["code"]["coding"] == [
        {"system": local, "code": "pcl5-total", "display": "PCL-5 total score"}
    ]
    assert pcl5_total["valueInteger"] == 30
    # Items 1-10 at 2 (Moderately), 11-20 at 1: B 1-5, C 6-7, D 8-14, E 15-20 (DSM-5).
    components = {c["code"]["coding"][0]["code"]: c for c in pcl5_total["component"]}
    assert [components[f"pcl5-{c}"]["valueInteger"] for c in "BCDE"] == [10, 4, 10, 6]
    # D has items 8-10 at 2 (3 symptoms) but E none at 2: not the DSM-5 pattern.
    assert components["pcl5-pattern"]["valueBoolean"] is False
    assert "code" not in pcl5
    assert len(pcl5["item"]) == 20
    first_option = pcl5["item"][0]["answerOption"][0]["valueCoding"]
    assert (first_option["system"], first_option["code"]) == (local, "pcl5-answer-0")
    weights = [ordinal(o["valueCoding"]) for o in pcl5["item"][0]["answerOption"]]
    assert weights == [0, 1, 2, 3, 4]
    assert code_system["url"] == local and code_system["content"] == "fragment"
    defined = {concept["code"] for concept in code_system["concept"]}
    used = {coding["code"] for coding in _codings(bundle) if coding.get("system") == local}
    assert used == defined
    assert {"pcl5-total", "pcl5-B", "pcl5-pattern", "pcl5-answer-4"} <= defined


def _codings(value: Any) -> list[dict[str, Any]]:
    """Every Coding anywhere in a resource (an object with a system and a code)."""
    if isinstance(value, dict):
        found = [value] if {"system", "code"} <= value.keys() else []
        return found + [c for inner in value.values() for c in _codings(inner)]
    if isinstance(value, list):
        return [c for inner in value for c in _codings(inner)]
    return []


def test_phq9_item_9_is_its_own_observation_interpreted_above_zero(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    flagged = complete(
        personas.patient, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 2], at("2025-03-20T12:00")
    )
    bundle = export.fhir_bundle(personas.patient)
    entries = by_full_url(bundle)
    items = [
        o for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "44260-8"
    ]

    validate(bundle)
    assert len(items) == 3  # one per PHQ-9, whatever the answer
    quiet, *_, alerted = items
    assert quiet["valueCodeableConcept"]["coding"][0]["code"] == "LA6569-3"  # 1 in the baseline
    answer = alerted["valueCodeableConcept"]
    assert (answer["coding"][0]["code"], answer["text"]) == ("LA6570-1", "More than half the days")
    assert alerted["interpretation"][0]["coding"][0]["code"] == "A"
    later_zero = next(o for o in items if o["valueCodeableConcept"]["text"] == "Not at all")
    assert "interpretation" not in later_zero
    source = entries[alerted["derivedFrom"][0]["reference"]]
    assert source["resourceType"] == "QuestionnaireResponse"
    assert flagged.flags == ["self_harm"]


def test_patient_carries_the_clinics_stable_identifier(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    (first,) = resources(export.fhir_bundle(personas.patient), "Patient")
    (again,) = resources(export.fhir_bundle(personas.patient), "Patient")
    (identifier,) = first["identifier"]

    clinic = personas.patient.clinic_id
    assert identifier["system"] == f"http://127.0.0.1:8000/fhir/clinic/{clinic}/patient"
    assert identifier["value"] == first["id"] == again["identifier"][0]["value"]
    assert str(personas.patient.pk) != identifier["value"]


def test_in_progress_responses_are_never_exported(personas: Personas) -> None:
    patient = personas.patient
    started(patient, "phq9", {"1": 3, "2": 3, "3": 3})

    bundle = export.fhir_bundle(patient)
    rows = list(csv.DictReader(io.StringIO(export.scores_csv(patient))))

    validate(bundle)
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == ["Patient"]
    assert rows == []


def test_patient_resource_holds_the_name_and_nothing_else(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    (patient,) = resources(export.fhir_bundle(personas.patient), "Patient")

    assert set(patient) == {"resourceType", "id", "identifier", "name"}
    assert patient["name"] == [{"text": "Pat Patient"}]


def test_journal_text_check_in_notes_and_email_never_leave(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    fhir = json.dumps(export.fhir_bundle(personas.patient))
    spreadsheet = export.scores_csv(personas.patient)

    for text in (JOURNAL_TEXT, CHECK_IN_NOTE, "lanterns", personas.patient.email):
        assert text not in fhir
        assert text not in spreadsheet


def test_an_instrument_no_longer_installed_still_exports_its_responses(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    ScaleResponse.objects.filter(pk=scored["gad7"].pk).update(instrument="retired7")

    bundle = export.fhir_bundle(personas.patient)
    rows = list(csv.DictReader(io.StringIO(export.scores_csv(personas.patient))))

    validate(bundle)
    assert not [q for q in resources(bundle, "Questionnaire") if "retired7" in q["url"]]
    (retired,) = [o for o in resources(bundle, "Observation") if o["code"]["text"].startswith("r")]
    assert retired["code"]["coding"][0]["code"] == "retired7-total"
    retired_response = by_full_url(bundle)[retired["derivedFrom"][0]["reference"]]
    assert [item["answer"][0] for item in retired_response["item"]][:2] == [
        {"valueInteger": 1},
        {"valueInteger": 1},
    ]
    assert [row["item_6"] for row in rows if row["instrument"] == "retired7"] == ["3"]


# --- CSV --------------------------------------------------------------------------------------


def test_csv_has_a_row_per_completed_response_then_per_check_in(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    text = export.scores_csv(personas.patient)
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)

    assert reader.fieldnames == [
        "record_type",
        "date",
        "completed_at",
        "instrument",
        "version",
        "total",
        "band",
        "flags",
        # Columns of every installed instrument: the safety follow-up screener adds "6b".
        *(f"item_{n}" for n in range(1, 7)),
        "item_6b",
        *(f"item_{n}" for n in range(7, 21)),
        "mood",
        "anxiety",
        "energy",
        "sleep_hours",
    ]
    assert [(r["record_type"], r["instrument"], r["date"]) for r in rows] == [
        ("scale", "phq9", "2025-03-03"),
        ("scale", "gad7", "2025-03-04"),
        ("scale", "pcl5", "2025-03-05"),
        ("scale", "phq9", "2025-03-10"),  # 03:30 UTC on the 11th, in New York
        ("check_in", "", "2025-03-02"),
        ("check_in", "", "2025-03-03"),
    ]
    phq9 = rows[3]
    assert phq9["completed_at"] == "2025-03-10T23:30:00-04:00"
    assert (phq9["version"], phq9["total"], phq9["band"], phq9["flags"]) == (
        "1",
        "12",
        "Moderate",
        "",
    )
    assert [phq9[f"item_{n}"] for n in range(1, 11)] == [*"012301230", ""]
    assert rows[0]["flags"] == "self_harm"
    assert rows[2]["item_20"] == "1"
    check = rows[4]
    assert (check["mood"], check["anxiety"], check["energy"], check["sleep_hours"]) == (
        "4",
        "3",
        "5",
        "7.5",
    )
    assert check["total"] == check["item_1"] == check["band"] == ""
    assert text.endswith("\r\n")


def test_csv_quotes_commas_and_quotes_and_defuses_spreadsheet_formulas(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    for code, band in (("gad7", 'Mild, "watch"\nclosely'), ("pcl5", '=HYPERLINK("x")')):
        response = scored[code]
        response.band = band
        response.save(update_fields=["band_sealed"])

    text = export.scores_csv(personas.patient)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))

    assert '"Mild, ""watch""\nclosely"' in text
    assert rows[1]["band"] == 'Mild, "watch"\nclosely'
    assert rows[2]["band"] == '\'=HYPERLINK("x")'
    assert len(rows) == 6


# --- Downloads --------------------------------------------------------------------------------

DOWNLOADS = ["scores.csv", "scores.fhir.json"]


@pytest.mark.parametrize("download", DOWNLOADS)
@pytest.mark.parametrize("role", ["patient", "care_clinician"])
def test_patient_and_care_team_download_the_scores(
    personas: Personas, scored: dict[str, ScaleResponse], download: str, role: str
) -> None:
    response = client_for(getattr(personas, role)).get(
        f"/patients/{personas.patient.pk}/{download}"
    )

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="claywork-scores-{personas.patient.pk}-')
    assert disposition.endswith(f'.{download.removeprefix("scores.")}"')
    if download == "scores.csv":
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response.content.decode() == export.scores_csv(personas.patient)
    else:
        assert response["Content-Type"] == "application/fhir+json"
        bundle = json.loads(response.content)
        validate(bundle)
        assert bundle == export.fhir_bundle(personas.patient)


@pytest.mark.parametrize("download", DOWNLOADS)
@pytest.mark.parametrize(
    "role",
    [
        "other_patient",
        "outside_clinician",
        "other_clinic_clinician",
        "clinic_admin",
        "support_person",
    ],
)
def test_no_one_else_finds_the_scores(
    personas: Personas, scored: dict[str, ScaleResponse], download: str, role: str
) -> None:
    response = client_for(getattr(personas, role)).get(
        f"/patients/{personas.patient.pk}/{download}"
    )

    assert response.status_code == 404
    assert b"Moderate" not in response.content


@pytest.mark.parametrize("download", DOWNLOADS)
def test_anonymous_visitors_are_sent_to_sign_in(personas: Personas, download: str) -> None:
    response = client_for(None).get(f"/patients/{personas.patient.pk}/{download}")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("download", DOWNLOADS)
def test_a_clinician_cannot_download_their_own_scores_as_a_patient(
    personas: Personas, download: str
) -> None:
    clinician = personas.care_clinician
    response = client_for(clinician).get(f"/patients/{clinician.pk}/{download}")

    assert response.status_code == 404


@pytest.mark.parametrize("download", DOWNLOADS)
def test_downloads_run_a_constant_number_of_queries(personas: Personas, download: str) -> None:
    def queries(patient: User) -> int:
        client = client_for(patient)
        client.get(f"/patients/{patient.pk}/{download}")  # session and data key warm
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/patients/{patient.pk}/{download}")
        assert response.status_code == 200
        return len(captured)

    few = factories.PatientFactory(clinic=personas.patient.clinic)
    complete(few, "phq9", [1] * 9, at("2025-01-06T12:00"))
    many = factories.PatientFactory(clinic=personas.patient.clinic)
    for week in range(1, 9):
        complete(many, "phq9", [1] * 9, at(f"2025-01-{week:02d}T12:00"))
        complete(many, "gad7", [2] * 7, at(f"2025-01-{week:02d}T13:00"))
        check_in(many, f"2025-01-{week:02d}", note="a note that never leaves")

    assert queries(few) == queries(many) <= 6


def test_the_fhir_validation_above_would_catch_a_malformed_resource(
    personas: Personas, scored: dict[str, ScaleResponse]
) -> None:
    from fhirclient.models.fhirabstractbase import FHIRValidationError

    bundle = export.fhir_bundle(personas.patient)
    (observation, *_) = resources(bundle, "Observation")
    observation["valueInteger"] = "12"
    with pytest.raises(FHIRValidationError):
        validate(bundle)
    del observation["valueInteger"]
    observation["scoreNote"] = "not an R4 element"
    with pytest.raises(FHIRValidationError):
        validate(bundle)
    del observation["scoreNote"]
    del observation["status"]  # required in R4
    with pytest.raises(FHIRValidationError):
        validate(bundle)
