"""The patient's calendar as iCalendar (RFC 5545): sessions, integration windows, reflection days.

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
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from claywork.accounts.models import User
from claywork.care.integration import integration_steps
from claywork.care.models import Session, SessionStatus

SESSION_TITLE = "Claywork session"
WINDOW_TITLE = "Integration window"
REFLECTION_TITLE = "Reflection time"
# Sessions have no planned length; a ketamine session with its rest takes about two hours.
SESSION_LENGTH = timedelta(hours=2)
REFLECTION_LENGTH = timedelta(minutes=30)
REFRESH = timedelta(hours=1)
UTC = ZoneInfo("UTC")


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


def patient_calendar(*, patient: User, sessions: Iterable[Session]) -> Calendar:
    """The feed for ``sessions`` (already filtered to the patient's non-cancelled ones)."""
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
    starts = [event.DTSTART for event in calendar.events]
    if starts:
        # VTIMEZONE rules for the feed's span only, not 1970-2038.
        calendar.add_missing_timezones(
            first_date=min(starts).date() - timedelta(days=1),
            last_date=max(starts).date() + timedelta(days=2),
        )
    return calendar


def patient_feed_ics(*, patient: User, sessions: Iterable[Session]) -> bytes:
    return patient_calendar(patient=patient, sessions=sessions).to_ical()
