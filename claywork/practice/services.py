"""Writes to the integration plan, goals and practices: each one short transaction."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import transaction

from claywork.accounts.models import User
from claywork.core.idempotent import create_once
from claywork.practice.models import Goal, GoalCheck, Practice, PracticeLog, RealmRating
from claywork.reminders.models import subject_of
from claywork.reminders.services import reminders_cancel_for_subject


def realm_ratings_save(*, patient: User, day: date, ratings: dict[str, int]) -> None:
    """Record today's self-ratings; rating a realm again the same day replaces the rating."""
    with transaction.atomic():
        for realm, rating in ratings.items():
            RealmRating.objects.update_or_create(
                patient=patient, realm=realm, day=day, defaults={"rating": rating}
            )


def goal_create(
    *,
    patient: User,
    realm: str,
    title: str,
    cadence: str,
    per_week: int,
    submission_id: uuid.UUID,
) -> tuple[Goal, bool]:
    """A new goal; the same form submitted twice returns the first goal."""

    def build() -> Goal:
        goal = Goal(
            patient=patient,
            realm=realm,
            cadence=cadence,
            per_week=per_week,
            submission_id=submission_id,
        )
        goal.title = title
        return goal

    return create_once(
        Goal, lookup={"patient": patient, "submission_id": submission_id}, build=build
    )


def goal_update(*, goal: Goal, realm: str, title: str, cadence: str, per_week: int) -> Goal:
    """Change a goal's words, realm or cadence; its reminder (if any) keeps its time."""
    goal.realm = realm
    goal.title = title
    goal.cadence = cadence
    goal.per_week = per_week
    goal.save(update_fields=["realm", "title_sealed", "cadence", "per_week"])
    return goal


def goal_delete(*, goal: Goal) -> None:
    """Remove a goal, its check-offs and its reminder. Journal entries linked to it stay (the
    link is cleared) and pending reminders about it are cancelled, not sent."""
    with transaction.atomic():
        reminders_cancel_for_subject(patient=goal.patient, subject=subject_of(goal_id=goal.pk))
        goal.delete()


def practice_delete(*, practice: Practice) -> None:
    """Remove one of the patient's own practices, with its log and its reminder; pending
    reminders about it are cancelled. The catalogue's practices cannot be removed."""
    if practice.patient is None:
        raise ValueError("the catalogue's practices are Claywork's, not a patient's to remove")
    with transaction.atomic():
        reminders_cancel_for_subject(
            patient=practice.patient, subject=subject_of(practice_id=practice.pk)
        )
        practice.delete()


def goal_check(*, goal: Goal, day: date) -> bool:
    """Check a goal off for a day. True when this was new; checking twice changes nothing."""
    with transaction.atomic():
        _, created = GoalCheck.objects.get_or_create(goal=goal, day=day)
    return created


def goal_uncheck(*, goal: Goal, day: date) -> None:
    GoalCheck.objects.filter(goal=goal, day=day).delete()


def practice_create(*, patient: User, name: str) -> Practice:
    """One of the patient's own practices, listed beside the catalogue."""
    practice = Practice(patient=patient, position=1000)
    practice.own_name = name
    practice.save()
    return practice


def practice_log(
    *,
    patient: User,
    practice: Practice,
    day: date,
    submission_id: uuid.UUID,
    duration_minutes: int | None = None,
    note: str = "",
) -> tuple[PracticeLog, bool]:
    """Log a practice in one tap; a double tap (same submission id) returns the first log."""
    if practice.patient_id not in (None, patient.pk):
        raise ValueError("a patient logs only the catalogue's practices or their own")

    def build() -> PracticeLog:
        log = PracticeLog(
            patient=patient,
            practice=practice,
            day=day,
            duration_minutes=duration_minutes,
            submission_id=submission_id,
        )
        log.note = note
        return log

    return create_once(
        PracticeLog, lookup={"patient": patient, "submission_id": submission_id}, build=build
    )
