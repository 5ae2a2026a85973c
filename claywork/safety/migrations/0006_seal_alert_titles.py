# An alert's title says what raised it ("PHQ-9: self-harm item answered above zero"): health
# information, now sealed with the patient's key (decision 0016). Every existing title is
# sealed as it is, but those of accounts already erased, which are emptied as erasure now does;
# going back opens them into the clear column again (an erased account's come back empty).

from django.db import migrations, models

from claywork.vault.migration_support import open_rows, seal_rows

COLUMNS = {"title": ("title_sealed", "safety.alert.title")}


def seal_titles(apps, schema_editor):
    # The alerts of an account already erased stay (the clinic's record); their titles are
    # emptied, as erasure now does, rather than sealed under a key the account no longer has.
    deletions = apps.get_model("ownership", "AccountDeletion").objects
    erased = frozenset(
        deletions.filter(erased_at__isnull=False).values_list("patient_id", flat=True)
    )
    alerts = apps.get_model("safety", "Alert")
    seal_rows(alerts, owner="patient_id", columns=COLUMNS, erased=erased)


def open_titles(apps, schema_editor):
    open_rows(apps.get_model("safety", "Alert"), owner="patient_id", columns=COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0005_outbox_claims"),
        ("ownership", "0001_account_deletion"),
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
