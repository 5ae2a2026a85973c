# Reminders get a channel choice per kind (e-mail, push or both) and a sent time per channel,
# so a retry after one channel failed sends only the other (decision 0012). Every reminder
# sent before this went by e-mail only: its e-mail is recorded as sent when it was, so nothing
# is sent again; pending reminders stay pending with no channel sent.

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import F


def sent_reminders_were_emailed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Reminder = apps.get_model("reminders", "Reminder")
    Reminder.objects.filter(state="sent", sent_at__isnull=False).update(email_sent_at=F("sent_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0003_outbox_claims"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="email_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="reminder",
            name="push_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="reminderpreferences",
            name="channels",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(sent_reminders_were_emailed, migrations.RunPython.noop),
    ]
