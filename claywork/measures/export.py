"""A patient's scores as files for other systems: CSV for a spreadsheet, FHIR R4 for the EHR.

What leaves Claywork: completed scale responses (date, instrument, total, severity band,
safety flags, item answers) and the numbers of the daily check-ins. What never does: responses
still in progress (they are not results), check-in notes and journal text (words the patient
wrote for themselves, not scores).

Both exports are deterministic: the same data gives the same file, byte for byte. The FHIR
resources are named by ``urn:uuid`` values derived (uuid5) from Claywork's own identifiers,
and the bundle carries no timestamp. LOINC codes are used wherever they exist; every other code
(the PCL-5's total and clusters, answer options without a LOINC code, a risk screen's level) is
in the clinic's own code system, ``CLAYWORK_FHIR_BASE``/CodeSystem/claywork, which the bundle
carries as a ``CodeSystem`` resource listing each code it uses.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from claywork.accounts.models import User
from claywork.measures import instruments, selectors
from claywork.measures.instruments import Instrument, Item
from claywork.measures.models import CheckIn, ScaleResponse
from claywork.measures.services import response_answers

LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
# A fixed seed for the resources' uuid5 names (never written into a bundle): the same data
# gives the same ids whatever the clinic's FHIR base.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://claywork.example/fhir")

CHECK_IN_COLUMNS = ("mood", "anxiety", "energy", "sleep_hours")
# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CompletedResponse:
    """A completed response with what both exports need: its definition, answers, local time."""

    response: ScaleResponse
    instrument: Instrument | None  # None when its definition is no longer installed
    answers: dict[str, int]
    completed_at: datetime  # in the patient's zone


def completed_responses(patient: User) -> list[CompletedResponse]:
    """The patient's completed responses, oldest first; in-progress ones are never included."""
    installed = instruments.registry()
    rows = []
    for response in selectors.completed_responses(patient_id=patient.pk):
        assert response.completed_at is not None  # a database constraint of complete responses
        rows.append(
            CompletedResponse(
                response=response,
                instrument=installed.get(response.instrument),
                answers=response_answers(response),
                completed_at=response.completed_at.astimezone(patient.zone),
            )
        )
    return rows


# --- CSV --------------------------------------------------------------------------------------


def scores_csv(patient: User) -> str:
    """One CSV: a ``scale`` row per completed response, then a ``check_in`` row per day.

    Dates are the patient's own (their time zone). ``item_<link id>`` columns hold the answer
    to that item of the row's instrument; the columns are those of every installed instrument,
    so exports of different patients line up.
    """
    responses = completed_responses(patient)
    item_ids = _item_columns(instruments.registry().values(), responses)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "record_type",
            "date",
            "completed_at",
            "instrument",
            "version",
            "total",
            "band",
            "flags",
            *(f"item_{link_id}" for link_id in item_ids),
            *CHECK_IN_COLUMNS,
        ]
    )
    check_in_blanks = [""] * len(CHECK_IN_COLUMNS)
    for row in responses:
        response = row.response
        writer.writerow(
            [
                "scale",
                row.completed_at.date().isoformat(),
                row.completed_at.isoformat(timespec="seconds"),
                _cell(response.instrument),
                _cell(response.instrument_version),
                response.total,
                _cell(response.band),
                _cell(";".join(response.flags)),
                *(row.answers.get(link_id, "") for link_id in item_ids),
                *check_in_blanks,
            ]
        )
    scale_blanks = [""] * (6 + len(item_ids))
    check_ins = (
        CheckIn.objects.filter(patient=patient)
        .order_by("day")
        .values_list("day", *CHECK_IN_COLUMNS)  # never the note
    )
    for day, mood, anxiety, energy, sleep_hours in check_ins:
        writer.writerow(
            ["check_in", day.isoformat(), *scale_blanks, mood, anxiety, energy, sleep_hours]
        )
    return buffer.getvalue()


def _item_columns(installed: Iterable[Instrument], responses: list[CompletedResponse]) -> list[str]:
    link_ids = dict.fromkeys(item.link_id for instrument in installed for item in instrument.items)
    for row in responses:  # answers to an instrument no longer installed keep their columns
        link_ids.update(dict.fromkeys(sorted(row.answers.keys() - link_ids.keys())))
    return list(link_ids)


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


# --- FHIR R4 ------------------------------------------------------------------------------------


def fhir_base() -> str:
    return str(settings.CLAYWORK_FHIR_BASE)


def local_system() -> str:
    return f"{fhir_base()}/CodeSystem/claywork"


class _LocalCodes:
    """The local codes a bundle uses, gathered as it is built, for its CodeSystem resource."""

    def __init__(self) -> None:
        self.system = local_system()
        self.concepts: dict[str, str] = {}

    def coding(self, code: str, display: str) -> dict[str, Any]:
        self.concepts.setdefault(code, display)
        return {"system": self.system, "code": code, "display": display}

    def resource(self) -> dict[str, Any]:
        return {
            "resourceType": "CodeSystem",
            "url": self.system,
            "name": "ClayworkLocalCodes",
            "title": "Claywork's codes for what has no LOINC code",
            "status": "active",
            "description": "Scale totals, subscales, answer options and risk levels without a "
            "LOINC code. A fragment: the codes this bundle uses.",
            "caseSensitive": True,
            "content": "fragment",
            "concept": [
                {"code": code, "display": display}
                for code, display in sorted(self.concepts.items())
            ],
        }


def fhir_bundle(patient: User) -> dict[str, Any]:
    """A FHIR R4 ``collection`` Bundle of the patient's completed scales.

    One ``Patient`` (the name and the clinic's identifier), a ``Questionnaire`` per instrument
    used, and per completed response a ``QuestionnaireResponse``, an ``Observation`` of its
    total (with subscales as components) ``derivedFrom`` that response, and an ``Observation``
    of each safety item (PHQ-9 item 9, LOINC 44260-8), interpreted as abnormal above zero.
    Answer weights ride on each answer's Coding as the ``ordinalValue`` extension, so a
    response can be re-scored from the bundle alone. A ``CodeSystem`` defines the local codes.
    """
    responses = completed_responses(patient)
    codes = _LocalCodes()
    patient_url = _urn(f"Patient/{patient.pk}/{patient.date_joined.isoformat()}")
    entries = [_entry(patient_url, _patient(patient, patient_url))]
    used = {row.instrument.code: row.instrument for row in responses if row.instrument}
    for code in sorted(used):
        instrument = used[code]
        url = _urn(f"Questionnaire/{instrument.code}|{instrument.version}")
        entries.append(_entry(url, _questionnaire(instrument, codes)))
    for row in responses:
        submission = row.response.submission_id
        response_url = _urn(f"QuestionnaireResponse/{submission}")
        entries.append(_entry(response_url, _questionnaire_response(row, patient_url, codes)))
        observation_url = _urn(f"Observation/{submission}")
        total = _total_observation(row, patient_url, response_url, codes)
        entries.append(_entry(observation_url, total))
        for item in row.instrument.items if row.instrument else ():
            if item.safety_flag and item.link_id in row.answers:
                item_url = _urn(f"Observation/{submission}/item/{item.link_id}")
                observation = _item_observation(row, item, patient_url, response_url, codes)
                entries.append(_entry(item_url, observation))
    if codes.concepts:
        entries.insert(1, _entry(_urn(f"CodeSystem/{codes.system}"), codes.resource()))
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, name)}"


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    head = {"resourceType": resource["resourceType"], "id": full_url.removeprefix("urn:uuid:")}
    return {"fullUrl": full_url, "resource": head | resource}


def _reference(full_url: str) -> dict[str, str]:
    return {"reference": full_url}


def _patient(patient: User, patient_url: str) -> dict[str, Any]:
    """The name, and an identifier the clinic's other systems can match again: stable, in the
    clinic's own system, and not the row number (which would tell how many patients there are)."""
    clinic = f"/clinic/{patient.clinic_id}" if patient.clinic_id else ""
    identifier = {
        "system": f"{fhir_base()}{clinic}/patient",
        "value": patient_url.removeprefix("urn:uuid:"),
    }
    resource: dict[str, Any] = {"resourceType": "Patient", "identifier": [identifier]}
    if patient.full_name:
        resource["name"] = [{"text": patient.full_name}]
    return resource


def questionnaire_url(instrument_code: str) -> str:
    return f"{fhir_base()}/Questionnaire/{instrument_code}"


def _answer_coding(
    instrument: Instrument, item: Item | None, value: int, codes: _LocalCodes
) -> dict[str, Any] | None:
    option = instrument.option(value, item)
    if option is None:
        return None
    if option.loinc:
        coding = {"system": LOINC, "code": option.loinc, "display": option.text}
    else:
        own = item is not None and bool(item.answers)
        scope = f"{instrument.code}-{item.link_id}" if own and item else instrument.code
        coding = codes.coding(f"{scope}-answer-{option.value}", option.text)
    return {"extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}]} | coding


def _questionnaire(instrument: Instrument, codes: _LocalCodes) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "url": questionnaire_url(instrument.code),
        "version": instrument.version,
    }
    name = re.sub(r"[^A-Za-z0-9_]", "", instrument.title)
    if re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,254}", name):  # FHIR's computable name (que-0)
        resource["name"] = name
    resource |= {
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.stem,
    }
    if instrument.licence_notice:
        resource["copyright"] = instrument.licence_notice
    if instrument.panel_loinc:
        resource["code"] = [{"system": LOINC, "code": instrument.panel_loinc}]
    resource["item"] = [_questionnaire_item(instrument, item, codes) for item in instrument.items]
    return resource


def _questionnaire_item(instrument: Instrument, item: Item, codes: _LocalCodes) -> dict[str, Any]:
    question: dict[str, Any] = {"linkId": item.link_id}
    if item.loinc:
        question["code"] = [{"system": LOINC, "code": item.loinc}]
    if item.prefix:
        question["prefix"] = item.prefix
    question["text"] = item.text
    if item.enable_when:  # the skip logic; "required" then holds only while it is asked
        question["enableWhen"] = [
            {
                "question": condition.link_id,
                "operator": "=",
                "answerCoding": _answer_coding(
                    instrument, instrument.item(condition.link_id), condition.answer, codes
                ),
            }
            for condition in item.enable_when
        ]
        if len(item.enable_when) > 1:
            question["enableBehavior"] = "any"
    options = [
        _answer_coding(instrument, item, option.value, codes)
        for option in instrument.options_for(item)
    ]
    return question | {
        "type": "choice",
        "required": item.required,
        "answerOption": [{"valueCoding": coding} for coding in options],
    }


def _questionnaire_response(
    row: CompletedResponse, patient_url: str, codes: _LocalCodes
) -> dict[str, Any]:
    response, instrument = row.response, row.instrument
    texts = {item.link_id: item.text for item in instrument.items} if instrument else {}
    order = list(texts) + sorted(row.answers.keys() - texts.keys())
    items = []
    for link_id in order:
        if link_id not in row.answers:
            continue
        value = row.answers[link_id]
        coding = (
            _answer_coding(instrument, instrument.item(link_id), value, codes)
            if instrument
            else None
        )
        answer: dict[str, Any] = {"valueCoding": coding} if coding else {"valueInteger": value}
        item: dict[str, Any] = {"linkId": link_id}
        if link_id in texts:
            item["text"] = texts[link_id]
        item["answer"] = [answer]
        items.append(item)
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire_url(response.instrument)}|{response.instrument_version}",
        "status": "completed",
        "subject": _reference(patient_url),
        "authored": row.completed_at.isoformat(timespec="seconds"),
        "author": _reference(patient_url),
        "item": items,
    }


def _survey(
    what: dict[str, Any], row: CompletedResponse, patient_url: str, response_url: str
) -> dict[str, Any]:
    """An Observation's frame: a final survey result about the patient, from the response."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": what,
        "subject": _reference(patient_url),
        "effectiveDateTime": row.completed_at.isoformat(timespec="seconds"),
    }


def _total_observation(
    row: CompletedResponse, patient_url: str, response_url: str, codes: _LocalCodes
) -> dict[str, Any]:
    response, instrument = row.response, row.instrument
    title = instrument.title if instrument else response.instrument
    what = f"{title} total score"
    value: dict[str, Any] = {
        "valueInteger": response.total,
        "interpretation": [{"text": response.band}],
    }
    if instrument and instrument.is_risk_screen:
        what = f"{title} risk level"
        coding = codes.coding(f"{response.instrument}-risk-level", what)
        value = {"valueCodeableConcept": {"text": response.band}}
    elif instrument and instrument.total_loinc:
        coding = {"system": LOINC, "code": instrument.total_loinc}
    else:
        coding = codes.coding(f"{response.instrument}-total", what)
    observation = _survey({"coding": [coding], "text": what}, row, patient_url, response_url)
    observation |= value
    components = _subscale_components(row, codes)
    if components:
        observation["component"] = components
    return observation | {"derivedFrom": [_reference(response_url)]}


def _subscale_components(row: CompletedResponse, codes: _LocalCodes) -> list[dict[str, Any]]:
    """The PCL-5's DSM-5 cluster scores, and whether its provisional pattern is met."""
    instrument = row.instrument
    if instrument is None or not instrument.subscales:
        return []
    components: list[dict[str, Any]] = [
        {
            "code": {
                "coding": [codes.coding(f"{instrument.code}-{s.subscale.code}", s.subscale.label)]
            },
            "valueInteger": s.total,
        }
        for s in instruments.subscale_scores(instrument, row.answers)
    ]
    met = instruments.provisional_pattern(instrument, row.answers)
    if instrument.pattern is not None and met is not None:
        label = instrument.pattern.label
        components.append(
            {
                "code": {"coding": [codes.coding(f"{instrument.code}-pattern", label)]},
                "valueBoolean": met,
            }
        )
    return components


def _item_observation(
    row: CompletedResponse, item: Item, patient_url: str, response_url: str, codes: _LocalCodes
) -> dict[str, Any]:
    """A safety item on its own (PHQ-9 item 9), so a receiving system sees the answer without
    opening the questionnaire; flagged as abnormal when at or above its safety threshold."""
    instrument = row.instrument
    assert instrument is not None
    value = row.answers[item.link_id]
    if item.loinc:
        coding: dict[str, Any] = {"system": LOINC, "code": item.loinc}
    else:
        coding = codes.coding(f"{instrument.code}-item-{item.link_id}", item.text)
    observation = _survey({"coding": [coding], "text": item.text}, row, patient_url, response_url)
    answer = _answer_coding(instrument, item, value, codes)
    option = instrument.option(value, item)
    observation["valueCodeableConcept"] = {
        "coding": [answer] if answer else [],
        "text": option.text if option else str(value),
    }
    threshold = item.flag_when_at_least
    if threshold is not None and value >= threshold:
        observation["interpretation"] = [
            {
                "coding": [{"system": INTERPRETATION, "code": "A", "display": "Abnormal"}],
                "text": "Answered above zero: the care team was alerted",
            }
        ]
    return observation | {"derivedFrom": [_reference(response_url)]}
