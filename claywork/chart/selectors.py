"""One patient, as their care team needs to see them: risk first, then how they are doing.

Reads only, each part one or two queries whatever the length of the patient's history
(``tests/test_chart.py`` pins the count). The caller has checked ``policy.may_plan_care``;
scores and check-ins are left out when the patient withdrew them from the care team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Max, Q

from claywork.accounts.models import PatientContact, User
from claywork.care import selectors as care_selectors
from claywork.care.models import Session, TreatmentCourse
from claywork.clinics import consent
from claywork.core import policy
from claywork.crisis.models import SafetyPlanVersion
from claywork.measures import effect, instruments, overview
from claywork.measures import selectors as measures_selectors
from claywork.measures.models import CheckIn, ResponseStatus, ScaleResponse
from claywork.measures.services import response_answers
from claywork.measures.sparkline import SPARKLINE_DAYS, Sparkline, sparkline_for
from claywork.safety.models import Alert, AlertKind
from claywork.safety.selectors import SEVERITY_ORDER, attach_delivery_counts, with_people

HISTORY_ALERTS = 20
SELF_HARM = "self_harm"


@dataclass(frozen=True)
class SelfHarmAnswer:
    """The answer to the latest PHQ-9's self-harm item (item 9)."""

    day: date
    value: int
    words: str
    response_id: int


@dataclass(frozen=True)
class RiskSummary:
    open_alerts: list[Alert]
    self_harm_answer: SelfHarmAnswer | None
    screener_level: str | None
    screener_day: date | None
    last_crisis_flag_at: datetime | None
    safety_plan_updated_at: datetime | None


@dataclass(frozen=True)
class FadingFlag:
    reason: str  # the firmest rule that fired and the values it fired on
    since: date
    title: str = effect.TIER_TITLES[effect.ALERT]  # the tier in words
    early_warning: bool = False  # shown to watch; no alert was raised


@dataclass
class PatientChart:
    risk: RiskSummary
    scores_shared: bool
    contact: PatientContact | None
    resolved_alerts: list[Alert]
    latest_check_in: CheckIn | None = None
    sparkline: Sparkline | None = None
    trends: list[overview.ScoreTrend] = field(default_factory=list)
    fading: FadingFlag | None = None
    next_session: Session | None = None
    courses: list[TreatmentCourse] = field(default_factory=list)
    shared_categories: list[str] = field(default_factory=list)
    shared_items: int = 0


def _risk(patient: User, scores_shared: bool) -> RiskSummary:
    alerts = Alert.objects.filter(patient=patient)
    open_alerts = list(
        with_people(alerts.filter(acknowledged_at__isnull=True)).order_by(
            SEVERITY_ORDER, "-created_at", "-pk"
        )
    )
    attach_delivery_counts(open_alerts)
    last_crisis = alerts.filter(kind=AlertKind.CRISIS_LANGUAGE).aggregate(at=Max("created_at"))
    plan = SafetyPlanVersion.objects.filter(patient=patient).aggregate(at=Max("written_at"))
    screen_day, level = _screener_level(patient) if scores_shared else (None, None)
    return RiskSummary(
        open_alerts=open_alerts,
        self_harm_answer=_self_harm_answer(patient) if scores_shared else None,
        screener_level=level,
        screener_day=screen_day,
        last_crisis_flag_at=last_crisis["at"],
        safety_plan_updated_at=plan["at"],
    )


def _self_harm_answer(patient: User) -> SelfHarmAnswer | None:
    latest = (
        ScaleResponse.objects.filter(
            patient=patient, instrument="phq9", status=ResponseStatus.COMPLETE
        )
        .order_by("-completed_at", "-pk")
        .first()
    )
    if latest is None or latest.completed_at is None:
        return None
    instrument = instruments.get_instrument("phq9")
    item = next((item for item in instrument.items if item.safety_flag == SELF_HARM), None)
    value = response_answers(latest).get(item.link_id) if item else None
    if value is None:
        return None
    option = instrument.option(value)
    return SelfHarmAnswer(
        day=latest.completed_at.astimezone(patient.zone).date(),
        value=value,
        words=option.text if option else str(value),
        response_id=latest.pk,
    )


def _screener_level(patient: User) -> tuple[date | None, str | None]:
    screens = overview.risk_screens(patient)
    if not screens:
        return None, None
    point, _ = screens[0]
    return point.day, point.band


def _sparkline(patient: User, today: date) -> tuple[CheckIn | None, Sparkline]:
    start = today - timedelta(days=SPARKLINE_DAYS - 1)
    recent = {
        check_in.day: check_in
        for check_in in CheckIn.objects.filter(patient=patient, day__gte=start).defer("note_sealed")
    }
    latest = (
        max(recent.values(), key=lambda c: c.day)
        if recent
        else CheckIn.objects.filter(patient=patient).defer("note_sealed").order_by("-day").first()
    )
    return latest, sparkline_for({day: check_in.mood for day, check_in in recent.items()}, today)


def _fading(patient: User) -> FadingFlag | None:
    """The patient's current fading episode (kept by ``measures.services.fading_refresh``)."""
    episode = measures_selectors.current_fading_episode(patient_id=patient.pk)
    if episode is None:
        return None
    reason = f"{episode.rule_title} ({episode.latest_detail})"
    return FadingFlag(
        reason=reason,
        since=episode.started_on,
        title=episode.tier_title,
        early_warning=episode.is_early_warning,
    )


def _shares(viewer: User, patient: User) -> tuple[list[str], int]:
    from claywork.sharing.models import Category

    shares = list(
        policy.live_shares_for(viewer)
        .filter(patient=patient)
        .filter(Q(category__gt="") | Q(entry__isnull=False) | Q(goal__isnull=False))
        .values_list("category", flat=True)
    )
    labels = dict(Category.choices)
    categories = sorted({labels.get(code, code) for code in shares if code})
    return categories, sum(1 for code in shares if not code)


def patient_chart(*, patient: User, viewer: User) -> PatientChart:
    scores_shared = consent.scores_shared_with_care_team(patient.pk)
    chart = PatientChart(
        risk=_risk(patient, scores_shared),
        scores_shared=scores_shared,
        contact=PatientContact.objects.filter(patient=patient).first(),
        resolved_alerts=list(
            Alert.objects.filter(patient=patient, acknowledged_at__isnull=False)
            .select_related("acknowledged_by")
            .order_by("-acknowledged_at", "-pk")[:HISTORY_ALERTS]
        ),
        next_session=care_selectors.next_session(patient_id=patient.pk),
        courses=care_selectors.courses_with_sessions(patient_id=patient.pk),
    )
    chart.shared_categories, chart.shared_items = _shares(viewer, patient)
    if scores_shared:
        chart.latest_check_in, chart.sparkline = _sparkline(
            patient, measures_selectors.patient_today(patient)
        )
        # The page shows each scale's newest band only.
        chart.trends = overview.score_trends(patient, latest_band_only=True)
        chart.fading = _fading(patient)
    return chart
