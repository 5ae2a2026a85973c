"""Demo data for consents, care-team comments and suggestions (``make demo``), written through
the services like any other data."""

from __future__ import annotations

import uuid

from claywork.accounts.models import User
from claywork.care import services
from claywork.clinics import consent
from claywork.journal.models import Entry


def seed_demo_care_conversation(*, maya: User, sam: User, therapist: User) -> None:
    """Both patients joined under the enrolment terms; Maya shared one entry with her care
    team, her integration therapist commented on it, and suggested a goal and a prompt."""
    for patient in (maya, sam):
        consent.consent_give(user=patient, topic=consent.ENROLMENT, version=consent.CONSENT_VERSION)
        for topic in (consent.SCREENING, consent.SCORES):
            consent.consent_give(user=patient, topic=topic, version=consent.TOPICS[topic].version)
    entry = Entry.objects.filter(patient=maya).order_by("-created_at", "-pk").first()
    if entry is not None:
        from claywork.sharing.services import share_item

        share_item(patient=maya, item=entry, care_team=True)
        services.entry_comment_add(
            entry=entry,
            author=therapist,
            text=(
                "Thank you for sharing this. The way you describe the quiet after the music "
                "sounds worth staying with; we can talk about it on Thursday."
            ),
            submission_id=uuid.uuid4(),
        )
    services.suggestion_make(
        patient=maya,
        clinician=therapist,
        submission_id=uuid.uuid4(),
        goal=services.SuggestedGoal("A ten-minute walk without your phone", "body", "weekly", 3),
    )
    services.suggestion_make(
        patient=maya,
        clinician=therapist,
        submission_id=uuid.uuid4(),
        prompt_words="What would you like to carry from the last session into this week?",
    )
