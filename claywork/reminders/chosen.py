"""Reminders the patient asked for about one thing: a goal, a practice, a due scale.

* A goal or practice reminder (a ``Routine``) falls at a wall-clock time in the patient's zone
  on the weekdays they chose; like the daily check-in it is planned ``DAYS_AHEAD`` days ahead
  and topped up by the sweep, each day's instant computed on its own (DST-correct).
* A due-scale reminder falls at the patient's chosen time on the first day the measures
  schedule (``measures.schedule.due_scales``) says a scale is due, once per due spell: its
  subject names the scale and the day it was last answered, so answering it starts a new
  spell and ignoring it never turns into a daily nag. The sweep looks again each day.

* A scale **asked for** (``scale_request``): when the care team's early warning opens
  ("is the effect holding?", decision 0006), Claywork asks the patient for a PHQ-9 once, at
  their chosen time today or tomorrow, through the same reminder: it says a questionnaire is
  ready, never why. Its subject adds the episode's key to the spell
  (``scale:phq9:2026-03-01:asked-12``), so each episode asks once, whatever the number of
  check-ins that see it open; answering the scale drops it like any due-scale reminder.

Every row carries a subject key (``goal:12``, ``practice:7``, ``scale:phq9:2026-03-01``), so
two goals due at the same minute are two reminders, and changing or removing one goal's
reminder touches only its own rows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.care.models import Session, SessionStatus
from claywork.measures.schedule import due_scales
from claywork.measures.selectors import last_completed_days
from claywork.practice.models import Goal, Practice
from claywork.reminders import schedule
from claywork.reminders.models import Kind, Reminder, ReminderPreferences, Routine, State
from claywork.reminders.services import (
    Planned,
    outbox_write,
    preferences_of,
    reminders_cancel_for_subject,
)

DAYS_AHEAD = 14
# Due scales are looked for this far ahead (the schedule is weekly at the slowest).
SCALE_DAYS_AHEAD = 8
FIRST_SPELL = "first"


def routine_plan(*, routine: Routine, now: datetime) -> int:
    """The routine's reminders for the next ``DAYS_AHEAD`` days, on its weekdays."""
    patient = routine.patient
    zone = patient.zone
    today = now.astimezone(zone).date()
    days = [today + timedelta(days=n) for n in range(DAYS_AHEAD)]
    planned = []
    for day in days:
        if day.weekday() in routine.days:
            due = schedule.local_instant(day, routine.at, zone)
            planned.append(
                Planned(
                    routine.kind, due, schedule.next_midnight(due, zone), subject=routine.subject
                )
            )
    written = outbox_write(patient, planned, now=now)
    # update(), not save(): the routine's updated_at is the calendar event's stamp.
    Routine.objects.filter(pk=routine.pk).update(planned_until=days[-1])
    return written


def _check_owner(patient: User, goal: Goal | None, practice: Practice | None) -> None:
    if (goal is None) == (practice is None):
        raise ValueError("a routine is about one goal or one practice")
    if goal is not None and goal.patient_id != patient.pk:
        raise ValueError("a patient is reminded only of their own goals")
    if practice is not None and practice.patient_id not in (None, patient.pk):
        raise ValueError("a patient is reminded only of the catalogue's practices or their own")


@transaction.atomic
def routine_save(
    *,
    patient: User,
    at: time,
    weekdays: list[int],
    goal: Goal | None = None,
    practice: Practice | None = None,
) -> Routine:
    """Turn on, or change, the reminder about a goal or a practice. Its pending reminders move
    to the new time and days (a reminder that did not move is kept as it was)."""
    _check_owner(patient, goal, practice)
    if not weekdays or any(day not in range(7) for day in weekdays):
        raise ValueError("weekdays are 0 (Monday) to 6 (Sunday), at least one")
    routine = Routine.objects.filter(patient=patient, goal=goal, practice=practice).first()
    if routine is None:
        routine = Routine(patient=patient, goal=goal, practice=practice)
    routine.at = at
    routine.weekdays = "".join(str(day) for day in sorted(set(weekdays)))
    routine.planned_until = None
    routine.save()
    reminders_cancel_for_subject(patient=patient, subject=routine.subject)
    routine_plan(routine=routine, now=timezone.now())
    return routine


@transaction.atomic
def routine_remove(
    *, patient: User, goal: Goal | None = None, practice: Practice | None = None
) -> bool:
    """Turn the reminder about a goal or a practice off; what was pending is cancelled."""
    _check_owner(patient, goal, practice)
    routine = Routine.objects.filter(patient=patient, goal=goal, practice=practice).first()
    if routine is None:
        return False
    reminders_cancel_for_subject(patient=patient, subject=routine.subject)
    routine.delete()
    return True


def routines_plan_ahead(*, now: datetime, limit: int = 500) -> int:
    """Top up routines whose plan runs out within two days."""
    horizon = now.date() + timedelta(days=DAYS_AHEAD - 2)
    due = (
        Routine.objects.filter(patient__is_active=True, patient__role=Role.PATIENT)
        .filter(Q(planned_until__isnull=True) | Q(planned_until__lt=horizon))
        .select_related("patient")
        .order_by("pk")
    )
    planned = 0
    for routine in due[:limit]:
        with transaction.atomic():
            planned += routine_plan(routine=routine, now=now)
    return planned


# --- Due scales ------------------------------------------------------------------------------


def scale_subject(code: str, last_answered: date | None) -> str:
    return f"scale:{code}:{last_answered.isoformat() if last_answered else FIRST_SPELL}"


def parse_scale_subject(subject: str) -> tuple[str, date | None]:
    """The scale and the day its spell began; a request's key after them is ignored."""
    _, code, spell, *_ = subject.split(":", 3)
    return code, None if spell == FIRST_SPELL else date.fromisoformat(spell)


# A request is useful for this many days after it was asked (the patient may answer later).
REQUEST_USEFUL_DAYS = 2


def scale_request(*, patient: User, code: str, key: str, now: datetime) -> bool:
    """Ask the patient for scale ``code`` once for ``key`` (say ``asked-12``, an episode): a
    due-scale reminder at their chosen time for due scales, today if it is still ahead, else
    tomorrow. Nothing when they turned due-scale reminders off or chose no time, or when
    ``key`` was asked for already (in any state). Returns whether a reminder was written."""
    if not key or ":" in key:
        raise ValueError("a request key is a short word without colons")
    prefs = preferences_of(patient)
    if prefs.pk is None or prefs.scale_due_time is None or not prefs.scale_due:
        return False
    asked = Reminder.objects.filter(
        patient=patient,
        kind=Kind.SCALE_DUE,
        subject__startswith="scale:",
        subject__endswith=f":{key}",
    )
    if asked.exists():
        return False
    zone = patient.zone
    last_answered = last_completed_days(patient=patient).get(code)
    subject = f"{scale_subject(code, last_answered)}:{key}"
    today = now.astimezone(zone).date()
    due_at = schedule.local_instant(today, prefs.scale_due_time, zone)
    if due_at <= now:
        due_at = schedule.local_instant(today + timedelta(days=1), prefs.scale_due_time, zone)
    useful_until = schedule.next_midnight(due_at + timedelta(days=REQUEST_USEFUL_DAYS - 1), zone)
    return (
        outbox_write(
            patient, [Planned(Kind.SCALE_DUE, due_at, useful_until, subject=subject)], now=now
        )
        > 0
    )


def _next_session_day(patient: User, now: datetime) -> date | None:
    upcoming = (
        Session.objects.filter(
            patient=patient,
            status__in=[SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS],
            scheduled_at__gte=now,
        )
        .order_by("scheduled_at")
        .values_list("scheduled_at", flat=True)
        .first()
    )
    return upcoming.astimezone(patient.zone).date() if upcoming else None


def scale_reminders_plan(*, patient: User, now: datetime) -> int:
    """One reminder per scale and due spell, at the patient's chosen time on the first day
    (today or later, the time not yet past) the schedule says it is due."""
    prefs = preferences_of(patient)
    if prefs.pk is None or prefs.scale_due_time is None or not prefs.scale_due:
        return 0
    zone = patient.zone
    today = now.astimezone(zone).date()
    last_answered = last_completed_days(patient=patient)
    next_session_day = _next_session_day(patient, now)
    has_course = patient.courses.exists()
    already = set(
        Reminder.objects.filter(patient=patient, kind=Kind.SCALE_DUE)
        .exclude(state=State.CANCELLED)
        .values_list("subject", flat=True)
    )
    planned: list[Planned] = []
    waiting = list(settings.CLAYWORK_SCHEDULED_INSTRUMENTS)
    for offset in range(SCALE_DAYS_AHEAD):
        day = today + timedelta(days=offset)
        due_at = schedule.local_instant(day, prefs.scale_due_time, zone)
        if due_at <= now or not waiting:
            continue
        due_codes = {
            scale.code
            for scale in due_scales(
                today=day,
                scheduled=waiting,
                last_completed=last_answered,
                next_session_day=next_session_day,
                has_course=has_course,
            )
        }
        for code in sorted(due_codes):
            subject = scale_subject(code, last_answered.get(code))
            if subject not in already:
                useful_until = schedule.next_midnight(due_at, zone)
                planned.append(Planned(Kind.SCALE_DUE, due_at, useful_until, subject=subject))
        waiting = [code for code in waiting if code not in due_codes]
    written = outbox_write(patient, planned, now=now)
    ReminderPreferences.objects.filter(pk=prefs.pk).update(scales_planned_on=now.date())
    return written


def scale_reminders_plan_ahead(*, now: datetime, limit: int = 500) -> int:
    """Look at due scales again for patients not looked at today (in UTC days)."""
    due = (
        ReminderPreferences.objects.filter(
            scale_due=True,
            scale_due_time__isnull=False,
            patient__is_active=True,
            patient__role=Role.PATIENT,
        )
        .exclude(scales_planned_on__gte=now.date())
        .select_related("patient")
        .order_by("pk")
    )
    planned = 0
    for prefs in due[:limit]:
        with transaction.atomic():
            planned += scale_reminders_plan(patient=prefs.patient, now=now)
    return planned
