"""The patient's calendar as iCalendar (RFC 5545): sessions, integration windows, reflection
days, and the reminders the patient chose (daily check-in, goals, practices).

Contracts a calendar app relies on:

* **Titles carry no health details.** A phone shows them on a lock screen and a shared calendar
  shows them to others, so events say only "Claywork session", "Integration window" and
  "Reflection time". No intention, debrief, guide note, location, modality or name is read:
  the selector loads no text column at all.
* **Stable UIDs** (``claywork-session-<pk>[-window|-day-<n>]@<site host>``) and a DTSTAMP taken
  from the session's last change, so a re-fetch updates events instead of duplicating them and
  an unchanged feed is byte-for-byte the same.
* **Times in the patient's zone**, written with TZID and a VTIMEZONE for the span of the feed
  (UTC patients get plain UTC times). The 12-24 h window is elapsed time after the session;
  a reflection day N is at the same wall-clock time as the session ended, N days later in
  the patient's zone, so "day 7" does not move by an hour across a DST change.
* **Cancelled sessions are omitted**, not sent as STATUS:CANCELLED: a subscribed feed is
  replaced on every refresh, so an omitted event disappears, while several apps (Google
  Calendar among them) still draw a cancelled event as if it were on. A cancelled session
  never had a window or reflection days, since those follow only completed sessions.
* **Chosen reminders are recurring events** at their wall-clock time in the patient's zone
  (``RRULE`` daily, or weekly on the chosen days, with ``TZID``), so they stay at that hour
  across DST changes. Their titles are generic ("Claywork check-in", "Claywork: a goal",
  "Claywork: a practice"): a goal's title or a practice the patient named is never written,
  since a feed may sit in a shared calendar. A reminder the quiet hours move shows when it
  will arrive; one they drop, or a kind turned off, is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from claywork.accounts.models import User
from claywork.care.integration import integration_steps
from claywork.care.models import Session, SessionStatus
from claywork.reminders.models import Kind, ReminderPreferences, Routine
from claywork.reminders.schedule import wall_time_after_quiet_hours

SESSION_TITLE = "Claywork session"
WINDOW_TITLE = "Integration window"
REFLECTION_TITLE = "Reflection time"
# Sessions have no planned length; a ketamine session with its rest takes about two hours.
SESSION_LENGTH = timedelta(hours=2)
REFLECTION_LENGTH = timedelta(minutes=30)
REFRESH = timedelta(hours=1)
UTC = ZoneInfo("UTC")
CHECK_IN_TITLE = "Claywork check-in"
GOAL_TITLE = "Claywork: a goal"
PRACTICE_TITLE = "Claywork: a practice"
REMINDER_LENGTH = timedelta(minutes=15)
# VTIMEZONE rules reach this far past the last event's start, for the recurring reminders.
RECURRING_SPAN = timedelta(days=400)
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class ChosenReminders:
    """The patient's reminder preferences (None if never chosen) and goal/practice routines."""

    preferences: ReminderPreferences | None = None
    routines: list[Routine] = field(default_factory=list)


def _uid(session: Session, part: str = "") -> str:
    host = urlsplit(settings.SITE_URL).hostname or "claywork"
    return f"claywork-session-{session.pk}{part}@{host}"


def _link(name: str, session: Session) -> str:
    return settings.SITE_URL + reverse(name, args=[session.pk])


def _event(
    session: Session, *, part: str, title: str, starts: datetime, ends: datetime, zone: ZoneInfo
) -> Event:
    event = Event()
    event.add("uid", _uid(session, part))
    event.add("dtstamp", session.updated_at.astimezone(UTC))
    event.add("last-modified", session.updated_at.astimezone(UTC))
    event.add("summary", title)
    event.add("dtstart", starts.astimezone(zone))
    event.add("dtend", ends.astimezone(zone))
    return event


def _session_event(session: Session, zone: ZoneInfo) -> Event:
    starts = session.started_at or session.scheduled_at
    ends = starts + SESSION_LENGTH
    if session.status == SessionStatus.COMPLETED and session.completed_at:
        ends = max(session.completed_at, starts + timedelta(minutes=15))
    event = _event(session, part="", title=SESSION_TITLE, starts=starts, ends=ends, zone=zone)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("url", _link("care:session_detail", session))
    return event


def _reflection_day(completed_at: datetime, day: int, zone: ZoneInfo) -> datetime:
    """The same wall-clock time ``day`` days later in ``zone``; a time that a spring-forward
    gap skips is moved past the gap."""
    return (completed_at.astimezone(zone) + timedelta(days=day)).astimezone(UTC)


def _after_session_events(session: Session, zone: ZoneInfo) -> list[Event]:
    assert session.completed_at is not None
    events = []
    for step in integration_steps(session.completed_at):
        if step.key == "window":
            title, starts, ends = WINDOW_TITLE, step.starts_at, step.ends_at
        elif step.key.startswith("day_"):
            day = int(step.key.removeprefix("day_"))
            starts = _reflection_day(session.completed_at, day, zone)
            title, ends = REFLECTION_TITLE, starts + REFLECTION_LENGTH
        else:
            continue
        part = "-window" if step.key == "window" else f"-day-{step.key.removeprefix('day_')}"
        event = _event(session, part=part, title=title, starts=starts, ends=ends, zone=zone)
        event.add("transp", "TRANSPARENT")
        event.add("url", _link("care:timeline", session))
        events.append(event)
    return events


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "claywork"


def _recurring(
    *,
    uid: str,
    title: str,
    first_day: date,
    at: time,
    weekdays: list[int] | None,
    stamp: datetime,
    url: str,
    zone: ZoneInfo,
) -> Event:
    """A reminder at wall-clock ``at`` every day (``weekdays`` None) or on those weekdays,
    from the first such day on or after ``first_day``."""
    day = first_day
    while weekdays is not None and day.weekday() not in weekdays:
        day += timedelta(days=1)
    starts = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("last-modified", stamp.astimezone(UTC))
    event.add("summary", title)
    event.add("dtstart", starts)
    event.add("duration", REMINDER_LENGTH)
    if weekdays is None:
        event.add("rrule", {"FREQ": "DAILY"})
    else:
        event.add("rrule", {"FREQ": "WEEKLY", "BYDAY": [RRULE_DAYS[d] for d in weekdays]})
    event.add("transp", "TRANSPARENT")
    event.add("url", settings.SITE_URL + url)
    return event


def _chosen_reminder_events(patient: User, chosen: ChosenReminders, zone: ZoneInfo) -> list[Event]:
    prefs = chosen.preferences or ReminderPreferences(patient=patient)
    quiet = (prefs.quiet_start, prefs.quiet_end)
    events = []
    if prefs.pk is not None and prefs.check_in and prefs.check_in_time is not None:
        at = wall_time_after_quiet_hours(prefs.check_in_time, *quiet)
        if at is not None:
            events.append(
                _recurring(
                    uid=f"claywork-check-in-{patient.pk}@{_host()}",
                    title=CHECK_IN_TITLE,
                    first_day=prefs.updated_at.astimezone(zone).date(),
                    at=at,
                    weekdays=None,
                    stamp=prefs.updated_at,
                    url=reverse("measures:check_in"),
                    zone=zone,
                )
            )
    for routine in chosen.routines:
        at = wall_time_after_quiet_hours(routine.at, *quiet)
        if at is None or not prefs.wants(routine.kind):
            continue
        is_goal = routine.kind == Kind.GOAL
        events.append(
            _recurring(
                uid=f"claywork-reminder-{routine.subject.replace(':', '-')}@{_host()}",
                title=GOAL_TITLE if is_goal else PRACTICE_TITLE,
                first_day=routine.updated_at.astimezone(zone).date(),
                at=at,
                weekdays=routine.days,
                stamp=routine.updated_at,
                url=reverse("practice:goals" if is_goal else "practice:practices"),
                zone=zone,
            )
        )
    return events


def patient_calendar(
    *, patient: User, sessions: Iterable[Session], chosen: ChosenReminders | None = None
) -> Calendar:
    """The feed for ``sessions`` (already filtered to the patient's non-cancelled ones) and
    the reminders the patient chose."""
    zone = patient.zone
    calendar = Calendar()
    calendar.add("prodid", "-//Claywork//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Claywork")
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for session in sessions:
        calendar.add_component(_session_event(session, zone))
        if session.status == SessionStatus.COMPLETED and session.completed_at:
            for event in _after_session_events(session, zone):
                calendar.add_component(event)
    recurring = _chosen_reminder_events(patient, chosen or ChosenReminders(), zone)
    for event in recurring:
        calendar.add_component(event)
    starts = [event.DTSTART for event in calendar.events]
    if starts:
        # VTIMEZONE rules for the feed's span only, not 1970-2038; recurring reminders go on,
        # so their zone's rules are written for a year past the last start.
        last = max(starts).date() + (RECURRING_SPAN if recurring else timedelta(days=2))
        calendar.add_missing_timezones(
            first_date=min(starts).date() - timedelta(days=1), last_date=last
        )
    return calendar


def patient_feed_ics(
    *, patient: User, sessions: Iterable[Session], chosen: ChosenReminders | None = None
) -> bytes:
    return patient_calendar(patient=patient, sessions=sessions, chosen=chosen).to_ical()
