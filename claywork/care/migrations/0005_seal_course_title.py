# A treatment course's title says what care the patient is in ("Ketamine for treatment-resistant
# depression"): now sealed with the patient's key (decision 0016). Every existing title is
# sealed as it is; going back opens them again (an erased account's come back empty).

from django.db import migrations, models

from claywork.vault.migration_support import open_rows, seal_rows

COLUMNS = {"title": ("title_sealed", "care.course.title")}


def seal_titles(apps, schema_editor):
    seal_rows(apps.get_model("care", "TreatmentCourse"), owner="patient_id", columns=COLUMNS)


def open_titles(apps, schema_editor):
    open_rows(apps.get_model("care", "TreatmentCourse"), owner="patient_id", columns=COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0004_seal_session_location"),
        ("vault", "0001_initial"),
    ]

    operations = [
        # A default, so that going back can add the clear column again to rows that exist.
        migrations.AlterField(
            model_name="treatmentcourse",
            name="title",
            field=models.CharField(default="", max_length=200),
        ),
        migrations.AddField(
            model_name="treatmentcourse",
            name="title_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(seal_titles, open_titles),
        migrations.RemoveField(model_name="treatmentcourse", name="title"),
    ]
