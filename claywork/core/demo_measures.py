"""The demo patient's numbers: five weeks of check-ins and weekly PHQ-9 / GAD-7.

Written through the measures services, then dated back, so the progress page shows a real
course: a baseline, a lift after each session and a slow drift between them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from claywork.accounts.models import User
from claywork.measures import services
from claywork.measures.models import ScaleResponse

# Weekly totals, oldest first: baseline before the course, then improving.
PHQ9_WEEKS = [17, 14, 11, 9, 8]
GAD7_WEEKS = [13, 11, 9, 8, 7]


def _answers(total: int, items: int, top: int) -> dict[str, int]:
    """Spread a total over the items, never touching PHQ-9 item 9 (no self-harm answer)."""
    answers = dict.fromkeys([str(n) for n in range(1, items + 1)], 0)
    remaining = total
    for link_id in answers:
        if link_id == "9" and items == 9:
            continue
        answers[link_id] = min(top, remaining)
        remaining -= answers[link_id]
    return answers


def seed_demo_measures(patient: User, now: datetime) -> None:
    today = now.astimezone(patient.zone).date()
    for days_ago in range(35, 0, -1):
        lift = 2 if days_ago in range(7, 9) or days_ago < 1 else 0
        mood = min(10, 3 + (35 - days_ago) // 7 + lift - (days_ago % 7 == 0))
        services.check_in_save(
            patient=patient,
            day=today - timedelta(days=days_ago),
            values=services.CheckInValues(
                mood=mood,
                anxiety=max(0, 8 - (35 - days_ago) // 6),
                energy=min(10, 3 + (35 - days_ago) // 8),
                sleep_hours=Decimal("6.5") + Decimal(days_ago % 3) / 2,
            ),
        )
    for week, (phq9, gad7) in enumerate(zip(PHQ9_WEEKS, GAD7_WEEKS, strict=True)):
        when = now - timedelta(days=7 * (len(PHQ9_WEEKS) - week) - 1)
        for code, total, items in (("phq9", phq9, 9), ("gad7", gad7, 7)):
            response = services.response_start(
                patient=patient, instrument_code=code, submission_id=uuid.uuid4()
            )
            services.response_submit(response=response, answers=_answers(total, items, 3))
            ScaleResponse.objects.filter(pk=response.pk).update(started_at=when, completed_at=when)
