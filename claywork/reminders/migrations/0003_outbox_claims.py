# Before the outbox claims of core/outbox.py, a reminder's attempts were counted when a batch
# was claimed, so a sender killed (or a slow one overtaken) burnt the attempts of reminders it
# never tried, and the clean-up marked them failed: "The sender stopped while sending, every
# time." Those still useful go back to the outbox, with no attempts, to be sent properly.

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.utils import timezone

ABANDONED = "The sender stopped while sending, every time."


def retry_reminders_failed_untried(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Reminder = apps.get_model("reminders", "Reminder")
    now = timezone.now()
    Reminder.objects.filter(state="failed", last_error=ABANDONED, useful_until__gt=now).update(
        state="pending",
        attempts=0,
        next_attempt_at=now,
        lease_expires_at=None,
        claim="",
        last_error="",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0002_chosen_reminders"),
    ]

    operations = [
        migrations.RunPython(retry_reminders_failed_untried, migrations.RunPython.noop),
    ]
