# Where a session is held says what care the patient is in: now sealed with the patient's key
# (decision 0016). Every existing place is sealed as it is; going back opens them again.

from django.db import migrations, models

from claywork.vault.migration_support import open_rows, seal_rows

COLUMNS = {"location": ("location_sealed", "care.session.location")}


def seal_locations(apps, schema_editor):
    seal_rows(apps.get_model("care", "Session"), owner="patient_id", columns=COLUMNS)


def open_locations(apps, schema_editor):
    open_rows(apps.get_model("care", "Session"), owner="patient_id", columns=COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0003_session_notes_and_observations"),
        ("vault", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="location_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(seal_locations, open_locations),
        migrations.RemoveField(model_name="session", name="location"),
    ]
