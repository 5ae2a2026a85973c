# A response's band ("Severe", a risk screen's "High risk") and its safety flags ("self_harm")
# say more than its total: now sealed with the patient's key (decision 0016). Flags, a JSON
# list before, are sealed as one comma-separated text. Going back opens them again.

from django.db import migrations, models

from claywork.vault.migration_support import open_rows, seal_rows

COLUMNS = {"band": ("band_sealed", "measures.response.band")}
FLAGS_CONTEXT = "measures.response.flags"


def seal_scores(apps, schema_editor):
    from claywork.vault.services import seal_text

    def flags(row):
        text = ",".join(row.flags or [])
        token = seal_text(owner_id=row.patient_id, plaintext=text, context=FLAGS_CONTEXT)
        return {"flags_sealed": token if text else ""}

    model = apps.get_model("measures", "ScaleResponse")
    seal_rows(model, owner="patient_id", columns=COLUMNS, extra=flags)


def open_scores(apps, schema_editor):
    from claywork.vault.crypto import VaultError
    from claywork.vault.services import open_text

    model = apps.get_model("measures", "ScaleResponse")
    open_rows(model, owner="patient_id", columns=COLUMNS)
    batch = []
    for row in model._base_manager.exclude(flags_sealed="").iterator(chunk_size=500):
        try:
            text = open_text(token=row.flags_sealed, context=FLAGS_CONTEXT, owner_id=row.patient_id)
        except VaultError:
            text = ""
        row.flags = text.split(",") if text else []
        batch.append(row)
    model._base_manager.bulk_update(batch, ["flags"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0005_caseload_preference"),
        ("vault", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="scaleresponse",
            name="band_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="scaleresponse",
            name="flags_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(seal_scores, open_scores),
        migrations.RemoveField(model_name="scaleresponse", name="band"),
        migrations.RemoveField(model_name="scaleresponse", name="flags"),
    ]
