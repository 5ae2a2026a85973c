"""Fading episodes, found by replaying a patient's days in order. No database.

Each day is judged with the data up to that day only, so an episode found in a replay of a
whole history starts on the day the app, checking as the data came in, would have raised it.

The rules (thresholds in ``EffectParams``; docs/measures.md gives the references):

* **The usual level** is a median, never an extreme: of the mood check-ins from
  ``usual_days`` + ``recent_days`` to ``recent_days`` days ago, and of the PHQ-9s of the last
  ``phq9_usual_days`` days up to ``recent_days`` ago; only days after the latest session
  (PHQ-9: a week after it, as it looks back two weeks), never days inside an earlier episode.
  While an episode is open its usual levels stay those of the day it opened.
* **Mood early warning**: a one-sided CUSUM (Page, 1954) of each check-in's shortfall below
  the usual level minus a slack, ``S = max(0, S + usual - mood - slack)``, fires at
  ``mood_threshold``. A missed day adds nothing and takes nothing away. It runs only when the
  usual level is at least ``min_lift`` above the pre-course level (no lift, nothing to fade).
* **Mood sustained fall**: a second CUSUM on the same check-ins, with the wider slack
  ``alert_slack``, has risen for at least ``alert_days`` days and summed ``alert_threshold``:
  the fall persists. With the PHQ-9 rules, the firmer
  evidence that makes an episode a fading alert (``effect.ALERT``); the early warning alone
  stays a "watch" on the care team's pages (decision 0006).
* **Mood fallen back towards the pre-course level** (the alert tier; decision 0006, third
  amendment): Page's CUSUM on the Gaussian log-likelihood ratio of "mood fell by
  ``relapse_shift`` of the lift" against "mood at its usual level", in units of the usual
  check-ins' robust spread, ``S = max(0, S + shift / spread^2 * (usual - mood - shift / 2))``,
  fires at ``relapse_threshold``. A relapse loses most of the lift; a bad week 1-3 points
  whatever the lift, so a shallow one adds little. A missed day adds nothing.
* **A sustained fall is likely** (the alert tier; decision 0006, fourth amendment, addendum):
  the posterior probability that a relapse has begun, from ``relapse_filter.RelapseFilter``
  over the check-ins and PHQ-9s, with a model estimated from the usual days; fires at
  ``relapse_probability``. On by default, in place of the sustained fall (``alert_threshold``
  0: off).
* **PHQ-9 reliable rise**: one PHQ-9 at least ``phq9_single_rise`` above its usual level (0:
  the instrument's reliable change; Jacobson & Truax, 1991). **PHQ-9 confirmed rise**: two in a
  row, each at least ``phq9_confirmed_rise`` above it. Both above the reliable change by
  default: the relapse filter weighs every PHQ-9 with the check-ins (decision 0006, sixth
  amendment).
* **An early warning confirmed** (the alert tier; decision 0006, second amendment): when an
  early warning opens, Claywork asks the patient for a PHQ-9 (``effect.phq9_requests``). A
  PHQ-9 answered while the episode is open, at least ``confirm_phq9_rise`` above the usual
  PHQ-9 frozen when it opened, confirms it (``PHQ9_CONFIRMS_WARNING``): the warning is the
  prior, so a smaller rise than a reliable change will do. Or the warning's CUSUM goes on to
  ``confirm_mood_threshold`` while the last week's check-ins are at least
  ``confirm_check_in_drop`` (a share of days) rarer than over the usual level's days
  (``MOOD_FALL_FEWER_CHECK_INS``): people check in less as they get worse.
* An episode ends when the mean of the last week's check-ins (at least three) is back within
  the slack of the usual level and the latest PHQ-9 is no longer raised; one that starts again
  within ``merge_days`` of its end is the same episode, reopened.

**Resuming a replay** (``episodes_from``). As each day is judged with the data up to that day
only, the replay's state at the end of a day depends on nothing later. A ``Checkpoint`` keeps
that state for the day before ``today`` with a fingerprint of the rules and of every session,
check-in and PHQ-9 up to that day; given it back with data that still match, the replay starts
the day after it instead of at the first session, and finds the same episodes (a save steps a
day or two, not the whole history). Data changed on or before that day (a check-in backfilled,
a scale answered twice) fail the fingerprint and the replay starts from the beginning.
"""

from __future__ import annotations

import hashlib
import pickle
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import fmean, median

from claywork.measures.effect import (
    MOOD_EARLY_WARNING,
    MOOD_FALL_FEWER_CHECK_INS,
    MOOD_RELAPSE_PROBABLE,
    MOOD_RELAPSE_SIZED_FALL,
    MOOD_SUSTAINED_FALL,
    PHQ9_CONFIRMED_RISE,
    PHQ9_CONFIRMS_WARNING,
    PHQ9_RELIABLE_RISE,
    RULE_DEPTH,
    Deepening,
    EffectInputs,
    EffectParams,
    Episode,
)
from claywork.measures.relapse_filter import RelapseFilter, inertia, level, level_spread

PRE_COURSE_DAYS = 14
# The relapse filter's model reads the usual days of this long a window (the other rules:
# ``usual_days``): its levels and spread matter more than the rules' medians, and settled
# benefit is flat (bench/README.md, "Fifth pass").
FILTER_USUAL_DAYS = 56
PHQ9_LOOKBACK_DAYS = 7  # a PHQ-9 asks about two weeks: the first week after a session is mixed
PREVIOUS_PHQ9_DAYS = 21  # "two in a row" means the previous one is at most this old
RECOVERY_MIN_POINTS = 3
# The robust spread of check-ins (1.4826 x MAD) is at least this: moods are whole numbers, so
# a steady patient's MAD can be 0, and a spread of 0 would make any dip evidence.
MIN_MOOD_SPREAD = 0.7


@dataclass
class _Spell:
    """An episode being built: its usual levels frozen on the day it opened."""

    start: date
    rule: str
    detail: str
    mood_usual: float | None
    phq9_usual: float | None
    check_in_rate: float | None = None  # the share of days with a check-in, usual days
    mood_spread: float | None = None  # the usual check-ins' robust spread
    end: date | None = None
    deepened: list[Deepening] = field(default_factory=list)
    reopened: list[date] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return max([RULE_DEPTH[self.rule], *(RULE_DEPTH[step.rule] for step in self.deepened)])

    def episode(self) -> Episode:
        return Episode(
            self.start,
            self.rule,
            self.detail,
            self.end,
            tuple(self.deepened),
            tuple(self.reopened),
        )


def _pre_course_values(inputs: EffectInputs, params: EffectParams) -> list[int] | None:
    """The check-ins of the two weeks before the first session, if enough."""
    if not inputs.sessions:
        return None
    first = inputs.sessions[0]
    values = [v for d, v in inputs.mood if first - timedelta(days=PRE_COURSE_DAYS) <= d < first]
    return values if len(values) >= params.min_usual_points else None


def pre_course_level(inputs: EffectInputs, params: EffectParams) -> float | None:
    """The median mood of the two weeks before the first session: where the patient began."""
    values = _pre_course_values(inputs, params)
    return median(values) if values is not None else None


class _Replay:
    """The replay's state. Days are positions in lists from ``origin``, so a window is a slice
    and a year of data replays in a few milliseconds."""

    def __init__(self, inputs: EffectInputs, params: EffectParams) -> None:
        self.params = params
        self.sessions = inputs.sessions
        days = [d for d, _ in inputs.mood] + [d for d, _ in inputs.phq9] + inputs.sessions
        self.origin = min(days)
        size = (max([*days, inputs.today]) - self.origin).days + 1
        self.mood: list[int | None] = [None] * size
        for d, value in inputs.mood:
            self.mood[self.at(d)] = value
        self.phq9 = inputs.phq9
        self.phq9_days = [day for day, _ in inputs.phq9]
        self.phq9_by_day = dict(inputs.phq9)
        self.pre_course = pre_course_level(inputs, params)
        # The relapse filter's pre-course level: the interquartile mean, not stuck on whole and
        # half points as a median of whole numbers is (decision 0006, fifth amendment).
        pre_values = _pre_course_values(inputs, params)
        self.pre_course_level = level(pre_values) if pre_values is not None else None
        self.spells: list[_Spell] = []
        # Days inside an episode, marked as the replay passes them (the usual levels only look
        # at days already passed).
        self.in_episode = bytearray(size)
        self.cusum = 0.0
        self.run_start: date | None = None  # the first day of the CUSUM's current rise
        # The alert tier's own CUSUM, with a wider slack: a fall that persists, not a bad week.
        self.sustained = 0.0
        self.sustained_start: date | None = None
        # The alert tier's likelihood-ratio CUSUM (a fall about as deep as the lift).
        self.relapse_llr = 0.0
        self.relapse_start: date | None = None
        # The alert tier's relapse filter (``relapse_filter``), made when a usual level and a
        # lift are known, made again after each session and each episode's end.
        self.relapse_filter: RelapseFilter | None = None
        self.session_days = set(inputs.sessions)
        baseline = [t for d, t in inputs.phq9 if d <= inputs.sessions[0]] if inputs.sessions else []
        self.phq9_baseline: int | None = baseline[-1] if baseline else None

    def at(self, day: date) -> int:
        return (day - self.origin).days

    def moods(self, first: date, last: date) -> list[tuple[int, int]]:
        """(position, mood) of the check-ins from ``first`` to ``last``."""
        start, stop = max(0, self.at(first)), self.at(last) + 1
        return [(i, v) for i, v in enumerate(self.mood[start:stop], start) if v is not None]

    # --- usual levels ------------------------------------------------------------------------

    def _latest_session(self, day: date) -> date:
        return self.sessions[bisect_right(self.sessions, day) - 1]

    def _usual_points(
        self, points: list[tuple[int, int]], since_session: date, minimum: int
    ) -> list[tuple[int, int]] | None:
        """The ``points`` outside episodes that make the usual level: those after
        ``since_session`` when there are enough, else all (just after a booster, the level from
        before it); None when too few."""
        kept = [(i, v) for i, v in points if not self.in_episode[i]]
        since = self.at(since_session)
        after = [(i, v) for i, v in kept if i >= since]
        if len(after) >= minimum:
            return after
        return kept if len(kept) >= minimum else None

    def _usual_values(
        self, points: list[tuple[int, int]], since_session: date, minimum: int
    ) -> list[int] | None:
        kept = self._usual_points(points, since_session, minimum)
        return [v for _, v in kept] if kept is not None else None

    def _usual(
        self, points: list[tuple[int, int]], since_session: date, minimum: int
    ) -> float | None:
        """The median of the usual values (``_usual_values``)."""
        values = self._usual_values(points, since_session, minimum)
        return median(values) if values is not None else None

    def _usual_mood_points(
        self, day: date, usual_days: int | None = None
    ) -> list[tuple[int, int]] | None:
        params = self.params
        last = day - timedelta(days=params.recent_days)
        span = usual_days or params.usual_days
        first = max(self.sessions[0] + timedelta(days=1), last - timedelta(days=span - 1))
        since = self._latest_session(day) + timedelta(days=1)
        return self._usual_points(self.moods(first, last), since, params.min_usual_points)

    def _usual_mood_values(self, day: date) -> list[int] | None:
        points = self._usual_mood_points(day)
        return [v for _, v in points] if points is not None else None

    def usual_mood(self, day: date) -> float | None:
        values = self._usual_mood_values(day)
        return median(values) if values is not None else None

    def usual_mood_spread(self, day: date) -> float | None:
        """The robust spread (1.4826 x the median absolute deviation) of the usual check-ins,
        at least ``MIN_MOOD_SPREAD``."""
        values = self._usual_mood_values(day)
        if values is None:
            return None
        middle = median(values)
        return max(MIN_MOOD_SPREAD, 1.4826 * median(abs(v - middle) for v in values))

    def usual_phq9(self, day: date, *, leave_out: date | None = None) -> float | None:
        params = self.params
        lookback = timedelta(days=PHQ9_LOOKBACK_DAYS)
        first = max(self.sessions[0] + lookback, day - timedelta(days=params.phq9_usual_days))
        last = day - timedelta(days=params.recent_days)
        window = self.phq9[bisect_left(self.phq9_days, first) : bisect_right(self.phq9_days, last)]
        points = [(self.at(d), t) for d, t in window if d != leave_out]
        return self._usual(points, self._latest_session(day) + lookback, 2)

    # --- the rules ---------------------------------------------------------------------------

    def _reset(self) -> None:
        self.cusum, self.run_start = 0.0, None
        self.sustained, self.sustained_start = 0.0, None
        self.relapse_llr, self.relapse_start = 0.0, None
        self.relapse_filter = None

    def _filter_model(self, day: date) -> dict | None:
        """The relapse filter's model from the patient's own usual days, or None when there
        is no usual level or no lift to lose."""
        points = self._usual_mood_points(day, FILTER_USUAL_DAYS)
        if points is None or self.pre_course_level is None:
            return None
        values = [v for _, v in points]
        usual = level(values)
        lift = usual - self.pre_course_level
        if lift < self.params.min_lift:
            return None
        by_position = dict(points)
        pairs = [(by_position[i - 1], v) for i, v in points if i - 1 in by_position]
        phq9 = None
        phq9_usual = self.usual_phq9(day)
        if phq9_usual is not None and self.phq9_baseline is not None:
            per_point = min(3.0, max(0.5, (self.phq9_baseline - phq9_usual) / lift))
            # One scale's noise, from the instrument's reliable change (1.96 x sqrt 2 x SE).
            phq9 = (phq9_usual, per_point, self.params.phq9_reliable_change / (1.96 * 2**0.5))
        return {
            "usual": usual,
            "lift": lift,
            "sd": level_spread(values),
            "rho": inertia(pairs),
            "phq9": phq9,
        }

    def _probable_rule(
        self, day: date, mood: int | None, total: int | None, spell: _Spell | None
    ) -> tuple[str, str] | None:
        """The posterior probability that a relapse has begun (``relapse_filter``), from the
        check-ins and PHQ-9s since the filter was made; the rule fires at
        ``relapse_probability``. Its model follows the usual days until an episode opens, then
        stays as it was."""
        params = self.params
        if not params.relapse_probability:
            return None
        if day in self.session_days:
            self.relapse_filter = None
            return None
        current = self.relapse_filter
        if spell is None or current is None:
            model = self._filter_model(day)
            if model is None:
                self.relapse_filter = None
                return None
            if current is None:
                current = self.relapse_filter = RelapseFilter(**model)
            else:
                current.step()
                current.usual, current.lift = model["usual"], model["lift"]
                current.sd, current.rho, current.phq9_model = (
                    model["sd"],
                    model["rho"],
                    model["phq9"],
                )
        else:
            current.step()
        if mood is not None:
            current.check_in(mood)
        if total is not None:
            current.phq9(total)
        probability = current.probability()
        if probability < params.relapse_probability:
            return None
        recent = [v for _, v in self.moods(day - timedelta(days=params.recent_days - 1), day)]
        if not recent:
            return None
        return MOOD_RELAPSE_PROBABLE, (
            f"probability of a sustained fall {probability:.2f}: mood {current.usual:g} usually, "
            f"{fmean(recent):.1f} on average over the last {len(recent)} check-ins "
            f"({current.lift:.1f} above where it was before the course)"
        )

    def _relapse_sized_rule(
        self, day: date, mood: int, usual: float, spell: _Spell | None
    ) -> tuple[str, str] | None:
        """Page's CUSUM on the log-likelihood ratio of "mood fell by ``relapse_shift`` of the
        lift" against "mood at its usual level", Gaussian with the patient's robust spread:
        each check-in adds (shift / spread^2) x (usual - mood - shift / 2). A missed day adds
        nothing. A bad week shallower than the lift adds little; one as deep as a relapse
        reads as one until it recovers (bench/README.md, "Third pass")."""
        params = self.params
        if not params.relapse_shift or self.pre_course is None:
            return None
        spread = spell.mood_spread if spell else self.usual_mood_spread(day)
        if spread is None:
            return None
        shift = params.relapse_shift * (usual - self.pre_course)
        step = shift / spread**2 * (usual - mood - shift / 2)
        self.relapse_llr = max(0.0, self.relapse_llr + step)
        if self.relapse_llr == 0:
            self.relapse_start = None
            return None
        if self.relapse_start is None:
            self.relapse_start = day
        if self.relapse_llr < params.relapse_threshold:
            return None
        words, recent = self._fall_words(self.relapse_start, day, usual)
        return MOOD_RELAPSE_SIZED_FALL, (
            f"{words} and {recent - self.pre_course:.1f} above where it was before the course "
            f"({self.pre_course:g})"
        )

    def _fall_words(self, start: date, day: date, usual: float) -> tuple[str, float]:
        """ "mood M on average over N check-ins since D, F below its usual U", and M."""
        since = [v for _, v in self.moods(start, day)]
        recent = fmean(since)
        return (
            f"mood {recent:.1f} on average over {len(since)} check-ins since "
            f"{start.isoformat()}, {usual - recent:.1f} below its usual {usual:g}"
        ), recent

    def _sustained_rule(self, day: date, mood: int, usual: float) -> tuple[str, str] | None:
        """The second-stage CUSUM: the alert tier's evidence from daily mood."""
        params = self.params
        if not params.alert_threshold:
            return None
        self.sustained = max(0.0, self.sustained + usual - mood - params.alert_slack)
        if self.sustained == 0:
            self.sustained_start = None
            return None
        if self.sustained_start is None:
            self.sustained_start = day
        lasted = (day - self.sustained_start).days + 1
        if self.sustained < params.alert_threshold or lasted < params.alert_days:
            return None
        return MOOD_SUSTAINED_FALL, self._fall_words(self.sustained_start, day, usual)[0]

    def _mood_rule(self, day: date, mood: int, spell: _Spell | None) -> tuple[str, str] | None:
        params = self.params
        usual = spell.mood_usual if spell else self.usual_mood(day)
        lifted = usual is not None and (
            self.pre_course is None or usual - self.pre_course >= params.min_lift
        )
        if usual is None or not lifted:
            self._reset()
            return None
        relapse_sized = self._relapse_sized_rule(day, mood, usual, spell)
        if sustained := self._sustained_rule(day, mood, usual):
            return sustained
        if relapse_sized:
            return relapse_sized
        step = usual - mood - params.mood_slack
        if self.cusum + step <= 0:
            self.cusum, self.run_start = 0.0, None
            return None
        if self.run_start is None:
            self.run_start = day
        self.cusum += step
        if self.cusum < params.mood_threshold:
            return None
        since = [v for _, v in self.moods(self.run_start, day)]
        recent = fmean(since)
        if spell is not None and (confirmed := self._fewer_check_ins(day, spell)):
            return MOOD_FALL_FEWER_CHECK_INS, (
                f"mood {recent:.1f} on average over {len(since)} check-ins since "
                f"{self.run_start.isoformat()}, {usual - recent:.1f} below its usual {usual:g}; "
                f"{confirmed}"
            )
        return MOOD_EARLY_WARNING, (
            f"mood {recent:.1f} on average over {len(since)} check-ins since "
            f"{self.run_start.isoformat()}, {usual - recent:.1f} below its usual {usual:g}"
        )

    def check_in_rate(self, day: date) -> float | None:
        """The share of days with a check-in over the usual level's days."""
        params = self.params
        last = day - timedelta(days=params.recent_days)
        first = max(
            self.sessions[0] + timedelta(days=1), last - timedelta(days=params.usual_days - 1)
        )
        days = (last - first).days + 1
        if days < params.recent_days:
            return None
        return len(self.moods(first, last)) / days

    def _fewer_check_ins(self, day: date, spell: _Spell) -> str | None:
        """The early warning's CUSUM has gone on to the confirming sum, and the last week had
        fewer check-ins than the usual days: the words saying so, or None."""
        params = self.params
        if not params.confirm_mood_threshold or self.cusum < params.confirm_mood_threshold:
            return None
        if spell.check_in_rate is None:
            return None
        first = max(spell.start, day - timedelta(days=params.recent_days - 1))
        days = (day - first).days + 1
        if days < params.recent_days:
            return None
        recent = len(self.moods(first, day)) / days
        if spell.check_in_rate - recent < params.confirm_check_in_drop:
            return None
        return (
            f"check-ins on {recent:.0%} of the last {days} days, "
            f"against {spell.check_in_rate:.0%} usually"
        )

    def _phq9_rule(self, day: date, total: int, spell: _Spell | None) -> tuple[str, str] | None:
        params = self.params
        frozen = spell.phq9_usual if spell else None
        usual = frozen if frozen is not None else self.usual_phq9(day)
        alone = params.phq9_single_rise or params.phq9_reliable_change
        if usual is not None and total - usual >= alone:
            alerting = "" if alone == params.phq9_reliable_change else f"; alerting at {alone}"
            return PHQ9_RELIABLE_RISE, (
                f"PHQ-9 {total}, {total - usual:g} above its usual {usual:g} "
                f"(a reliable change is {params.phq9_reliable_change} or more{alerting})"
            )
        confirms = None
        if spell is not None and frozen is not None and total - frozen >= params.confirm_phq9_rise:
            confirms = (
                PHQ9_CONFIRMS_WARNING,
                (
                    f"PHQ-9 {total} while mood was below usual, {total - frozen:g} above its usual "
                    f"{frozen:g} (confirming at {params.confirm_phq9_rise} or more)"
                ),
            )
        index = bisect_right(self.phq9_days, day) - 1
        previous = self.phq9[index - 1] if index else None
        settled = self._latest_session(day) + timedelta(days=PHQ9_LOOKBACK_DAYS)
        if previous is None or not settled <= previous[0] < day:
            return confirms
        if (day - previous[0]).days > PREVIOUS_PHQ9_DAYS:
            return confirms
        # The previous PHQ-9 is one of the two judged, so it is no part of the usual level.
        usual = frozen if frozen is not None else self.usual_phq9(day, leave_out=previous[0])
        rise = params.phq9_confirmed_rise
        if usual is not None and total - usual >= rise and previous[1] - usual >= rise:
            return PHQ9_CONFIRMED_RISE, (
                f"PHQ-9 {previous[1]} then {total}, both at least {rise} above its usual {usual:g}"
            )
        return confirms

    # --- episodes ----------------------------------------------------------------------------

    def _open_spell(self) -> _Spell | None:
        return self.spells[-1] if self.spells and self.spells[-1].end is None else None

    def _fire(self, day: date, fired: list[tuple[str, str]]) -> None:
        rule, detail = max(fired, key=lambda pair: RULE_DEPTH[pair[0]])
        spell = self._open_spell()
        if spell is None and self.spells:
            last = self.spells[-1]
            assert last.end is not None
            if (day - last.end).days <= self.params.merge_days:
                # It started again: the same episode, reopened, the days between included.
                self.in_episode[self.at(last.end) : self.at(day)] = b"\x01" * (
                    self.at(day) - self.at(last.end)
                )
                last.end, spell = None, last
                last.reopened.append(day)
        if spell is None:
            self.spells.append(
                _Spell(
                    day,
                    rule,
                    detail,
                    self.usual_mood(day),
                    self.usual_phq9(day),
                    self.check_in_rate(day),
                    mood_spread=self.usual_mood_spread(day),
                )
            )
        elif RULE_DEPTH[rule] > spell.depth:
            spell.deepened.append(Deepening(day, rule, detail))

    def _recovered(self, day: date, spell: _Spell) -> bool:
        """Mood back within the slack of its usual level over the last days (at least three
        check-ins), and the latest PHQ-9 since the episode began no longer raised."""
        params = self.params
        if spell.mood_usual is not None:
            first = day - timedelta(days=params.recovery_days - 1)
            recent = [value for _, value in self.moods(first, day)]
            if len(recent) < RECOVERY_MIN_POINTS:
                return False
            if fmean(recent) < spell.mood_usual - params.mood_slack:
                return False
        latest = bisect_right(self.phq9_days, day) - 1  # the latest PHQ-9 up to today...
        if latest >= 0 and self.phq9_days[latest] >= spell.start and spell.phq9_usual is not None:
            # ...answered since the episode began
            return self.phq9[latest][1] - spell.phq9_usual < params.phq9_confirmed_rise
        return spell.mood_usual is not None

    def day(self, day: date) -> None:
        spell = self._open_spell()
        fired: list[tuple[str, str]] = []
        mood = self.mood[self.at(day)]
        total = self.phq9_by_day.get(day)
        probable = self._probable_rule(day, mood, total, spell)
        if mood is not None and (found := self._mood_rule(day, mood, spell)):
            fired.append(found)
        if probable:
            fired.append(probable)
        if total is not None and (found := self._phq9_rule(day, total, spell)):
            fired.append(found)
        if spell is not None and self._recovered(day, spell):
            spell.end = day
            self._reset()
        elif fired:
            self._fire(day, fired)
            opened = self._open_spell()
            # A PHQ-9 answered on the day an early warning opened may confirm it.
            if (
                spell is None
                and total is not None
                and opened is not None
                and (confirmed := self._phq9_rule(day, total, opened))
            ):
                self._fire(day, [confirmed])
        if spell is not None or self._open_spell() is not None:
            self.in_episode[self.at(day)] = 1


def episodes(inputs: EffectInputs, params: EffectParams) -> list[Episode]:
    """Every fading episode from the first session to ``inputs.today``, oldest first."""
    return episodes_from(inputs, params, None)[0]


# The replay's state that carries from one day to the next; everything else in ``_Replay`` is
# made from the inputs.
_CARRIED = (
    "spells",
    "in_episode",
    "cusum",
    "run_start",
    "sustained",
    "sustained_start",
    "relapse_llr",
    "relapse_start",
    "relapse_filter",
)


@dataclass(frozen=True)
class Checkpoint:
    """The replay's state at the end of ``day`` (pickled), and the fingerprint of the rules and
    the data up to that day it was made from."""

    day: date
    fingerprint: str
    state: bytes


def fingerprint(inputs: EffectInputs, params: EffectParams, through: date) -> str:
    """What the replay up to the end of ``through`` depends on: the rules, and the sessions,
    check-ins and PHQ-9s on or before that day."""
    upto = [
        params,
        [d for d in inputs.sessions if d <= through],
        [p for p in inputs.mood if p[0] <= through],
        [p for p in inputs.phq9 if p[0] <= through],
    ]
    return hashlib.sha256(repr(upto).encode()).hexdigest()


def episodes_from(
    inputs: EffectInputs, params: EffectParams, saved: Checkpoint | None
) -> tuple[list[Episode], Checkpoint | None]:
    """``episodes``, resumed from ``saved`` when it still matches the data, and the checkpoint
    for the day before ``inputs.today`` (None when the replay has not reached it)."""
    if not inputs.sessions:
        return [], None
    replay = _Replay(inputs, params)
    day = inputs.sessions[0]
    checkpoint = None
    keep = inputs.today - timedelta(days=1)
    if (
        saved is not None
        and day <= saved.day < inputs.today
        and saved.fingerprint == fingerprint(inputs, params, saved.day)
    ):
        state = pickle.loads(saved.state)  # noqa: S301 - written by ``episodes_from`` only
        # Days after the checkpoint's were never marked: the new inputs' length, the old marks.
        passed = replay.at(saved.day) + 1
        state["in_episode"] = state["in_episode"][:passed] + replay.in_episode[passed:]
        for name in _CARRIED:
            setattr(replay, name, state[name])
        day = saved.day + timedelta(days=1)
        checkpoint = saved if saved.day == keep else None
    while day <= inputs.today:
        replay.day(day)
        if day == keep and checkpoint is None:
            state = {name: getattr(replay, name) for name in _CARRIED}
            checkpoint = Checkpoint(day, fingerprint(inputs, params, day), pickle.dumps(state))
        day += timedelta(days=1)
    return [spell.episode() for spell in replay.spells], checkpoint
