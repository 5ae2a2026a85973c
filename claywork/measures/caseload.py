"""The clinician's caseload: every patient on their care teams, with where their scores stand.

One query reads the whole caseload, whatever its size: the latest and baseline (first
completed) totals of each scale, the last completed and next session and the number of open
alerts are correlated subqueries on the patient row, each answered from an index. Response and
remission are then judged in Python with the instrument's own rules
(``instruments.is_response`` / ``is_remission``: from a case-level baseline, on a score completed
after the first session), on those numbers.

The page is not paginated, so the rows are sorted in memory after that query: it keeps one
definition of "response" (the instrument's) instead of a second one in SQL for ORDER BY.

For triage each row also carries the last check-in, 14 days of mood (one more query for the
whole caseload), the current fading episode (``measures.FadingEpisode``) with its rule in words,
and the scales due or overdue (``schedule.due_scales``). "Needs attention" is an open alert, a
fading episode, a check-in later than the clinic's limit or an overdue scale; the default order
puts the most urgent first: alert severity, then fading (alert tier before early warning), then
a late check-in, then overdue scales."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care.models import Session, SessionStatus, TreatmentCourse
from claywork.clinics import consent
from claywork.clinics.models import ConsentRecord
from claywork.core import policy
from claywork.core.links import url_for_each
from claywork.measures import instruments, triage
from claywork.measures.models import CheckIn, ResponseStatus, ScaleResponse
from claywork.measures.selectors import current_fading_annotations
from claywork.measures.sparkline import SPARKLINE_DAYS, Sparkline, sparkline_from_text
from claywork.safety.models import Alert
from claywork.safety.selectors import SEVERITY_ORDER

# A session that started a little late is still "next" for the rest of its day.
NEXT_SESSION_GRACE = timedelta(hours=12)
# "No check-in 3+ days", the filter: a fixed triage question, whatever the clinic's red limit.
QUIET_DAYS = 3
SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}


@dataclass(frozen=True)
class ScaleStanding:
    """One scale for one patient: where they started, where they are, what that means."""

    title: str
    baseline: int
    latest: int
    band: str
    response: bool
    remission: bool

    @property
    def change(self) -> int:
        """Latest minus baseline: negative is fewer symptoms."""
        return self.latest - self.baseline

    @property
    def rank(self) -> int:
        return 2 if self.remission else 1 if self.response else 0

    @property
    def status(self) -> str:
        return ("No response yet", "Response", "Remission")[self.rank]


@dataclass(frozen=True)
class CaseloadRow:
    pk: int
    full_name: str
    record_url: str
    progress_url: str
    phq9: ScaleStanding | None
    gad7: ScaleStanding | None
    last_completed_at: datetime | None
    days_since_session: int | None
    completed_count: int
    next_session_at: datetime | None
    open_alerts: int
    # The most severe open alert's severity ("high", "medium", "low"), or None.
    open_alert_severity: str | None = None
    # False when the patient withdrew their scores from the care team (``policy.may_read_scores``):
    # the row stays (care goes on), without scores, check-ins or a progress link.
    scores_shared: bool = True
    last_check_in: date | None = None
    days_since_check_in: int | None = None
    # More days without a check-in than the clinic allows: shown in red.
    check_in_late: bool = False
    sparkline: Sparkline | None = None
    fading: triage.FadingStanding | None = None
    scales_due: tuple[triage.ScaleDue, ...] = ()
    # Between the integration window's opening and closing after the last completed session.
    in_window: bool = False

    @property
    def status_rank(self) -> tuple[int, int] | None:
        if self.phq9 is None and self.gad7 is None:
            return None
        return (
            self.phq9.rank if self.phq9 else -1,
            self.gad7.rank if self.gad7 else -1,
        )

    @property
    def scales_overdue(self) -> int:
        return sum(1 for scale in self.scales_due if scale.overdue)

    @property
    def attention(self) -> tuple[int, int, int, int]:
        """Most urgent first when sorted ascending: alert severity, fading tier, a late
        check-in, overdue scales (each negated)."""
        return (
            -SEVERITY_RANK.get(self.open_alert_severity or "", 0),
            -(self.fading.depth if self.fading else 0),
            -int(self.check_in_late),
            -self.scales_overdue,
        )

    @property
    def attention_reasons(self) -> list[str]:
        """Why this patient needs attention, in words; empty when nothing does."""
        reasons = []
        if self.open_alerts:
            severity = (self.open_alert_severity or "").capitalize()
            reasons.append(f"{severity} alert open".strip())
        if self.fading:
            reasons.append(self.fading.tier)
        if self.check_in_late:
            reasons.append("Check-in overdue")
        if self.scales_overdue:
            reasons.append("Scale overdue")
        return reasons

    @property
    def quiet(self) -> bool:
        """No check-in for ``QUIET_DAYS`` or more (or never), as far as the team may know."""
        return self.scores_shared and (
            self.days_since_check_in is None or self.days_since_check_in >= QUIET_DAYS
        )


@dataclass(frozen=True)
class SortKey:
    label: str
    # The first click on a column puts whoever most needs attention first.
    first_descending: bool
    # The row's value for this column; None (no data yet) sorts last in either direction.
    value: Callable[[CaseloadRow], Any]


SORT_KEYS: dict[str, SortKey] = {
    "attention": SortKey("Needs attention", False, lambda row: row.attention),
    "name": SortKey("Patient", False, lambda row: row.full_name.casefold()),
    "check_in": SortKey("Last check-in", True, lambda row: row.days_since_check_in),
    "phq9": SortKey("PHQ-9", True, lambda row: row.phq9 and row.phq9.latest),
    "phq9_change": SortKey("PHQ-9 change", True, lambda row: row.phq9 and row.phq9.change),
    "gad7": SortKey("GAD-7", True, lambda row: row.gad7 and row.gad7.latest),
    "gad7_change": SortKey("GAD-7 change", True, lambda row: row.gad7 and row.gad7.change),
    "status": SortKey("Response / remission", False, lambda row: row.status_rank),
    "last_session": SortKey("Last session", True, lambda row: row.days_since_session),
    "next_session": SortKey("Next session", False, lambda row: row.next_session_at),
    "alerts": SortKey("Open alerts", True, lambda row: row.open_alerts),
}
DEFAULT_SORT = "attention"
# The page's columns in order: a sort key, or a plain heading for a column that does not sort.
COLUMNS: list[tuple[str, str | None]] = [
    ("name", None),
    ("attention", None),
    ("check_in", None),
    ("mood", "Mood, 14 days"),
    ("fading", "Fading"),
    ("alerts", None),
    ("next_session", None),
    ("scales", "Scales due"),
    ("phq9", None),
    ("phq9_change", None),
    ("gad7", None),
    ("gad7_change", None),
    ("status", None),
    ("last_session", None),
]


@dataclass(frozen=True)
class CaseloadFilter:
    label: str
    keep: Callable[[CaseloadRow], bool]


FILTERS: dict[str, CaseloadFilter] = {
    "attention": CaseloadFilter("Needs attention", lambda row: bool(row.attention_reasons)),
    "window": CaseloadFilter("In the integration window now", lambda row: row.in_window),
    "quiet": CaseloadFilter(f"No check-in for {QUIET_DAYS}+ days", lambda row: row.quiet),
    "all": CaseloadFilter("All", lambda row: True),
}
DEFAULT_FILTER = "all"


@dataclass(frozen=True)
class CaseloadOrder:
    key: str
    descending: bool


@dataclass(frozen=True)
class ColumnHeader:
    key: str
    label: str
    href: str | None
    aria_sort: str | None


def valid_sort(sort: str | None) -> bool:
    return (sort or "").strip().removeprefix("-") in SORT_KEYS


def caseload_order(sort: str | None) -> CaseloadOrder:
    """``?sort=key`` or ``?sort=-key`` for a whitelisted key; anything else sorts by need."""
    raw = (sort or "").strip()
    descending = raw.startswith("-")
    key = raw.removeprefix("-")
    if key not in SORT_KEYS:
        return CaseloadOrder(DEFAULT_SORT, descending=False)
    return CaseloadOrder(key, descending=descending)


def caseload_filter(show: str | None) -> str:
    return show if show in FILTERS else DEFAULT_FILTER


def caseload_columns(order: CaseloadOrder, show: str = DEFAULT_FILTER) -> list[ColumnHeader]:
    """Column headers: a link that sorts by the column (the active one flips direction)."""
    headers = []
    keep = "" if show == DEFAULT_FILTER else f"&show={show}"
    for key, plain_label in COLUMNS:
        if plain_label is not None:
            headers.append(ColumnHeader(key=key, label=plain_label, href=None, aria_sort=None))
            continue
        sort_key = SORT_KEYS[key]
        active = key == order.key
        descending = not order.descending if active else sort_key.first_descending
        headers.append(
            ColumnHeader(
                key=key,
                label=sort_key.label,
                href=f"?sort={'-' if descending else ''}{key}{keep}",
                aria_sort=(("descending" if order.descending else "ascending") if active else None),
            )
        )
    return headers


def _completed(code: str) -> QuerySet[ScaleResponse]:
    return ScaleResponse.objects.filter(
        patient=OuterRef("pk"), instrument=code, status=ResponseStatus.COMPLETE
    )


def _baseline_total(code: str) -> Subquery:
    """The total of the first completed response: the baseline change is measured from."""
    return Subquery(_completed(code).order_by("completed_at", "pk").values("total")[:1])


def _latest_total(code: str) -> Subquery:
    return Subquery(_completed(code).order_by("-completed_at", "-pk").values("total")[:1])


def _latest_at(code: str) -> Subquery:
    return Subquery(_completed(code).order_by("-completed_at", "-pk").values("completed_at")[:1])


def _caseload_values(
    clinician: User, now: datetime, moods_since: date
) -> QuerySet[User, dict[str, Any]]:
    sessions = Session.objects.filter(patient=OuterRef("pk"))
    completed = sessions.filter(status=SessionStatus.COMPLETED, completed_at__isnull=False)
    scheduled = {
        f"scheduled_{code}_at": _latest_at(code)
        for code in triage.scheduled_codes()
        if code not in ("phq9", "gad7")
    }
    return (
        policy.patients_in_care_of(clinician)
        .annotate(
            phq9_baseline=_baseline_total("phq9"),
            phq9_latest=_latest_total("phq9"),
            gad7_baseline=_baseline_total("gad7"),
            gad7_latest=_latest_total("gad7"),
            phq9_latest_at=_latest_at("phq9"),
            gad7_latest_at=_latest_at("gad7"),
            **scheduled,
            # Response and remission are judged only on scores after treatment began.
            first_completed_at=Subquery(
                completed.order_by("completed_at").values("completed_at")[:1]
            ),
            last_completed_at=Subquery(
                completed.order_by("-completed_at").values("completed_at")[:1]
            ),
            completed_count=_count(completed),
            next_session_at=Subquery(
                sessions.filter(
                    status__in=[SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS],
                    scheduled_at__gte=now - NEXT_SESSION_GRACE,
                )
                .order_by("scheduled_at")
                .values("scheduled_at")[:1]
            ),
            open_alerts=_count(
                Alert.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)
            ),
            open_alert_severity=Subquery(
                Alert.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)
                .order_by(SEVERITY_ORDER)
                .values("severity")[:1]
            ),
            scores_consent=Subquery(
                ConsentRecord.objects.filter(user=OuterRef("pk"), topic=consent.SCORES, subject="")
                .order_by("-recorded_at", "-id")
                .values("given")[:1]
            ),
            last_check_in=Subquery(
                CheckIn.objects.filter(patient=OuterRef("pk")).order_by("-day").values("day")[:1]
            ),
            has_course=Exists(TreatmentCourse.objects.filter(patient=OuterRef("pk"))),
            recent_moods=triage.recent_moods(moods_since),
            **current_fading_annotations(),
        )
        .order_by("full_name", "pk")
        .values(
            "pk",
            "full_name",
            "timezone",
            "phq9_baseline",
            "phq9_latest",
            "gad7_baseline",
            "gad7_latest",
            "phq9_latest_at",
            "gad7_latest_at",
            *scheduled,
            "first_completed_at",
            "last_completed_at",
            "completed_count",
            "next_session_at",
            "open_alerts",
            "open_alert_severity",
            "scores_consent",
            "last_check_in",
            "has_course",
            "recent_moods",
            "fading_since",
            "fading_rule",
            "fading_detail",
            "fading_tier",
        )
    )


def _count(rows: QuerySet[Any]) -> Coalesce:
    """COUNT(*) of a correlated subquery (0 when nothing matches), without a GROUP BY outside."""
    counted = rows.order_by().values("patient").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _standing(code: str, patient: dict[str, Any]) -> ScaleStanding | None:
    baseline, latest = patient[f"{code}_baseline"], patient[f"{code}_latest"]
    if baseline is None or latest is None or patient["scores_consent"] is False:
        return None
    instrument = instruments.get_instrument(code)
    began, latest_at = patient["first_completed_at"], patient[f"{code}_latest_at"]
    treated = began is not None and latest_at is not None and latest_at >= began
    return ScaleStanding(
        title=instrument.title,
        baseline=baseline,
        latest=latest,
        band=instrument.band_for(latest),
        response=treated and instruments.is_response(instrument, baseline=baseline, current=latest),
        remission=treated
        and instruments.is_remission(instrument, baseline=baseline, current=latest),
    )


def _days_between(earlier: datetime | None, today: date, clinician: User) -> int | None:
    if earlier is None:
        return None
    return (today - earlier.astimezone(clinician.zone).date()).days


def caseload_rows(
    clinician: User, sort: str | None = None, show: str | None = None, *, limit: int | None = None
) -> list[CaseloadRow]:
    """Every patient on the clinician's care teams (those ``show`` keeps), sorted as
    ``caseload_order(sort)`` says.

    Two database queries, whatever the number of patients: the clinic's check-in limit
    (unless given as ``limit``) and the caseload (with the last 14 days of moods).
    """
    now = timezone.now()
    today = now.astimezone(clinician.zone).date()
    if limit is None:
        limit = triage.missed_check_in_limit(clinician)
    record_url = url_for_each("chart:patient")
    progress_url = url_for_each("measures:progress")
    # A day's slack before: a patient's own "today" can be a day behind the clinician's.
    patients = list(_caseload_values(clinician, now, today - timedelta(days=SPARKLINE_DAYS)))
    rows = [
        _row(patient, now, limit, record_url, progress_url, clinician, today)
        for patient in patients
    ]
    keep = FILTERS[caseload_filter(show)].keep
    return sort_rows([row for row in rows if keep(row)], caseload_order(sort))


def _row(
    patient: dict[str, Any],
    now: datetime,
    limit: int,
    record_url: Callable[[int], str],
    progress_url: Callable[[int], str],
    clinician: User,
    today: date,
) -> CaseloadRow:
    zone = triage.zone_named(patient["timezone"])
    patient_today = now.astimezone(zone).date()
    shared = patient["scores_consent"] is not False
    last_check_in = patient["last_check_in"] if shared else None
    days_since_check_in = (patient_today - last_check_in).days if last_check_in else None
    return CaseloadRow(
        pk=patient["pk"],
        full_name=patient["full_name"],
        record_url=record_url(patient["pk"]),
        progress_url=progress_url(patient["pk"]),
        phq9=_standing("phq9", patient),
        gad7=_standing("gad7", patient),
        last_completed_at=patient["last_completed_at"],
        days_since_session=_days_between(patient["last_completed_at"], today, clinician),
        completed_count=patient["completed_count"],
        next_session_at=patient["next_session_at"],
        open_alerts=patient["open_alerts"],
        open_alert_severity=patient["open_alert_severity"],
        scores_shared=shared,
        last_check_in=last_check_in,
        days_since_check_in=days_since_check_in,
        check_in_late=days_since_check_in is not None and days_since_check_in > limit,
        # Moods of a patient who withdrew their scores were read with the row, never shown.
        sparkline=(sparkline_from_text(patient["recent_moods"], patient_today) if shared else None),
        fading=triage.fading_standing(patient),
        scales_due=triage.scales_due(patient, patient_today, zone),
        in_window=triage.in_window(patient["last_completed_at"], now),
    )


def sort_rows(rows: list[CaseloadRow], order: CaseloadOrder) -> list[CaseloadRow]:
    """Sort by the order's column; rows without a value go last in either direction, and
    ties keep the order they came in (by name)."""
    value = SORT_KEYS[order.key].value
    present = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]
    return sorted(present, key=value, reverse=order.descending) + missing
