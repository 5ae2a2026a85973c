# A tag's name is the patient's own word for what an entry is about ("grief", "relapse"): now
# sealed with the patient's key (decision 0016). A keyed blind index of the exact name finds a
# tag and keeps one per patient and name. Going back opens every name again.

from django.db import migrations, models

from claywork.vault.blind_index import blind_index
from claywork.vault.migration_support import open_rows, seal_rows

COLUMNS = {"name": ("name_sealed", "journal.tag.name")}


def _index(row):
    return {"name_index": blind_index(row.name, purpose="journal.tag.name", fold_case=False)}


def seal_names(apps, schema_editor):
    seal_rows(apps.get_model("journal", "Tag"), owner="patient_id", columns=COLUMNS, extra=_index)


def open_names(apps, schema_editor):
    open_rows(apps.get_model("journal", "Tag"), owner="patient_id", columns=COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0004_entry_deleted_at"),
        ("vault", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="name_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="tag",
            name="name_index",
            field=models.CharField(default="", max_length=64),
        ),
        # Dropped before sealing and put back after opening (going back).
        migrations.RemoveConstraint(model_name="tag", name="tag_once"),
        migrations.RunPython(seal_names, open_names),
        # A default only so that going back can add the column to the rows that exist.
        migrations.AlterField(
            model_name="tag",
            name="name",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.RemoveField(model_name="tag", name="name"),
        migrations.AlterModelOptions(name="tag", options={"ordering": ["pk"]}),
        migrations.AlterField(
            model_name="tag",
            name="name_index",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(fields=("patient", "name_index"), name="tag_once"),
        ),
    ]
