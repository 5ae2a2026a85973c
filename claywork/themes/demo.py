"""Demo writing for Maya, so ``make demo`` shows her themes, the session lens and tone."""

from __future__ import annotations

import uuid

from claywork.accounts.models import User
from claywork.care.models import Session, SessionStatus
from claywork.journal import services as journal
from claywork.themes.services import themes_recompute

# (session number, title, body): reflections after her first and second sessions.
REFLECTIONS = [
    (
        1,
        "Salt air",
        "The ocean again in a dream, the waves slow. My grandmother stood on the shore.",
    ),
    (1, "Her kitchen", "Grandmother's kitchen, bread and the radio. I miss her more than I say."),
    (1, "Lighter", "A lighter morning. I drew the sea for ten minutes before work."),
    (1, "Waves", "The waves feel like breathing. I let them come and go without fighting."),
    (1, "Tired", "Tired and flat today. Still, the sea picture is on the fridge."),
    (2, "The door", "The half-open door came back. I am waiting for permission to begin."),
    (2, "Permission", "Who am I waiting for permission from? Maybe from my grandmother."),
    (2, "Drawing", "Drew with the kids tonight: a door, the ocean behind it. They laughed."),
    (2, "Small start", "Started a sketchbook. Drawing a little every evening, no rules."),
    (2, "The door again", "Walked through the door in my mind. The ocean was on the other side."),
]


def seed_demo_themes(maya: User) -> None:
    sessions = list(
        Session.objects.filter(patient=maya, status=SessionStatus.COMPLETED).order_by(
            "completed_at"
        )
    )
    if len(sessions) < 2:
        return
    for number, title, body in REFLECTIONS:
        journal.entry_create(
            patient=maya,
            content=journal.EntryContent(kind="reflection", title=title, body=body, tags=[]),
            submission_id=uuid.uuid4(),
            session=sessions[number - 1],
        )
    themes_recompute(patient=maya)
