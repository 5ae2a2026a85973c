"""When the suicide-risk follow-up screener is offered, and to whom. Reads only.

A clinic turns the screener on (``Clinic.suicide_screener_enabled``). A patient of that clinic
who submits a questionnaire with a ``self_harm`` flag (PHQ-9 item 9 above zero) is then offered
the screener (``cssrs_screen``, a follow-up instrument): on the crisis page, which comes first,
and among the questionnaires due, until they complete one or ``OFFER_DAYS`` have passed. The
offer is worked out from the stored responses, so closing the page loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from claywork.accounts.models import User
from claywork.clinics.models import Clinic
from claywork.measures import instruments
from claywork.measures.instruments import Instrument
from claywork.measures.models import ResponseStatus, ScaleResponse, flags_from_text
from claywork.vault.services import open_text

SUICIDE_SCREENER = "cssrs_screen"
TRIGGER_FLAG = "self_harm"
# After this, a flagged questionnaire no longer opens the screener; the care team has had the
# alert since the moment it was answered.
OFFER_DAYS = 7


@dataclass(frozen=True)
class ScreenerOffer:
    instrument: Instrument
    triggered_at: datetime
    started: bool  # an unfinished screener is waiting


def _screener() -> Instrument | None:
    screener = instruments.registry().get(SUICIDE_SCREENER)
    return screener if screener is not None and screener.is_follow_up else None


def _clinic_offers_screener(patient: User) -> bool:
    return (
        patient.clinic_id is not None
        and Clinic.objects.filter(pk=patient.clinic_id, suicide_screener_enabled=True).exists()
    )


def _latest_trigger(patient: User, screener: Instrument) -> datetime | None:
    """When the patient last submitted a questionnaire with a self-harm flag, if recently."""
    triggering = [
        code
        for code, instrument in instruments.registry().items()
        if not instrument.is_follow_up and instrument.may_raise(TRIGGER_FLAG)
    ]
    recent = ScaleResponse.objects.filter(
        patient=patient,
        status=ResponseStatus.COMPLETE,
        instrument__in=triggering,
        completed_at__gte=timezone.now() - timedelta(days=OFFER_DAYS),
    ).values_list("completed_at", "flags_sealed")
    # Flags are sealed (decision 0016): opened here, a few recent responses of one patient.
    context = ScaleResponse.flags_text.context  # type: ignore[attr-defined]
    moments = [
        at
        for at, sealed in recent
        if at is not None
        and sealed
        and TRIGGER_FLAG
        in flags_from_text(open_text(token=sealed, context=context, owner_id=patient.pk))
    ]
    return max(moments, default=None)


def may_answer(patient: User, instrument: Instrument) -> bool:
    """A routine questionnaire, always. The screener, while the clinic uses it and a flagged
    answer from the last ``OFFER_DAYS`` stands, so a resumed or double-submitted screener still
    lands after the offer itself has been taken up."""
    if not instrument.is_follow_up:
        return True
    screener = _screener()
    return (
        screener is not None
        and instrument.code == screener.code
        and _clinic_offers_screener(patient)
        and _latest_trigger(patient, screener) is not None
    )


def screener_offer(patient: User) -> ScreenerOffer | None:
    """The screener, if the patient has not completed one since their latest flagged answer."""
    screener = _screener()
    if screener is None or not _clinic_offers_screener(patient):
        return None
    triggered_at = _latest_trigger(patient, screener)
    if triggered_at is None:
        return None
    screens = ScaleResponse.objects.filter(patient=patient, instrument=screener.code)
    if screens.filter(status=ResponseStatus.COMPLETE, completed_at__gte=triggered_at).exists():
        return None
    started = screens.filter(status=ResponseStatus.IN_PROGRESS).exists()
    return ScreenerOffer(instrument=screener, triggered_at=triggered_at, started=started)
