"""Is the effect holding? Plain functions over a patient's numbers; no database, no HTTP.

``evaluate(inputs)`` is the one entry point, used by the app (on every check-in and scale,
and by the progress pages) and by ``claywork effect --file COHORT.json`` alike:

* **episodes** (``fading.py``): when the effect may be fading, found by replaying the days
  one by one, each day seeing only the data up to it, so the app (which evaluates as data
  arrives) and a replay of a whole history agree on when each episode began;
* **benefit** (``durability.py``): how long the course's lift over the pre-course baseline
  has held, or held, and what each session added when the data can tell.

The rules, their references and the trade-offs are in docs/measures.md and bench/README.md
(the simulation that chose the defaults). Claywork only flags these for the care team; it
never suggests a dose or a treatment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from statistics import fmean
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claywork.measures.fading import Checkpoint

WINDOW_DAYS = 7
MIN_POINTS_IN_WINDOW = 3

# Rules, from the earliest warning to the firmest evidence: an episode "deepens" when a
# firmer rule fires after it opened.
MOOD_EARLY_WARNING = "mood_early_warning"
MOOD_SUSTAINED_FALL = "mood_sustained_fall"
# A fall about as deep as the course's lift, by a likelihood-ratio CUSUM (decision 0006,
# fourth amendment).
MOOD_RELAPSE_SIZED_FALL = "mood_relapse_sized_fall"
# The posterior probability that a relapse has begun, from a filter over the patient's own
# check-ins and PHQ-9s (claywork/measures/relapse_filter.py; decision 0006, fourth amendment).
MOOD_RELAPSE_PROBABLE = "mood_relapse_probable"
PHQ9_CONFIRMED_RISE = "phq9_confirmed_rise"
PHQ9_RELIABLE_RISE = "phq9_reliable_rise"
# An early warning confirmed: by the PHQ-9 asked for when it opened, or by mood falling
# further while check-ins thin out (decision 0006, second amendment).
PHQ9_CONFIRMS_WARNING = "phq9_confirms_warning"
MOOD_FALL_FEWER_CHECK_INS = "mood_fall_fewer_check_ins"
RULE_DEPTH = {
    MOOD_EARLY_WARNING: 1,
    MOOD_SUSTAINED_FALL: 2,
    MOOD_RELAPSE_SIZED_FALL: 2,
    MOOD_RELAPSE_PROBABLE: 2,
    PHQ9_CONFIRMS_WARNING: 2,
    MOOD_FALL_FEWER_CHECK_INS: 2,
    PHQ9_CONFIRMED_RISE: 3,
    PHQ9_RELIABLE_RISE: 3,
}
RULE_TITLES = {
    MOOD_EARLY_WARNING: "Daily mood below its usual level",
    MOOD_SUSTAINED_FALL: "Daily mood below its usual level, sustained",
    MOOD_RELAPSE_SIZED_FALL: "Daily mood fallen back towards where it was before the course",
    MOOD_RELAPSE_PROBABLE: "Daily mood and PHQ-9: a sustained fall is likely",
    PHQ9_CONFIRMS_WARNING: "Daily mood below its usual level, and a PHQ-9 above its usual level",
    MOOD_FALL_FEWER_CHECK_INS: "Daily mood further below its usual level, with fewer check-ins",
    PHQ9_CONFIRMED_RISE: "PHQ-9 above its usual level twice in a row",
    PHQ9_RELIABLE_RISE: "PHQ-9 reliably above its usual level",
}

# Tiers (decision 0006). An early warning is shown on the caseload and the patient's pages
# ("mood below usual — watch") and raises no alert; an episode becomes a fading alert, which
# reaches the care team, only on firmer evidence: a PHQ-9 rule, or a mood fall that persists.
EARLY_WARNING = "early_warning"
ALERT = "alert"
TIER_TITLES = {EARLY_WARNING: "Mood below usual — watch", ALERT: "Effect may be fading"}


def tier_of(depth: int) -> str:
    """The tier of an episode whose firmest rule so far has ``depth``."""
    return ALERT if depth >= RULE_DEPTH[MOOD_SUSTAINED_FALL] else EARLY_WARNING


@dataclass(frozen=True)
class EffectInputs:
    phq9: list[tuple[date, int]]  # completed PHQ-9 totals, oldest first, one per day
    mood: list[tuple[date, int]]  # daily check-in mood 0-10, oldest first, one per day
    sessions: list[date]  # days of completed sessions, oldest first
    today: date


@dataclass(frozen=True)
class EffectParams:
    """The rules' thresholds. The defaults are the settings' defaults (``from_settings``);
    each is Claywork's own choice, tuned on the simulation (bench/effect_sim.py), except the
    PHQ-9 reliable change, which comes from the instrument's definition."""

    usual_days: int = 28  # the usual level: the median of this many days...
    recent_days: int = 7  # ...ending this many days ago (the latest days are what is judged)
    min_usual_points: int = 4  # check-ins the usual level needs
    mood_slack: float = 1.0  # CUSUM: a day counts only by how far it is below usual - slack
    mood_threshold: float = 3.0  # CUSUM: the summed shortfall (mood points x days) that fires
    # The alert tier's mood rule: a second CUSUM, with this slack, that has risen for this
    # many days and summed at least this much (a bad week rarely does both; a relapse does).
    alert_slack: float = 1.0
    alert_threshold: float = 0.0  # 0: off (decision 0006, fourth amendment: the filter below)
    alert_days: int = 10
    # The alert tier's likelihood-ratio CUSUM (Page, 1954; Lorden, 1971): each check-in adds
    # the log-likelihood ratio of "mood fell by this share of the lift" against "mood at its
    # usual level", in units of the patient's own spread; it fires at ``relapse_threshold``.
    # A share of 0 turns the rule off.
    relapse_shift: float = 0.0
    relapse_threshold: float = 30.0
    # The alert tier's relapse filter: fires when the posterior probability that a relapse has
    # begun reaches this (0 turns it off).
    relapse_probability: float = 0.75
    phq9_reliable_change: int = 6  # the instrument's reliable change (Jacobson-Truax)
    # One PHQ-9 this far above usual fires alone (0: at the reliable change). Above the reliable
    # change by default: the relapse filter weighs every PHQ-9 with the check-ins, and a
    # reliable rise alone made about 40% of the alert tier's false alerts (decision 0006, sixth
    # amendment).
    phq9_single_rise: int = 10
    phq9_confirmed_rise: int = 10  # two PHQ-9s in a row this far above usual fire
    # Confirming an early warning (the alert tier): a PHQ-9 answered while it is open this far
    # above the usual PHQ-9 (the app asks for one when it opens)...
    confirm_phq9_rise: int = 10
    # ...or the warning's CUSUM summed this much with check-ins this much rarer (a share of
    # days) in the last week than over the usual level's days. 0 turns the rule off.
    confirm_mood_threshold: float = 0.0
    confirm_check_in_drop: float = 0.15
    phq9_usual_days: int = 42  # the PHQ-9's usual level: the median over this many days
    merge_days: int = 14  # an episode that starts again this soon after its end is the same
    recovery_days: int = 5  # mood back near usual for this many check-ins ends an episode
    min_lift: float = 1.0  # mood points above the pre-course level that count as a lift
    lost_fraction: float = 0.5  # the benefit has ended once this share of the lift is gone
    confirm_days: int = 10  # ...and has stayed gone this long (a bad week is not an end)
    course_gap_days: int = 14  # sessions closer than this belong to one course
    session_gap_days: int = 7  # a session's own effect is told only with this long to the next

    @classmethod
    def from_settings(cls) -> EffectParams:
        from django.conf import settings

        from claywork.measures import instruments

        phq9 = instruments.registry().get("phq9")
        reliable = phq9.reliable_change if phq9 and phq9.reliable_change else 6
        return cls(
            usual_days=settings.CLAYWORK_FADING_USUAL_DAYS,
            mood_slack=settings.CLAYWORK_FADING_MOOD_SLACK_TENTHS / 10,
            mood_threshold=settings.CLAYWORK_FADING_MOOD_THRESHOLD_TENTHS / 10,
            alert_slack=settings.CLAYWORK_FADING_ALERT_SLACK_TENTHS / 10,
            alert_threshold=settings.CLAYWORK_FADING_ALERT_THRESHOLD_TENTHS / 10,
            alert_days=settings.CLAYWORK_FADING_ALERT_DAYS,
            relapse_shift=settings.CLAYWORK_FADING_RELAPSE_SHIFT_PERCENT / 100,
            relapse_threshold=settings.CLAYWORK_FADING_RELAPSE_THRESHOLD_TENTHS / 10,
            relapse_probability=settings.CLAYWORK_FADING_RELAPSE_PROBABILITY_PERCENT / 100,
            phq9_reliable_change=reliable,
            phq9_single_rise=settings.CLAYWORK_FADING_PHQ9_SINGLE_RISE,
            phq9_confirmed_rise=settings.CLAYWORK_FADING_PHQ9_RISE,
            confirm_phq9_rise=settings.CLAYWORK_FADING_CONFIRM_PHQ9_RISE,
            confirm_mood_threshold=settings.CLAYWORK_FADING_CONFIRM_MOOD_THRESHOLD_TENTHS / 10,
            confirm_check_in_drop=settings.CLAYWORK_FADING_CONFIRM_CHECK_IN_DROP_PERCENT / 100,
            merge_days=settings.CLAYWORK_FADING_MERGE_DAYS,
            min_lift=settings.CLAYWORK_BENEFIT_MIN_LIFT_TENTHS / 10,
            lost_fraction=settings.CLAYWORK_BENEFIT_LOST_PERCENT / 100,
            confirm_days=settings.CLAYWORK_BENEFIT_CONFIRM_DAYS,
            course_gap_days=settings.CLAYWORK_COURSE_GAP_DAYS,
        )

    def with_changes(self, **changes: Any) -> EffectParams:
        return replace(self, **changes)


@dataclass(frozen=True)
class Deepening:
    day: date
    rule: str
    detail: str

    @property
    def rule_title(self) -> str:
        return RULE_TITLES[self.rule]


@dataclass(frozen=True)
class Episode:
    """A spell when the effect may be fading: from the day a rule first fired to the day the
    numbers were back near their usual level (``end`` None while it goes on)."""

    start: date
    rule: str  # the rule that opened it
    detail: str  # the values it fired on
    end: date | None = None
    deepened: tuple[Deepening, ...] = ()
    reopened: tuple[date, ...] = ()  # days it started again within the merge window

    @property
    def depth(self) -> int:
        return max([RULE_DEPTH[self.rule], *(RULE_DEPTH[step.rule] for step in self.deepened)])

    @property
    def rule_title(self) -> str:
        return RULE_TITLES[self.rule]

    @property
    def latest_rule(self) -> str:
        return self.deepened[-1].rule if self.deepened else self.rule

    @property
    def latest_detail(self) -> str:
        return self.deepened[-1].detail if self.deepened else self.detail

    @property
    def is_open(self) -> bool:
        return self.end is None

    @property
    def tier(self) -> str:
        return tier_of(self.depth)

    @property
    def is_early_warning(self) -> bool:
        return self.tier == EARLY_WARNING

    @property
    def tier_title(self) -> str:
        return TIER_TITLES[self.tier]

    @property
    def alerted_on(self) -> date | None:
        """The day it became a fading alert (None while it is an early warning)."""
        if tier_of(RULE_DEPTH[self.rule]) == ALERT:
            return self.start
        return next((s.day for s in self.deepened if tier_of(RULE_DEPTH[s.rule]) == ALERT), None)

    def alert_days(self) -> list[date]:
        """The days a person should hear of it: when it opened, and each time it started
        again or deepened (the app updates its alert, or raises a new one if it was seen)."""
        return sorted({self.start, *self.reopened, *(step.day for step in self.deepened)})

    def as_dict(self) -> dict[str, str | None]:
        """The ``claywork effect`` form: where it began, the rule and the values it fired on;
        after semicolons, each firmer rule that fired later and each time it started again;
        its tier now (``early_warning`` or ``alert``) and the day it became an alert."""
        later = [
            (s.day, f"then on {s.day.isoformat()} {s.rule}: {s.detail}") for s in self.deepened
        ]
        later += [(day, f"started again on {day.isoformat()}") for day in self.reopened]
        if self.end is not None:
            later.append((self.end, f"back to usual on {self.end.isoformat()}"))
        detail = "; ".join([self.detail] + [text for _, text in sorted(later)])
        return {
            "start": self.start.isoformat(),
            "rule": self.rule,
            "detail": detail,
            "tier": self.tier,
            "alerted_on": self.alerted_on.isoformat() if self.alerted_on else None,
        }


def phq9_requests(episodes: list[Episode]) -> list[date]:
    """The days Claywork asks the patient for a PHQ-9: each episode that opened as an early
    warning, once, on the day it opened (the answer may confirm it, ``PHQ9_CONFIRMS_WARNING``).
    A reopened episode is the same episode and is not asked again."""
    return [episode.start for episode in episodes if episode.rule == MOOD_EARLY_WARNING]


# Benefit statuses.
HOLDING = "holding"  # still above the line
LASTED = "lasted"  # fell below the line and stayed there: the benefit ended
UNTIL_NEXT = "until_next"  # still above the line when the next session came
UNSURE = "unsure"  # below the line lately, not long enough to call it an end
NO_LIFT = "no_lift"
TOO_CLOSE = "too_close"  # a session inside a course: the next came too soon to tell
NOT_ENOUGH_DATA = "not_enough_data"


@dataclass(frozen=True)
class Benefit:
    """How long a lift over the pre-course baseline held after a session (or a course)."""

    session_day: date
    status: str
    days: int | None = None  # held (or has held so far) this many days after the session
    pre_level: float | None = None  # median mood in the 14 days before the course
    settled_level: float | None = None  # median mood in the 14 days after the session
    lost_on: date | None = None
    next_session_day: date | None = None
    # What the slide-and-floor fit found, for the clinician (``durability.fit_detail``); not
    # in ``as_dict``, whose keys ``claywork effect --file`` keeps.
    fitted: str | None = None

    @property
    def lift(self) -> float | None:
        if self.pre_level is None or self.settled_level is None:
            return None
        return self.settled_level - self.pre_level

    @property
    def summary(self) -> str:
        """For the clinician and the patient alike: plain words, no scores."""
        days = self.days or 0
        if self.status == HOLDING:
            return f"Still holding after {days} day{'s' if days != 1 else ''}"
        if self.status == LASTED:
            return f"The lift lasted about {days} days"
        if self.status == UNTIL_NEXT:
            return f"Still holding after {days} days, when the next session came"
        if self.status == UNSURE:
            return f"Held for about {days} days; mood has been lower since, too recently to tell"
        if self.status == NO_LIFT:
            return "No clear lift in mood over where it was before the course"
        if self.status == TOO_CLOSE:
            gap = (self.next_session_day - self.session_day).days if self.next_session_day else 0
            return f"The next session came {gap} days later: too soon to tell this one apart"
        return "Not enough check-ins around it to tell"

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.session_day.isoformat(),
            "status": self.status,
            "days": self.days,
            "pre_course_mood": _rounded(self.pre_level),
            "settled_mood": _rounded(self.settled_level),
            "lost_on": self.lost_on.isoformat() if self.lost_on else None,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class CourseBenefit:
    first_session: date
    last_session: date
    sessions: int
    benefit: Benefit

    def as_dict(self) -> dict[str, Any]:
        body = self.benefit.as_dict()
        body.pop("day")
        return {
            "first_session": self.first_session.isoformat(),
            "last_session": self.last_session.isoformat(),
            "sessions": self.sessions,
        } | body


@dataclass(frozen=True)
class EffectReport:
    episodes: list[Episode]
    course: CourseBenefit | None
    sessions: list[Benefit] = field(default_factory=list)
    # The replay's state the day before ``today``, to resume from on the next evaluation
    # (``fading.episodes_from``); no part of the verdicts.
    checkpoint: Checkpoint | None = field(default=None, compare=False, repr=False)

    @property
    def current(self) -> Episode | None:
        """The episode going on now, if any."""
        return self.episodes[-1] if self.episodes and self.episodes[-1].is_open else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "episodes": [episode.as_dict() for episode in self.episodes],
            "benefit": {
                "course": self.course.as_dict() if self.course else None,
                "sessions": [benefit.as_dict() for benefit in self.sessions],
            },
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def evaluate(
    inputs: EffectInputs,
    params: EffectParams | None = None,
    *,
    checkpoint: Checkpoint | None = None,
    with_benefits: bool = True,
) -> EffectReport:
    """The report for ``inputs``. Given the ``checkpoint`` of an earlier report on the same
    patient, the fading replay resumes from it when the data up to its day are unchanged (the
    same episodes, fewer days replayed); the report carries the next one. Without
    ``with_benefits`` the durability is left out (``course`` None, no sessions): the write
    path keeps episodes only, and the durability's fit costs more than the replay."""
    from claywork.measures import durability, fading

    params = EffectParams.from_settings() if params is None else params
    course, sessions = durability.benefits(inputs, params) if with_benefits else (None, [])
    found, kept = fading.episodes_from(inputs, params, checkpoint)
    return EffectReport(episodes=found, course=course, sessions=sessions, checkpoint=kept)


def rolling_mean(
    points: list[tuple[date, int]], window: int = WINDOW_DAYS
) -> list[tuple[date, float]]:
    """For each day with a value, the mean of the values in the window ending that day (the
    progress page's smoothed line; the rules use medians, see ``fading``)."""
    means: list[tuple[date, float]] = []
    start = 0
    for end, (day, _) in enumerate(points):
        while points[start][0] <= day - timedelta(days=window):
            start += 1
        values = [value for _, value in points[start : end + 1]]
        if len(values) >= min(MIN_POINTS_IN_WINDOW, window):
            means.append((day, fmean(values)))
    return means
