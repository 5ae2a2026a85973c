"""What the measures pages and the patient's home page show, shaped from the selectors.

Reads only, a fixed number of queries whatever the history's length: a patient's progress page
runs the same queries with ten check-ins or a year of them.

Baseline is the first completed administration of an instrument (the schedule asks for it
before the first session); "change since baseline" is the latest total minus that one.
Response and remission are judged only when they mean something: from a baseline at or above
the scale's case threshold, on a score completed after treatment began.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings

from claywork.accounts.models import User
from claywork.measures import checkpoints, effect, follow_up, instruments, selectors
from claywork.measures.instruments import Instrument
from claywork.measures.models import CheckIn, FadingEpisode, ResponseStatus, ScaleResponse
from claywork.vault.services import open_text

MOOD_MAX = 10


@dataclass(frozen=True)
class ScorePoint:
    day: date
    total: int
    band: str
    response_id: int


@dataclass(frozen=True)
class ScoreTrend:
    """One instrument's completed totals, oldest first, and what they say against baseline."""

    instrument: Instrument
    points: list[ScorePoint]
    treatment_began: date | None = None  # the day of the first completed session

    @property
    def baseline(self) -> ScorePoint:
        return self.points[0]

    @property
    def latest(self) -> ScorePoint:
        return self.points[-1]

    @property
    def has_follow_up(self) -> bool:
        return len(self.points) > 1

    @property
    def change(self) -> int:
        return self.latest.total - self.baseline.total

    @property
    def change_size(self) -> int:
        return abs(self.change)

    @property
    def is_meaningful_change(self) -> bool:
        return self.has_follow_up and self.change_size >= self.instrument.meaningful_change

    @property
    def treated(self) -> bool:
        """Whether the latest score was completed after treatment began."""
        began = self.treatment_began
        return began is not None and self.has_follow_up and self.latest.day >= began

    @property
    def outcome_judged(self) -> bool:
        """Response and remission mean something: a case-level baseline, a treated score."""
        applies = instruments.outcome_applies(self.instrument, baseline=self.baseline.total)
        return applies and self.treated

    @property
    def is_response(self) -> bool:
        return self.outcome_judged and instruments.is_response(
            self.instrument, baseline=self.baseline.total, current=self.latest.total
        )

    @property
    def is_remission(self) -> bool:
        return self.outcome_judged and instruments.is_remission(
            self.instrument, baseline=self.baseline.total, current=self.latest.total
        )

    @property
    def change_percent(self) -> int:
        return round(100 * -self.change / self.baseline.total) if self.baseline.total else 0

    @property
    def plain_words(self) -> str:
        """The change as a patient reads it: words, never "response: yes"."""
        if self.is_response:
            words = "Much lower than when you started: less than half."
            if self.is_remission:
                words += f" Now under {self.instrument.remission_below}, where few symptoms are."
            return words
        if self.is_meaningful_change:
            if self.change < 0:
                return "Lower than when you started."
            return "Higher than when you started. Your care team sees this too."
        return "About the same as when you started."

    @property
    def newest_first(self) -> list[ScorePoint]:
        return self.points[::-1]

    def chart(self, sessions: list[date]) -> dict[str, Any]:
        return {
            "y_max": self.instrument.max_total,
            "y_label": f"{self.instrument.title} total",
            "series": [
                {
                    "label": f"{self.instrument.title} total",
                    "emphasis": "main",
                    "points": [[point.day.isoformat(), point.total] for point in self.points],
                }
            ],
            "sessions": [day.isoformat() for day in sessions],
        }


@dataclass(frozen=True)
class MoodDay:
    day: date
    mood: int
    mean: float | None  # the 7-day rolling mean, once the window holds enough check-ins


@dataclass(frozen=True)
class Progress:
    patient: User
    trends: list[ScoreTrend]
    mood: list[MoodDay]  # oldest first
    sessions: list[date]
    report: effect.EffectReport
    # Completed risk screens (the safety follow-up), newest first: levels, not totals to chart.
    screens: list[tuple[ScorePoint, Instrument]] = field(default_factory=list)

    @property
    def mood_newest_first(self) -> list[MoodDay]:
        return self.mood[::-1]

    @property
    def fading(self) -> effect.Episode | None:
        """The fading episode going on now, if any."""
        return self.report.current

    @property
    def past_episodes(self) -> list[effect.Episode]:
        return [episode for episode in reversed(self.report.episodes) if not episode.is_open]

    @property
    def course(self) -> effect.CourseBenefit | None:
        return self.report.course

    @property
    def measured_sessions(self) -> list[effect.Benefit]:
        """Sessions whose own effect the data can tell apart (boosters, spaced sessions)."""
        course = self.report.course
        return [
            benefit
            for benefit in self.report.sessions
            if benefit.status != effect.TOO_CLOSE
            and (course is None or benefit.session_day != course.last_session)
        ]

    def mood_chart(self) -> dict[str, Any]:
        return {
            "y_max": MOOD_MAX,
            "y_label": "Mood (0-10)",
            "series": [
                {
                    "label": "Daily mood",
                    "emphasis": "faint",
                    "points": [[row.day.isoformat(), row.mood] for row in self.mood],
                },
                {
                    "label": "7-day mean",
                    "emphasis": "main",
                    "points": [
                        [row.day.isoformat(), round(row.mean, 2)]
                        for row in self.mood
                        if row.mean is not None
                    ],
                },
            ],
            "sessions": [day.isoformat() for day in self.sessions],
        }

    def charts(self) -> list[tuple[ScoreTrend, dict[str, Any]]]:
        return [(trend, trend.chart(self.sessions)) for trend in self.trends]


def _charted_order(codes: set[str]) -> list[str]:
    """Scheduled instruments first (PHQ-9, GAD-7), then any other the patient has answered."""
    scheduled = [code for code in settings.CLAYWORK_SCHEDULED_INSTRUMENTS if code in codes]
    return scheduled + sorted(codes - set(scheduled))


def score_trends(
    patient: User, *, treatment_began: date | None = None, latest_band_only: bool = False
) -> list[ScoreTrend]:
    """Each charted instrument's completed totals, oldest first. ``latest_band_only``: a page
    that shows only the newest score's band (the clinician's patient page) leaves the others
    sealed (``band`` empty) rather than open a band per response it does not show."""
    registry = instruments.registry()
    charted = [code for code, instrument in registry.items() if not instrument.is_risk_screen]
    rows = (
        selectors.completed_responses(patient_id=patient.pk)
        .filter(instrument__in=charted)
        .values_list("instrument", "completed_at", "total", "band_sealed", "pk")
    )
    sealed_points: dict[str, list[tuple[date, int, str, int]]] = {}
    for code, completed_at, total, band_sealed, pk in rows:
        if completed_at is None or total is None:
            continue
        day = completed_at.astimezone(patient.zone).date()
        sealed_points.setdefault(code, []).append((day, total, band_sealed, pk))
    points: dict[str, list[ScorePoint]] = {
        code: [
            ScorePoint(
                day,
                total,
                _band(band_sealed, patient)
                if not latest_band_only or at == len(series) - 1
                else "",
                pk,
            )
            for at, (day, total, band_sealed, pk) in enumerate(series)
        ]
        for code, series in sealed_points.items()
    }
    return [
        ScoreTrend(registry[code], points[code], treatment_began)
        for code in _charted_order(set(points))
    ]


def progress_for(patient: User) -> Progress:
    inputs = selectors.effect_inputs_for(patient)
    means = dict(effect.rolling_mean(inputs.mood))
    began = inputs.sessions[0] if inputs.sessions else None
    return Progress(
        patient=patient,
        trends=score_trends(patient, treatment_began=began),
        mood=[MoodDay(day, mood, means.get(day)) for day, mood in inputs.mood],
        sessions=inputs.sessions,
        report=checkpoints.evaluate(patient.pk, inputs),
        screens=risk_screens(patient),
    )


def risk_screens(patient: User) -> list[tuple[ScorePoint, Instrument]]:
    registry = instruments.registry()
    screens = [code for code, instrument in registry.items() if instrument.is_risk_screen]
    rows = (
        selectors.completed_responses(patient_id=patient.pk)
        .filter(instrument__in=screens)
        .order_by("-completed_at", "-pk")
        .values_list("instrument", "completed_at", "total", "band_sealed", "pk")
    )
    return [
        (
            ScorePoint(
                completed_at.astimezone(patient.zone).date(), total, _band(sealed, patient), pk
            ),
            registry[code],
        )
        for code, completed_at, total, sealed, pk in rows
        if completed_at is not None and total is not None
    ]


def _band(sealed: str, patient: User) -> str:
    """A response's band, opened as ``ScaleResponse.band`` would, without the instance."""
    context = ScaleResponse.band.context  # type: ignore[attr-defined]
    return open_text(token=sealed, context=context, owner_id=patient.pk) if sealed else ""


def history(patient: User) -> list[tuple[ScaleResponse, Instrument | None]]:
    """The patient's completed scales, newest first, without opening their answers."""
    registry = instruments.registry()
    responses = (
        selectors.completed_responses(patient_id=patient.pk)
        .order_by("-completed_at", "-pk")
        .defer("answers_sealed")
    )
    return [(response, registry.get(response.instrument)) for response in responses]


def check_in_for_day(patient: User, day: date) -> CheckIn | None:
    return CheckIn.objects.filter(patient=patient, day=day).first()


@dataclass(frozen=True)
class DueItem:
    """A due scale as the patient sees it: its instrument, why it is due, whether begun."""

    instrument: Instrument
    reason: str
    started: bool


def due_items(patient: User) -> list[DueItem]:
    registry = instruments.registry()
    due = selectors.due_scales_for(patient=patient)
    started = set(
        ScaleResponse.objects.filter(
            patient=patient, status=ResponseStatus.IN_PROGRESS
        ).values_list("instrument", flat=True)
    )
    items = [
        DueItem(registry[scale.code], scale.reason, scale.code in started)
        for scale in due
        if scale.code in registry
    ]
    offer = follow_up.screener_offer(patient)
    if offer is not None:
        items.insert(
            0, DueItem(offer.instrument, "a few more questions for your care team", offer.started)
        )
    return items


@dataclass(frozen=True)
class HomeMeasures:
    today_check_in: CheckIn | None
    due: list[DueItem]
    fading: FadingEpisode | None


def home_measures(patient: User) -> HomeMeasures:
    return HomeMeasures(
        today_check_in=check_in_for_day(patient, selectors.patient_today(patient)),
        due=due_items(patient),
        # The episode kept at the patient's last check-in or scale: one query, not a replay.
        fading=selectors.current_fading_episode(patient_id=patient.pk),
    )
