"""Reads of a patient's measures, shaped for pages, charts and the effect rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care.models import Session, SessionStatus
from claywork.measures.effect import EffectInputs
from claywork.measures.models import CheckIn, FadingEpisode, ResponseStatus, ScaleResponse
from claywork.measures.schedule import DueScale, due_scales


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
    patient = User.objects.get(pk=patient_id)
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
    ``fading_since``, ``fading_rule`` and ``fading_detail`` of the episode going on now, or
    None. The rule is the firmest that has fired (``effect.RULE_TITLES`` names it)."""
    current = FadingEpisode.objects.filter(patient=OuterRef(patient_ref), ended_on__isnull=True)
    return {
        "fading_since": Subquery(current.values("started_on")[:1]),
        "fading_rule": Subquery(current.values("latest_rule")[:1]),
        "fading_detail": Subquery(current.values("latest_detail")[:1]),
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
