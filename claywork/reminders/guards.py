"""Send guards for reminders about one thing: is the reminder still worth sending?

Checked by the sender just before sending, for a whole batch in a few queries:

* a goal reminder is dropped when the goal is gone or already checked off that (local) day;
* a practice reminder, when the practice is gone or already logged that day;
* a due-scale reminder, when the scale was answered since its due spell began;
* any reminder, while the patient has asked for their account to be deleted (the grace period
  is for changing their mind, not for being nudged).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from claywork.measures.models import ResponseStatus, ScaleResponse
from claywork.ownership.models import AccountDeletion
from claywork.practice.models import Goal, GoalCheck, Practice, PracticeLog
from claywork.reminders.chosen import parse_scale_subject
from claywork.reminders.models import Kind, Reminder


def _local_day(reminder: Reminder) -> date:
    return reminder.due_at.astimezone(reminder.patient.zone).date()


def _subject_id(reminder: Reminder) -> int:
    return int(reminder.subject.split(":", 1)[1])


def no_longer_needed(reminders: Iterable[Reminder]) -> set[int]:
    """The primary keys of the reminders whose subject is gone or already answered."""
    reminders = list(reminders)
    by_kind: dict[str, list[Reminder]] = {}
    for reminder in reminders:
        by_kind.setdefault(reminder.kind, []).append(reminder)
    return (
        _leaving(reminders)
        | _goals_done(by_kind.get(Kind.GOAL, []))
        | _practices_done(by_kind.get(Kind.PRACTICE, []))
        | _scales_answered(by_kind.get(Kind.SCALE_DUE, []))
    )


def _leaving(reminders: list[Reminder]) -> set[int]:
    if not reminders:
        return set()
    leaving = set(
        AccountDeletion.objects.filter(
            patient_id__in={reminder.patient_id for reminder in reminders},
            cancelled_at__isnull=True,
            erased_at__isnull=True,
        ).values_list("patient_id", flat=True)
    )
    return {reminder.pk for reminder in reminders if reminder.patient_id in leaving}


def _goals_done(reminders: list[Reminder]) -> set[int]:
    if not reminders:
        return set()
    ids = {_subject_id(reminder) for reminder in reminders}
    existing = set(Goal.objects.filter(pk__in=ids).values_list("pk", flat=True))
    checked = set(
        GoalCheck.objects.filter(
            goal_id__in=ids, day__in={_local_day(reminder) for reminder in reminders}
        ).values_list("goal_id", "day")
    )
    return {
        reminder.pk
        for reminder in reminders
        if _subject_id(reminder) not in existing
        or (_subject_id(reminder), _local_day(reminder)) in checked
    }


def _practices_done(reminders: list[Reminder]) -> set[int]:
    if not reminders:
        return set()
    ids = {_subject_id(reminder) for reminder in reminders}
    existing = set(Practice.objects.filter(pk__in=ids).values_list("pk", flat=True))
    logged = set(
        PracticeLog.objects.filter(
            practice_id__in=ids,
            patient_id__in={reminder.patient_id for reminder in reminders},
            day__in={_local_day(reminder) for reminder in reminders},
        ).values_list("patient_id", "practice_id", "day")
    )
    return {
        reminder.pk
        for reminder in reminders
        if _subject_id(reminder) not in existing
        or (reminder.patient_id, _subject_id(reminder), _local_day(reminder)) in logged
    }


def _scales_answered(reminders: list[Reminder]) -> set[int]:
    if not reminders:
        return set()
    zones = {reminder.patient_id: reminder.patient.zone for reminder in reminders}
    answered: dict[tuple[int, str], list[date]] = {}
    for patient_id, instrument, completed_at in ScaleResponse.objects.filter(
        patient_id__in=zones, status=ResponseStatus.COMPLETE
    ).values_list("patient_id", "instrument", "completed_at"):
        if completed_at is None:
            continue
        day = completed_at.astimezone(zones[patient_id]).date()
        answered.setdefault((patient_id, instrument), []).append(day)
    done = set()
    for reminder in reminders:
        code, spell_from = parse_scale_subject(reminder.subject)
        days = answered.get((reminder.patient_id, code), [])
        if any(spell_from is None or day > spell_from for day in days):
            done.add(reminder.pk)
    return done
