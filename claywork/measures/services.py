"""Writes of check-ins and scale responses, and what they set off (alerts, fading checks)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care.models import Session
from claywork.measures import day_tags, instruments
from claywork.measures.models import CheckIn, CheckInTag, ResponseStatus, ScaleResponse
from claywork.safety import free_text
from claywork.safety.models import AlertKind, Severity
from claywork.safety.services import alert_raise


@dataclass(frozen=True)
class DayTags:
    """The tags of one check-in: ready-made ones by key, the patient's own by id, and own
    words new today as (group, label)."""

    keys: frozenset[str] = frozenset()
    own_ids: frozenset[int] = frozenset()
    new_own: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CheckInValues:
    """A check-in: the mood, and the extras given (None, or "" for the note, when not)."""

    mood: int
    anxiety: int | None = None
    energy: int | None = None
    sleep_hours: Decimal | None = None
    note: str = ""
    tags: DayTags | None = None  # None leaves the day's tags as they are


def _own_tags_by_label(patient: User) -> dict[tuple[str, str], CheckInTag]:
    own = CheckInTag.objects.filter(patient=patient, key="")
    return {(tag.group, tag.label.casefold()): tag for tag in own}


def _tag_rows(patient: User, tags: DayTags) -> list[CheckInTag]:
    """The rows for ``tags``, made on first use. Unknown keys and other people's ids are
    dropped; own words already used before (any case) reuse their tag."""
    keys = [key for key in tags.keys if key in day_tags.BY_KEY]
    CheckInTag.objects.bulk_create(
        [CheckInTag(patient=patient, key=key, group=day_tags.BY_KEY[key].group) for key in keys],
        ignore_conflicts=True,
    )
    rows = list(CheckInTag.objects.filter(patient=patient, key__in=keys))
    rows += list(CheckInTag.objects.filter(patient=patient, key="", pk__in=tags.own_ids))
    own = _own_tags_by_label(patient) if tags.new_own else {}
    for group, label in tags.new_own:
        found = own.get((group, label.casefold()))
        if found is None:
            found = CheckInTag(patient=patient, group=group)
            found.label = label
            found.save()
            own[(group, label.casefold())] = found
        rows.append(found)
    return rows


def check_in_save(*, patient: User, day: date, values: CheckInValues) -> tuple[CheckIn, bool]:
    """One check-in per day: the second of the day updates the first. The values are the
    whole check-in as the form showed it: an extra left empty is cleared. The note and any
    tag in the patient's own words are screened like every free text."""
    own_words = [label for _, label in values.tags.new_own] if values.tags else []
    crisis = free_text.is_crisis_language(
        "\n".join([values.note, *own_words]), patient_id=patient.pk
    )
    with transaction.atomic():
        check_in = CheckIn.objects.select_for_update().filter(patient=patient, day=day).first()
        created = check_in is None
        if check_in is None:
            check_in = CheckIn(patient=patient, day=day)
        # Only a changed note is screened again (see journal.services.entry_update).
        note_changed = created or check_in.note != values.note
        check_in.mood = values.mood
        check_in.anxiety = values.anxiety
        check_in.energy = values.energy
        check_in.sleep_hours = values.sleep_hours
        check_in.note = values.note
        try:
            with transaction.atomic():
                check_in.save()
        except IntegrityError:  # a parallel first check-in of the day won; update it instead
            check_in = CheckIn.objects.get(patient=patient, day=day)
            check_in.mood, check_in.anxiety = values.mood, values.anxiety
            check_in.energy, check_in.sleep_hours = values.energy, values.sleep_hours
            check_in.note = values.note
            check_in.save()
            created = False
        if values.tags is not None:
            check_in.tags.set(_tag_rows(patient, values.tags))
        if crisis and (note_changed or own_words):
            free_text.crisis_language_alert(
                patient=patient, source=free_text.WrittenText.CHECK_IN_NOTE, saved=check_in
            )
    transaction.on_commit(lambda: _check_fading(patient))
    return check_in, created


def response_answers(response: ScaleResponse) -> dict[str, int]:
    raw = response.answers_json
    return {str(k): int(v) for k, v in json.loads(raw).items()} if raw else {}


def response_start(
    *, patient: User, instrument_code: str, submission_id: uuid.UUID, session: Session | None = None
) -> ScaleResponse:
    instrument = instruments.get_instrument(instrument_code)
    existing = ScaleResponse.objects.filter(patient=patient, submission_id=submission_id).first()
    if existing is not None:
        return existing
    response = ScaleResponse(
        patient=patient,
        instrument=instrument.code,
        instrument_version=instrument.version,
        submission_id=submission_id,
        session=session,
    )
    response.answers_json = "{}"
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        return ScaleResponse.objects.get(patient=patient, submission_id=submission_id)
    return response


def response_save_answers(*, response: ScaleResponse, answers: dict[str, int]) -> ScaleResponse:
    """Keep answers of a questionnaire in progress; they are checked, never scored."""
    if response.status != ResponseStatus.IN_PROGRESS:
        return response
    instrument = instruments.get_instrument(response.instrument)
    merged = response_answers(response) | answers
    instruments.validate_answers(instrument, merged)
    # An answer to a question the skip logic now leaves out (an earlier answer changed) is gone.
    merged = instruments.asked_answers(instrument, merged)
    response.answers_json = json.dumps(merged, sort_keys=True)
    # Conditional, so a stale copy (a double-clicked submit) cannot rewrite the answers of a
    # response that has been scored meanwhile.
    in_progress = ScaleResponse.objects.filter(pk=response.pk, status=ResponseStatus.IN_PROGRESS)
    if not in_progress.update(answers_sealed=response.answers_sealed):
        response.refresh_from_db()
        return response
    if "self_harm" in instruments.safety_flags(instrument, merged):
        # Safety first: a self-harm answer reaches the care team even if the form is never
        # finished. Submitting it later raises nothing twice (same dedupe key).
        _raise_self_harm_alert(response, instrument)
    return response


def _raise_self_harm_alert(response: ScaleResponse, instrument: instruments.Instrument) -> None:
    if instrument.is_risk_screen:
        level = instruments.risk_level(instrument, response_answers(response))
        title = f"{instrument.title}: answers at the {level.label.lower()} risk level"
    else:
        title = f"{instrument.title}: self-harm item answered above zero"
    alert_raise(
        patient=response.patient,
        kind=AlertKind.SELF_HARM_ANSWER,
        severity=Severity.HIGH,
        title=title,
        dedupe_key=f"self-harm:{response.pk}",
    )


def response_submit(*, response: ScaleResponse, answers: dict[str, int]) -> ScaleResponse:
    """Score a complete questionnaire. Submitting it twice changes nothing the second time.

    Raises ``InvalidAnswer`` (and keeps the answers given) when items are missing or wrong.
    """
    if response.status == ResponseStatus.COMPLETE:
        return response
    response = response_save_answers(response=response, answers=answers)
    if response.status == ResponseStatus.COMPLETE:
        return response
    instrument = instruments.get_instrument(response.instrument)
    result = instruments.score(instrument, response_answers(response))
    with transaction.atomic():
        claimed = ScaleResponse.objects.filter(
            pk=response.pk, status=ResponseStatus.IN_PROGRESS
        ).update(
            status=ResponseStatus.COMPLETE,
            total=result.total,
            band=result.band,
            flags=list(result.flags),
            completed_at=timezone.now(),
        )
        response.refresh_from_db()
        if claimed and "self_harm" in result.flags:
            # Never suppressed, whatever the total: the care team hears of it at once.
            _raise_self_harm_alert(response, instrument)
    if claimed:
        patient = response.patient
        transaction.on_commit(lambda: _check_fading(patient))
    return response


def _check_fading(patient: User) -> None:
    from claywork.clinics.consent import scores_shared_with_care_team
    from claywork.measures import effect, selectors

    # A "fading" alert is read from scores: not sent when the patient withdrew them from
    # the care team (safety answers still alert, see ``response_submit``).
    if not scores_shared_with_care_team(patient.pk):
        return
    signal = effect.fading_signal(selectors.effect_inputs(patient_id=patient.pk))
    if signal is not None:
        alert_raise(
            patient=patient,
            kind=AlertKind.FADING_EFFECT,
            severity=Severity.MEDIUM,
            title=f"Effect may be fading: {signal.reason}",
            dedupe_key=f"fading:{patient.pk}:{signal.since.isoformat()}",
        )
