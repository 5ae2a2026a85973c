"""Writing reminders: planning outbox rows at the right UTC instants, and the patient's
preferences. Sending is ``delivery.py``; the links that open one form are ``links.py``;
reminders about a goal, a practice or a due scale are planned in ``chosen.py``.

Planning is idempotent: the outbox is unique per (patient, kind, due time), so planning the
same thing twice adds nothing. A reminder that would already be due when it is planned, or
that quiet hours push past its usefulness, is not planned at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.care.integration import integration_steps
from claywork.care.models import Session
from claywork.reminders import schedule
from claywork.reminders.models import Kind, Reminder, ReminderPreferences, Routine, State

# How far ahead daily check-ins are planned; the worker's sweep tops them up.
CHECK_IN_DAYS_AHEAD = 14
# "Near the end" of the integration window.
WINDOW_CLOSING_LEAD = timedelta(hours=3)
# The session reminder goes out a day before.
SESSION_UPCOMING_LEAD = timedelta(hours=24)
OPEN = (State.PENDING,)
# Kinds planned from the patient's wall-clock choices: re-planned when zone or times change.
CLOCK_KINDS = (Kind.CHECK_IN, Kind.SCALE_DUE, Kind.GOAL, Kind.PRACTICE)


@dataclass(frozen=True)
class Planned:
    kind: str
    due_at: datetime
    useful_until: datetime
    session: Session | None = None
    subject: str = ""


def preferences_of(patient: User) -> ReminderPreferences:
    """The patient's preferences, or the defaults (not saved) if they never chose."""
    found = ReminderPreferences.objects.filter(patient=patient).first()
    return found or ReminderPreferences(patient=patient)


def outbox_write(patient: User, planned: list[Planned], *, now: datetime) -> int:
    """Write planned reminders the patient wants, moved out of their quiet hours; returns how
    many were new or brought back. Past or useless ones are dropped."""
    prefs = preferences_of(patient)
    zone = patient.zone
    rows: list[Reminder] = []
    for item in planned:
        if not prefs.wants(item.kind) or item.due_at <= now:
            continue  # already past when planned: quiet hours must not revive it
        due = schedule.after_quiet_hours(item.due_at, zone, prefs.quiet_start, prefs.quiet_end)
        if due >= item.useful_until:
            continue
        rows.append(
            Reminder(
                patient=patient,
                kind=item.kind,
                due_at=due,
                next_attempt_at=due,
                useful_until=item.useful_until,
                session=item.session,
                subject=item.subject,
            )
        )
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    for row in rows:
        # A reminder cancelled earlier at the very same time (a session moved, then moved
        # back) is brought back rather than blocked by the unique constraint.
        Reminder.objects.filter(
            patient=patient,
            kind=row.kind,
            due_at=row.due_at,
            subject=row.subject,
            state=State.CANCELLED,
        ).update(state=State.PENDING, session=row.session, useful_until=row.useful_until)
    return len(rows)


def reminders_plan_for_completed_session(*, session: Session, now: datetime) -> int:
    """The reflection prompts of the integration window: at its start, near its end, and on
    each follow-up day. Called by ``care.services.session_complete`` in its transaction."""
    reminders_cancel_for_session(session=session)
    assert session.completed_at is not None
    planned: list[Planned] = []
    for step in integration_steps(session.completed_at):
        if step.key == "window":
            planned.append(Planned(Kind.WINDOW_OPENS, step.starts_at, step.ends_at, session))
            closing = step.ends_at - WINDOW_CLOSING_LEAD
            if closing > step.starts_at:
                planned.append(Planned(Kind.WINDOW_CLOSING, closing, step.ends_at, session))
        elif step.key.startswith("day_"):
            planned.append(Planned(Kind.FOLLOW_UP, step.starts_at, step.ends_at, session))
    return outbox_write(session.patient, planned, now=now)


def reminders_plan_for_scheduled_session(*, session: Session, now: datetime) -> int:
    """A day before a scheduled session; moving the session moves it."""
    reminders_cancel_for_session(session=session)
    planned = [
        Planned(
            Kind.SESSION_UPCOMING,
            session.scheduled_at - SESSION_UPCOMING_LEAD,
            session.scheduled_at,
            session,
        )
    ]
    return outbox_write(session.patient, planned, now=now)


def reminders_cancel_for_session(*, session: Session) -> int:
    return Reminder.objects.filter(session=session, state__in=OPEN).update(state=State.CANCELLED)


def reminders_cancel_for_subject(*, patient: User, subject: str) -> int:
    """Cancel what is pending about one goal, practice or scale episode."""
    return Reminder.objects.filter(patient=patient, subject=subject, state__in=OPEN).update(
        state=State.CANCELLED
    )


def check_ins_plan(*, patient: User, now: datetime) -> int:
    """The daily check-in at the patient's chosen wall-clock time in their zone, for the next
    ``CHECK_IN_DAYS_AHEAD`` days; each day's instant is computed on its own, so DST moves
    the UTC time and not the local one."""
    prefs = preferences_of(patient)
    if prefs.pk is None or prefs.check_in_time is None or not prefs.check_in:
        return 0
    zone = patient.zone
    today = now.astimezone(zone).date()
    days = [today + timedelta(days=n) for n in range(CHECK_IN_DAYS_AHEAD)]
    planned = []
    for day in days:
        due = schedule.local_instant(day, prefs.check_in_time, zone)
        planned.append(Planned(Kind.CHECK_IN, due, schedule.next_midnight(due, zone)))
    written = outbox_write(patient, planned, now=now)
    ReminderPreferences.objects.filter(pk=prefs.pk).update(check_ins_planned_until=days[-1])
    return written


def reminders_plan_ahead(*, now: datetime, limit: int = 500) -> int:
    """The sweep's top-up of every reminder planned by the clock: daily check-ins, the goal
    and practice reminders the patient asked for, and due scales (looked at again each day)."""
    from claywork.reminders import chosen

    return (
        _check_ins_plan_ahead(now=now, limit=limit)
        + chosen.routines_plan_ahead(now=now, limit=limit)
        + chosen.scale_reminders_plan_ahead(now=now, limit=limit)
    )


def _check_ins_plan_ahead(*, now: datetime, limit: int = 500) -> int:
    """Top up daily check-ins for patients whose plan runs out within two days (the sweep)."""
    horizon = now.date() + timedelta(days=CHECK_IN_DAYS_AHEAD - 2)
    due = (
        ReminderPreferences.objects.filter(
            check_in=True,
            check_in_time__isnull=False,
            patient__is_active=True,
            patient__role=Role.PATIENT,
        )
        .exclude(check_ins_planned_until__gte=horizon)
        .select_related("patient")
    )
    planned = 0
    for prefs in due[:limit]:
        with transaction.atomic():
            planned += check_ins_plan(patient=prefs.patient, now=now)
    return planned


@dataclass(frozen=True)
class PreferenceChoices:
    timezone_name: str
    check_in_time: time | None
    quiet_start: time | None
    quiet_end: time | None
    kinds_on: frozenset[str]
    scale_due_time: time | None = None
    # Per kind, "email", "push" or "both" (``Channels``); a kind not named keeps its choice.
    channels: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def preferences_save(*, patient: User, choices: PreferenceChoices) -> ReminderPreferences:
    """Save the patient's choices. Kinds turned off lose their pending reminders, and the
    reminders planned by the clock (check-ins, goals, practices, due scales) are planned again
    from the new times, zone and quiet hours; one that did not move is kept, not duplicated."""
    from claywork.reminders import chosen

    now = timezone.now()
    if patient.timezone != choices.timezone_name:
        patient.timezone = choices.timezone_name
        patient.save(update_fields=["timezone"])
    prefs = preferences_of(patient)
    prefs.check_in_time = choices.check_in_time
    prefs.quiet_start = choices.quiet_start
    prefs.quiet_end = choices.quiet_end
    prefs.scale_due_time = choices.scale_due_time
    for kind in Kind.values:
        setattr(prefs, kind, kind in choices.kinds_on)
    prefs.channels = {**(prefs.channels or {}), **choices.channels}
    prefs.check_ins_planned_until = None
    prefs.scales_planned_on = None
    prefs.save()
    off = [kind for kind in Kind.values if kind not in choices.kinds_on]
    Reminder.objects.filter(patient=patient, state__in=OPEN, kind__in=[*off, *CLOCK_KINDS]).update(
        state=State.CANCELLED
    )
    check_ins_plan(patient=patient, now=now)
    for routine in Routine.objects.filter(patient=patient).select_related("patient"):
        chosen.routine_plan(routine=routine, now=now)
    chosen.scale_reminders_plan(patient=patient, now=now)
    return prefs


def zone_change(*, patient: User, timezone_name: str) -> bool:
    """The patient moved (or corrected) their time zone elsewhere than the reminder page (their
    profile): every clock-planned reminder moves with it, as if saved there. Returns whether
    the zone changed."""
    if patient.timezone == timezone_name:
        return False
    prefs = preferences_of(patient)
    if prefs.pk is None:
        # No reminder settings saved yet (so none are made here): only the patient's own
        # goal and practice reminders are planned, and they move with the zone.
        from claywork.reminders import chosen

        now = timezone.now()
        with transaction.atomic():
            patient.timezone = timezone_name
            patient.save(update_fields=["timezone"])
            Reminder.objects.filter(patient=patient, state__in=OPEN, kind__in=CLOCK_KINDS).update(
                state=State.CANCELLED
            )
            for routine in Routine.objects.filter(patient=patient).select_related("patient"):
                chosen.routine_plan(routine=routine, now=now)
        return True
    preferences_save(
        patient=patient,
        choices=PreferenceChoices(
            timezone_name=timezone_name,
            check_in_time=prefs.check_in_time,
            quiet_start=prefs.quiet_start,
            quiet_end=prefs.quiet_end,
            scale_due_time=prefs.scale_due_time,
            kinds_on=frozenset(kind for kind in Kind.values if prefs.wants(kind)),
        ),
    )
    return True
