"""Add the rows the demo clinic does not make, through the last release's own services.

Run by the upgrade test under the LAST release's code, after ``seed-demo``: a crisis-language
alert with its e-mail outbox rows (one sent, one pending), a journal draft, an invitation, a
calendar token, sent reminders with their in-app notifications, a theme edit and a verified
e-mail address. Only services that release already had are called, with its signatures.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claywork.settings")
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from claywork.accounts.models import Role, User
    from claywork.calendar_feed.services import calendar_token_issue
    from claywork.clinics import services as clinics
    from claywork.journal import services as journal
    from claywork.reminders.delivery import reminders_send_due
    from claywork.reminders.models import Notification, Reminder
    from claywork.safety.delivery import deliveries_send_due
    from claywork.safety.models import AlertDelivery
    from claywork.themes.models import Theme
    from claywork.themes.services import theme_rename

    patient = User.objects.filter(role=Role.PATIENT).order_by("pk").first()
    admin = User.objects.filter(role=Role.CLINIC_ADMIN).order_by("pk").first()
    assert patient is not None and admin is not None and patient.clinic is not None
    journal.entry_create(
        patient=patient,
        content=journal.EntryContent(
            kind="reflection", title="Late", body="I want to die tonight.", tags=["night"]
        ),
        submission_id=uuid.uuid4(),
    )
    deliveries_send_due(now=timezone.now())  # the first e-mail goes out; others stay pending
    first = AlertDelivery.objects.order_by("pk").first()
    assert first is not None
    journal.draft_save(patient=patient, draft_key="new", fields={"body": "half a thought"})
    clinics.invitation_create(
        clinic=patient.clinic,
        invited_by=admin,
        email="new.patient@example.org",
        full_name="New Patient",
        role=Role.PATIENT,
    )
    calendar_token_issue(patient=patient)
    # Send the demo's planned reminders in order until one leaves an in-app notification: at
    # some hours of the day the soonest ones are dropped at send time (already answered).
    planned = list(
        Reminder.objects.filter(state="pending", due_at__gt=timezone.now()).order_by("due_at")[:40]
    )
    assert planned, "the demo planned no reminder"
    for reminder in planned:
        reminders_send_due(now=reminder.due_at + timedelta(seconds=1))
        if Notification.objects.exists():
            break
    theme = Theme.objects.filter(patient=patient).order_by("pk").first()
    if theme is not None:
        theme_rename(theme=theme, label="Renamed by the patient")
    EmailAddress.objects.get_or_create(
        user=patient, email=patient.email, defaults={"verified": True, "primary": True}
    )


if __name__ == "__main__":
    main()
