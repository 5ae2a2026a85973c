# An alert's title says what raised it ("PHQ-9: self-harm item answered above zero"): health
# information, now sealed with the patient's key (decision 0016). Every existing title is
# sealed as it is; going back opens them into the clear column again (an erased account's
# titles, whose key is gone, come back empty, as they already read).

from django.db import migrations, models

from claywork.vault.migration_support import open_rows, seal_rows

COLUMNS = {"title": ("title_sealed", "safety.alert.title")}


def seal_titles(apps, schema_editor):
    seal_rows(apps.get_model("safety", "Alert"), owner="patient_id", columns=COLUMNS)


def open_titles(apps, schema_editor):
    open_rows(apps.get_model("safety", "Alert"), owner="patient_id", columns=COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0005_outbox_claims"),
        ("vault", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="title_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(seal_titles, open_titles),
        # A default only so that going back can add the column to the rows that exist.
        migrations.AlterField(
            model_name="alert",
            name="title",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.RemoveField(model_name="alert", name="title"),
    ]
