# A response's band ("Severe", a risk screen's "High risk") and its safety flags ("self_harm")
# say more than its total: now sealed with the patient's key (decision 0016). Flags, a JSON
# list before, are sealed as one comma-separated text. Going back opens them again.

from django.db import migrations, models

from claywork.vault.migration_support import seal_rows

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

    def opened(token, context, owner_id):
        try:
            return open_text(token=token, context=context, owner_id=owner_id) if token else ""
        except VaultError:  # an erased account's key is gone
            return ""

    # One UPDATE per row: PostgreSQL refuses the ALTER TABLE that follows when a row this
    # transaction already changed is changed again (its foreign-key checks are then pending).
    model = apps.get_model("measures", "ScaleResponse")
    batch = []
    for row in model._base_manager.order_by("pk").iterator(chunk_size=500):
        row.band = opened(row.band_sealed, COLUMNS["band"][1], row.patient_id)
        flags = opened(row.flags_sealed, FLAGS_CONTEXT, row.patient_id)
        row.flags = flags.split(",") if flags else []
        batch.append(row)
    model._base_manager.bulk_update(batch, ["band", "flags"], batch_size=500)


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
