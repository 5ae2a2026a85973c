"""Writes of check-ins and scale responses, and what they set off (alerts, fading checks)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care.models import Session
from claywork.measures import day_tags, effect, instruments
from claywork.measures.models import (
    CaseloadPreference,
    CheckIn,
    CheckInTag,
    FadingEpisode,
    ResponseStatus,
    ScaleResponse,
)
from claywork.safety import free_text
from claywork.safety.models import Alert, AlertKind, Severity
from claywork.safety.services import alert_raise, alert_refresh


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
    crisis = free_text.screening_level("\n".join([values.note, *own_words]), patient_id=patient.pk)
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
                patient=patient,
                source=free_text.WrittenText.CHECK_IN_NOTE,
                saved=check_in,
                level=crisis,
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
    sealer = ScaleResponse(pk=response.pk, patient_id=response.patient_id)
    sealer.scored_set(band=result.band, flags=result.flags)
    with transaction.atomic():
        claimed = ScaleResponse.objects.filter(
            pk=response.pk, status=ResponseStatus.IN_PROGRESS
        ).update(
            status=ResponseStatus.COMPLETE,
            total=result.total,
            band_sealed=sealer.band_sealed,
            flags_sealed=sealer.flags_sealed,
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
    fading_refresh(patient=patient)


@dataclass(frozen=True)
class _Stored:
    row: FadingEpisode
    news: bool  # the care team should hear of it: new, deeper, or started again


def fading_refresh(*, patient: User) -> FadingEpisode | None:
    """Judge the patient's numbers again and keep their fading episodes, and the alert of the
    current one, in step. One alert per episode: when it deepens or starts again, its title is
    updated, or, once someone has acknowledged it, a new alert is raised so that the change
    reaches a person. An episode that has ended only updates its alert's title. Returns the
    current episode, if any.

    Episodes are kept whatever the consent; the alert is read from scores, so it is raised only
    while the patient shares their scores with the care team (safety answers always alert).

    Most saves change no verdict (a note edited, another day like the last): the stored rows are
    then read, found in step, and left alone, without a write transaction (decision 0009).
    """
    from claywork.measures import checkpoints, selectors

    inputs = selectors.effect_inputs_for(patient)
    # Episodes only: the durability (decision 0006, fourteenth amendment) is for the pages.
    report = checkpoints.evaluate(patient.pk, inputs, with_benefits=False)
    in_step = _in_step(patient, report, inputs.today)
    if in_step is not None:
        return in_step.current
    with transaction.atomic():
        stored = list(FadingEpisode.objects.select_for_update().filter(patient=patient))
        matched = {id(found): _matching(found, stored, inputs.today) for found in report.episodes}
        kept = {row.pk for row in matched.values() if row is not None}
        for row in stored:  # no longer there (a check-in backfilled or changed): over
            if row.is_open and row.pk not in kept:
                row.ended_on = inputs.today
                row.save(update_fields=["ended_on", "updated_at"])
                _alert_says_ended(row, why="no longer seen in the numbers since")
        current: _Stored | None = None
        for found in report.episodes:
            result = _episode_store(patient, found, matched[id(found)])
            if found.is_open:
                current = result
            elif result.news:
                _alert_says_ended(result.row)
        # An early warning is shown on the pages only: the alert waits for firmer evidence.
        if current is not None and current.row.tier == effect.ALERT and _alert_wanted(patient):
            _episode_alert(patient, current)
        if current is not None:
            _ask_for_phq9(patient, report, current.row, inputs.today)
    return current.row if current else None


# An early warning found this many days after it opened (a backfilled check-in) is too old to
# ask about: the next weekly PHQ-9 will do.
PHQ9_REQUEST_FRESH_DAYS = 1


def _ask_for_phq9(
    patient: User, report: effect.EffectReport, row: FadingEpisode, today: date
) -> None:
    """When an early warning has just opened, ask the patient for a PHQ-9 once (a due-scale
    reminder, which says a questionnaire is ready and never why): its answer may confirm the
    warning into an alert (``effect.PHQ9_CONFIRMS_WARNING``). Only while the patient shares
    scores with the care team, who alone could act on it."""
    from claywork.reminders.chosen import scale_request

    if row.started_on not in effect.phq9_requests(report.episodes):
        return
    if (today - row.started_on).days > PHQ9_REQUEST_FRESH_DAYS or not _alert_wanted(patient):
        return
    scale_request(patient=patient, code="phq9", key=f"asked-{row.pk}", now=timezone.now())


def _alert_wanted(patient: User) -> bool:
    from claywork.clinics.consent import scores_shared_with_care_team

    return scores_shared_with_care_team(patient.pk)


@dataclass(frozen=True)
class _InStep:
    current: FadingEpisode | None


def _in_step(patient: User, report: effect.EffectReport, today: date) -> _InStep | None:
    """The stored episodes, when they already say what ``report`` says and the current one
    has its alert (or needs none): ``fading_refresh`` would write nothing. None otherwise."""
    stored = list(FadingEpisode.objects.filter(patient=patient))
    matched = [(found, _matching(found, stored, today)) for found in report.episodes]
    kept = {row.pk for _, row in matched if row is not None}
    if any(row.is_open and row.pk not in kept for row in stored):
        return None
    current: FadingEpisode | None = None
    for found, row in matched:
        if row is None or _changed_fields(row, found):
            return None
        if found.is_open:
            current = row
    wants_alert = current is not None and current.tier == effect.ALERT
    if wants_alert and current is not None and current.alert_id is None and _alert_wanted(patient):
        return None
    return _InStep(current)


def _matching(
    found: effect.Episode, stored: list[FadingEpisode], today: date
) -> FadingEpisode | None:
    """The stored episode that overlaps this one in time, if any."""
    end = found.end or today
    return next(
        (row for row in stored if row.started_on <= end and (row.ended_on or today) >= found.start),
        None,
    )


def _episode_fields(found: effect.Episode) -> dict[str, Any]:
    """The stored form of an episode."""
    return {
        "started_on": found.start,
        "ended_on": found.end,
        "rule": found.rule,
        "detail": found.detail[:300],
        "latest_rule": found.latest_rule,
        "latest_detail": found.latest_detail[:300],
        "depth": found.depth,
        "tier": found.tier,
    }


def _changed_fields(row: FadingEpisode, found: effect.Episode) -> list[str]:
    return [name for name, value in _episode_fields(found).items() if getattr(row, name) != value]


def _episode_store(patient: User, found: effect.Episode, row: FadingEpisode | None) -> _Stored:
    fields = _episode_fields(found)
    if row is None:
        return _Stored(FadingEpisode.objects.create(patient=patient, **fields), news=True)
    deeper = found.depth > row.depth
    restarted = not row.is_open and found.is_open
    ended = row.is_open and not found.is_open
    changed = _changed_fields(row, found)
    for name in changed:
        setattr(row, name, fields[name])
    if changed:  # an unchanged row is not written: most refreshes change nothing
        row.save(update_fields=[*changed, "updated_at"])
    return _Stored(row, news=deeper or restarted or ended)


def _alert_title(row: FadingEpisode) -> str:
    return f"Effect may be fading: {effect.RULE_TITLES[row.latest_rule]} ({row.latest_detail})"


def _episode_alert(patient: User, stored: _Stored) -> None:
    row = stored.row
    alert = row.alert
    if alert is None:
        alert = _adoptable_alert(patient)
        if alert is not None:
            alert_refresh(alert=alert, title=_alert_title(row))
    elif stored.news and not alert_refresh(alert=alert, title=_alert_title(row)):
        row.revision += 1  # seen already: what changed needs an alert of its own
        alert = None
    if alert is None:
        alert, _ = alert_raise(
            patient=patient,
            kind=AlertKind.FADING_EFFECT,
            severity=Severity.MEDIUM,
            title=_alert_title(row)[:200],
            dedupe_key=f"fading:{patient.pk}:episode:{row.pk}:{row.revision}",
        )
    if row.alert_id != alert.pk or stored.news:
        row.alert = alert
        row.save(update_fields=["alert", "revision", "updated_at"])


def _adoptable_alert(patient: User) -> Alert | None:
    """An open fading alert raised before episodes were kept (dedupe key
    ``fading:<patient>:<day>``): the upgrade carries it on instead of raising a second one."""
    linked = FadingEpisode.objects.filter(alert__isnull=False).values("alert_id")
    return (
        Alert.objects.filter(
            patient=patient,
            kind=AlertKind.FADING_EFFECT,
            acknowledged_at__isnull=True,
            dedupe_key__regex=rf"^fading:{patient.pk}:\d{{4}}-\d{{2}}-\d{{2}}$",
        )
        .exclude(pk__in=linked)
        .order_by("-created_at")
        .first()
    )


def _alert_says_ended(row: FadingEpisode, *, why: str = "back to usual since") -> None:
    """An alert nobody has seen yet says its episode is over, so it can be read calmly."""
    if row.alert is not None and row.ended_on is not None:
        alert_refresh(alert=row.alert, title=f"{_alert_title(row)}; {why} {row.ended_on}")


def caseload_preference_save(*, clinician: User, sort: str, show: str) -> CaseloadPreference:
    """Remember how the clinician chose to see their caseload; writes only on a change."""
    preference, _ = CaseloadPreference.objects.get_or_create(clinician=clinician)
    if (preference.sort, preference.show) != (sort, show):
        preference.sort, preference.show = sort, show
        preference.save(update_fields=["sort", "show", "updated_at"])
    return preference
