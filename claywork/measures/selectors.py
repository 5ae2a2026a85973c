"""Reads of a patient's measures, shaped for pages, charts and the effect rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care.models import Session, SessionStatus
from claywork.measures import day_tags
from claywork.measures.effect import EffectInputs
from claywork.measures.models import (
    CheckIn,
    CheckInTag,
    FadingEpisode,
    ResponseStatus,
    ScaleResponse,
)
from claywork.measures.schedule import DueScale, due_scales
from claywork.vault.services import open_text


def patient_today(patient: User) -> date:
    return timezone.now().astimezone(patient.zone).date()


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def completed_responses(
    *, patient_id: int, instrument: str | None = None
) -> QuerySet[ScaleResponse]:
    responses = ScaleResponse.objects.filter(
        patient_id=patient_id, status=ResponseStatus.COMPLETE
    ).order_by("completed_at", "pk")
    return responses.filter(instrument=instrument) if instrument else responses


def completed_session_days(*, patient: User) -> list[date]:
    moments = (
        Session.objects.filter(
            patient=patient, status=SessionStatus.COMPLETED, completed_at__isnull=False
        )
        .order_by("completed_at")
        .values_list("completed_at", flat=True)
    )
    return [_local_day(moment, patient.zone) for moment in moments if moment is not None]


def effect_inputs(*, patient_id: int) -> EffectInputs:
    """The numbers the effect rules read, in the patient's own days. A scale answered twice on
    one day counts once, as the later answer (the patient's second thought)."""
    return effect_inputs_for(User.objects.get(pk=patient_id))


def effect_inputs_for(patient: User) -> EffectInputs:
    """``effect_inputs`` of a patient already read (three queries)."""
    patient_id = patient.pk
    zone = patient.zone
    phq9_by_day = {
        _local_day(completed_at, zone): total
        for completed_at, total in completed_responses(
            patient_id=patient_id, instrument="phq9"
        ).values_list("completed_at", "total")
        if completed_at is not None and total is not None
    }
    phq9 = sorted(phq9_by_day.items())
    mood = list(
        CheckIn.objects.filter(patient_id=patient_id).order_by("day").values_list("day", "mood")
    )
    return EffectInputs(
        phq9=phq9,
        mood=mood,
        sessions=completed_session_days(patient=patient),
        today=patient_today(patient),
    )


def current_fading_episodes(*, patient_ids: Iterable[int]) -> dict[int, FadingEpisode]:
    """Each patient's fading episode going on now (rule, values, since when), for a whole
    caseload in one query. Read it only where the reader may see the patient's scores
    (``policy.may_read_scores``): episodes are read from scores."""
    episodes = FadingEpisode.objects.filter(patient_id__in=list(patient_ids), ended_on__isnull=True)
    return {episode.patient_id: episode for episode in episodes}


def current_fading_episode(*, patient_id: int) -> FadingEpisode | None:
    return current_fading_episodes(patient_ids=[patient_id]).get(patient_id)


def current_fading_annotations(patient_ref: str = "pk") -> dict[str, Subquery]:
    """The same, as annotations for a query of patients (a caseload in its one query):
    ``fading_since``, ``fading_rule``, ``fading_detail`` and ``fading_tier`` of the episode
    going on now, or None. The rule is the firmest that has fired (``effect.RULE_TITLES``
    names it)."""
    current = FadingEpisode.objects.filter(patient=OuterRef(patient_ref), ended_on__isnull=True)
    return {
        "fading_since": Subquery(current.values("started_on")[:1]),
        "fading_rule": Subquery(current.values("latest_rule")[:1]),
        "fading_detail": Subquery(current.values("latest_detail")[:1]),
        "fading_tier": Subquery(current.values("tier")[:1]),
    }


def last_completed_days(*, patient: User) -> dict[str, date]:
    rows = (
        ScaleResponse.objects.filter(patient=patient, status=ResponseStatus.COMPLETE)
        .values("instrument")
        .annotate(last=Max("completed_at"))
    )
    return {row["instrument"]: _local_day(row["last"], patient.zone) for row in rows if row["last"]}


def due_scales_for(*, patient: User) -> list[DueScale]:
    next_session = (
        Session.objects.filter(
            patient=patient,
            status__in=[SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS],
            scheduled_at__gte=timezone.now(),
        )
        .order_by("scheduled_at")
        .values_list("scheduled_at", flat=True)
        .first()
    )
    return due_scales(
        today=patient_today(patient),
        scheduled=list(settings.CLAYWORK_SCHEDULED_INSTRUMENTS),
        last_completed=last_completed_days(patient=patient),
        next_session_day=_local_day(next_session, patient.zone) if next_session else None,
        has_course=patient.courses.exists(),
    )


def in_progress_response(*, patient: User, instrument: str) -> ScaleResponse | None:
    return (
        ScaleResponse.objects.filter(
            patient=patient, instrument=instrument, status=ResponseStatus.IN_PROGRESS
        )
        .order_by("-started_at")
        .first()
    )


# --- Check-in tags ------------------------------------------------------------------------


@dataclass(frozen=True)
class TagOption:
    """A tag the check-in form offers: ``value`` is ``k:<key>`` (ready-made) or ``t:<id>``
    (the patient's own words)."""

    value: str
    label: str
    group: str


def _tag_label(key: str, label_sealed: str, owner_id: int) -> str:
    if key:
        return day_tags.BY_KEY[key].label if key in day_tags.BY_KEY else key
    return open_text(token=label_sealed, context=CheckInTag.label.context, owner_id=owner_id)


def tag_options(*, patient: User) -> list[TagOption]:
    """The ready-made tags, then the patient's own, each group in its order."""
    options = [TagOption(f"k:{tag.key}", tag.label, tag.group) for tag in day_tags.CATALOGUE]
    for tag in CheckInTag.objects.filter(patient=patient, key=""):
        options.append(TagOption(f"t:{tag.pk}", tag.label, tag.group))
    return options


def tag_values_of(check_in: CheckIn) -> list[str]:
    return [f"k:{tag.key}" if tag.key else f"t:{tag.pk}" for tag in check_in.tags.all()]


def tags_by_day(*, patient_id: int, since: date, until: date) -> dict[date, frozenset[str]]:
    """Each day's check-in tags as the patient reads them ("Walk outside", their own words),
    for the days ``since`` to ``until`` that have tags. One query, whatever the span."""
    links = CheckIn.tags.through.objects.filter(
        checkin__patient_id=patient_id, checkin__day__gte=since, checkin__day__lte=until
    ).values_list("checkin__day", "checkintag__key", "checkintag__label_sealed")
    days: dict[date, set[str]] = {}
    for day, key, label_sealed in links:
        days.setdefault(day, set()).add(_tag_label(key, label_sealed, patient_id))
    return {day: frozenset(labels) for day, labels in days.items()}
