"""The demo patient's integration plan: realm ratings, two goals with check-offs, a few
practice logs, journal entries that feed the plan, and the reminders she asked for.

Written through the services the pages use, so the demo shows real behaviour."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from claywork.accounts.models import User
from claywork.journal import services as journal
from claywork.practice import services
from claywork.practice.models import Practice
from claywork.reminders import chosen
from claywork.reminders.models import Kind
from claywork.reminders.services import PreferenceChoices, preferences_save

# Three check-ins with herself, oldest first: body, mind, emotions, spirit, relationships,
# work/play.
RATINGS = [(3, 4, 3, 4, 5, 2), (4, 5, 4, 5, 5, 3), (5, 5, 6, 6, 6, 4)]


def seed_demo_practice(patient: User, now: datetime) -> None:
    today = now.astimezone(patient.zone).date()
    for weeks_ago, ratings in zip((4, 2, 0), RATINGS, strict=True):
        realms = ("body", "mind", "emotions", "spirit", "relationships", "work_play")
        services.realm_ratings_save(
            patient=patient,
            day=today - timedelta(weeks=weeks_ago),
            ratings=dict(zip(realms, ratings, strict=True)),
        )
    drawing, _ = services.goal_create(
        patient=patient,
        realm="mind",
        title="Ten minutes of drawing",
        cadence="daily",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    friend, _ = services.goal_create(
        patient=patient,
        realm="relationships",
        title="Call one friend",
        cadence="weekly",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    for days_ago in (0, 1, 3, 4, 5):
        services.goal_check(goal=drawing, day=today - timedelta(days=days_ago))
    services.goal_check(goal=friend, day=today - timedelta(days=2))
    walk = Practice.objects.get(slug="nature-walk", patient=None)
    breath = Practice.objects.get(slug="breathwork", patient=None)
    for days_ago, practice, minutes in ((0, walk, 30), (2, breath, 10), (3, walk, 45)):
        services.practice_log(
            patient=patient,
            practice=practice,
            day=today - timedelta(days=days_ago),
            submission_id=uuid.uuid4(),
            duration_minutes=minutes,
        )
    journal.entry_create(
        patient=patient,
        content=journal.EntryContent(
            kind="insight",
            title="Drawing with the kids",
            body="We drew boats after dinner. I forgot to check my phone for an hour.",
            tags=["drawing"],
            realm="relationships",
            goal=drawing,
        ),
        submission_id=uuid.uuid4(),
    )
    preferences_save(
        patient=patient,
        choices=PreferenceChoices(
            timezone_name=patient.timezone,
            check_in_time=time(20, 0),
            quiet_start=time(22, 0),
            quiet_end=time(7, 0),
            kinds_on=frozenset(Kind.values),
            scale_due_time=time(18, 0),
        ),
    )
    chosen.routine_save(patient=patient, goal=drawing, at=time(19, 30), weekdays=list(range(7)))
    chosen.routine_save(patient=patient, practice=walk, at=time(8, 0), weekdays=[5, 6])
