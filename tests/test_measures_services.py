"""Writes of check-ins and scale responses, and the alerts they set off."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from claywork.accounts.models import User
from claywork.measures import services
from claywork.measures.instruments import InvalidAnswer
from claywork.measures.models import CheckIn, ResponseStatus, ScaleResponse
from claywork.measures.services import CheckInValues
from claywork.safety.models import Alert, AlertKind, Severity
from tests import factories

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def patient(db: None) -> User:
    patient = factories.PatientFactory()
    clinician = factories.ClinicianFactory(clinic=patient.clinic)
    factories.add_to_care_team(patient, clinician)
    return patient


def _phq9(*, item_9: int = 0, **items: int) -> dict[str, int]:
    """A complete PHQ-9: zeros, except the items named (``i1=2``) and item 9."""
    answers = {str(n): 0 for n in range(1, 9)} | {"9": item_9}
    answers.update({name.removeprefix("i"): value for name, value in items.items()})
    return answers


def _phq9_totalling(total: int) -> dict[str, int]:
    answers = {str(n): 0 for n in range(1, 10)}
    for n in range(1, 9):  # never item 9: these tests are about totals, not the safety item
        answers[str(n)] = min(3, total)
        total -= answers[str(n)]
    assert total == 0
    return answers


def _start(patient: User, instrument: str = "phq9") -> ScaleResponse:
    return services.response_start(
        patient=patient, instrument_code=instrument, submission_id=uuid.uuid4()
    )


def _raw_answers_column(response: ScaleResponse) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT answers_sealed FROM {ScaleResponse._meta.db_table} WHERE id = %s",  # noqa: S608
            [response.pk],
        )
        return str(cursor.fetchone()[0])


# --- Check-ins -------------------------------------------------------------------------------


def test_second_check_in_of_the_day_updates_the_first(patient: User) -> None:
    day = date(2025, 3, 4)
    first, created = services.check_in_save(
        patient=patient,
        day=day,
        values=CheckInValues(mood=4, anxiety=6, energy=3, sleep_hours=Decimal("5.5")),
    )
    assert created
    second, created_again = services.check_in_save(
        patient=patient,
        day=day,
        values=CheckInValues(
            mood=7, anxiety=2, energy=6, sleep_hours=Decimal("8.0"), note="Walked by the river."
        ),
    )
    assert not created_again
    assert second.pk == first.pk
    assert CheckIn.objects.filter(patient=patient).count() == 1
    saved = CheckIn.objects.get(pk=first.pk)
    assert (saved.mood, saved.anxiety, saved.energy) == (7, 2, 6)
    assert saved.sleep_hours == Decimal("8.0")
    assert saved.note == "Walked by the river."
    assert "river" not in saved.note_sealed


def test_check_ins_on_different_days_are_separate_rows(patient: User) -> None:
    values = CheckInValues(mood=5, anxiety=5, energy=5, sleep_hours=Decimal("7"))
    services.check_in_save(patient=patient, day=date(2025, 3, 4), values=values)
    services.check_in_save(patient=patient, day=date(2025, 3, 5), values=values)
    assert CheckIn.objects.filter(patient=patient).count() == 2


# --- Starting and saving a questionnaire -----------------------------------------------------


def test_starting_twice_with_one_submission_id_gives_one_response(patient: User) -> None:
    submission_id = uuid.uuid4()
    first = services.response_start(
        patient=patient, instrument_code="phq9", submission_id=submission_id
    )
    again = services.response_start(
        patient=patient, instrument_code="phq9", submission_id=submission_id
    )
    assert again.pk == first.pk
    assert ScaleResponse.objects.filter(patient=patient).count() == 1
    assert (first.instrument, first.instrument_version) == ("phq9", "1")
    assert first.status == ResponseStatus.IN_PROGRESS


def test_starting_an_unknown_instrument_is_refused(patient: User) -> None:
    with pytest.raises(InvalidAnswer, match="unknown instrument"):
        _start(patient, "madrs")
    assert not ScaleResponse.objects.exists()


def test_partial_answers_are_kept_sealed_and_never_scored(patient: User) -> None:
    response = _start(patient)
    services.response_save_answers(response=response, answers={"1": 2, "2": 1})
    services.response_save_answers(response=response, answers={"3": 3})

    saved = ScaleResponse.objects.get(pk=response.pk)
    assert services.response_answers(saved) == {"1": 2, "2": 1, "3": 3}
    assert saved.status == ResponseStatus.IN_PROGRESS
    assert (saved.total, saved.band, saved.completed_at) == (None, "", None)
    raw = _raw_answers_column(saved)
    assert raw
    assert '"1"' not in raw and "{" not in raw


def test_saving_an_answer_outside_the_options_keeps_the_earlier_answers(patient: User) -> None:
    response = _start(patient)
    services.response_save_answers(response=response, answers={"1": 2})
    with pytest.raises(InvalidAnswer, match="is not one of 0, 1, 2, 3"):
        services.response_save_answers(response=response, answers={"2": 7})
    assert services.response_answers(ScaleResponse.objects.get(pk=response.pk)) == {"1": 2}


# --- Submitting ------------------------------------------------------------------------------


def test_submitting_scores_and_completes_the_response(patient: User) -> None:
    response = _start(patient)
    submitted = services.response_submit(response=response, answers=_phq9(i1=3, i2=3, i4=2, i7=3))
    saved = ScaleResponse.objects.get(pk=response.pk)
    assert submitted.status == saved.status == ResponseStatus.COMPLETE
    assert (saved.total, saved.band, saved.flags) == (11, "Moderate", [])
    assert saved.completed_at is not None


def test_submitting_twice_changes_nothing_the_second_time(patient: User) -> None:
    response = _start(patient)
    services.response_submit(response=response, answers=_phq9_totalling(11))
    stale = ScaleResponse.objects.get(pk=response.pk)
    completed_at = stale.completed_at
    services.response_submit(response=stale, answers=_phq9_totalling(3))
    saved = ScaleResponse.objects.get(pk=response.pk)
    assert (saved.total, saved.completed_at) == (11, completed_at)
    assert services.response_answers(saved) == _phq9_totalling(11)
    assert ScaleResponse.objects.filter(patient=patient).count() == 1


def test_a_stale_copy_cannot_rewrite_the_answers_of_a_scored_response(patient: User) -> None:
    response = _start(patient)
    stale = ScaleResponse.objects.get(pk=response.pk)  # loaded before the first submit
    services.response_submit(response=response, answers=_phq9_totalling(11))
    returned = services.response_submit(response=stale, answers=_phq9_totalling(3))
    saved = ScaleResponse.objects.get(pk=response.pk)
    assert returned.status == ResponseStatus.COMPLETE
    assert saved.total == 11
    assert services.response_answers(saved) == _phq9_totalling(11)


def test_submitting_with_items_missing_raises_and_keeps_the_answers(patient: User) -> None:
    response = _start(patient)
    with pytest.raises(InvalidAnswer, match="PHQ-9 is incomplete: items 5, 6, 7, 8, 9 unanswered"):
        services.response_submit(response=response, answers={"1": 1, "2": 2, "3": 0, "4": 1})
    saved = ScaleResponse.objects.get(pk=response.pk)
    assert saved.status == ResponseStatus.IN_PROGRESS
    assert saved.total is None and saved.completed_at is None
    assert services.response_answers(saved) == {"1": 1, "2": 2, "3": 0, "4": 1}


def test_phq9_item_9_above_zero_raises_one_high_severity_alert(patient: User) -> None:
    response = _start(patient)
    services.response_submit(response=response, answers=_phq9(item_9=1))
    services.response_submit(response=response, answers=_phq9(item_9=1))

    alert = Alert.objects.get(patient=patient)
    assert alert.kind == AlertKind.SELF_HARM_ANSWER
    assert alert.severity == Severity.HIGH
    assert alert.is_open
    assert ScaleResponse.objects.get(pk=response.pk).flags == ["self_harm"]


def test_phq9_item_9_at_zero_raises_no_alert(patient: User) -> None:
    services.response_submit(response=_start(patient), answers=_phq9_totalling(24))
    assert not Alert.objects.exists()


def test_a_gad7_never_raises_a_self_harm_alert(patient: User) -> None:
    services.response_submit(
        response=_start(patient, "gad7"), answers={str(n): 3 for n in range(1, 8)}
    )
    assert ScaleResponse.objects.get(patient=patient).total == 21
    assert not Alert.objects.exists()
