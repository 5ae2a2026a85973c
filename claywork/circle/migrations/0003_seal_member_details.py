# A circle member's address, name and relationship say who a patient trusts and that they are
# in care: now sealed with the patient's key (decision 0016). The address is found again by a
# keyed blind index (vault/blind_index.py), which also carries the "one row per patient and
# address" rule. Every existing value is sealed as it is; going back opens them again.

from django.db import migrations, models

from claywork.vault.blind_index import blind_index
from claywork.vault.migration_support import open_rows, seal_rows

COLUMNS = {
    "email": ("email_sealed", "circle.member.email"),
    "full_name": ("full_name_sealed", "circle.member.full_name"),
    "relationship": ("relationship_sealed", "circle.member.relationship"),
}


def _index(row):
    return {"email_index": blind_index(row.email, purpose="circle.member.email")}


def seal_members(apps, schema_editor):
    model = apps.get_model("circle", "CircleMember")
    seal_rows(model, owner="patient_id", columns=COLUMNS, extra=_index)


def open_members(apps, schema_editor):
    open_rows(apps.get_model("circle", "CircleMember"), owner="patient_id", columns=COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("circle", "0002_member_left"),
        ("vault", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="circlemember",
            name="email_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="circlemember",
            name="full_name_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="circlemember",
            name="relationship_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="circlemember",
            name="email_index",
            field=models.CharField(default="", max_length=64),
        ),
        # Dropped before sealing and put back after opening (going back), when the addresses
        # are there again to be unique.
        migrations.RemoveConstraint(model_name="circlemember", name="circle_member_once"),
        migrations.RunPython(seal_members, open_members),
        # Defaults only so that going back can add the columns to rows that exist.
        migrations.AlterField(
            model_name="circlemember",
            name="email",
            field=models.EmailField(blank=True, default="", max_length=254),
        ),
        migrations.AlterField(
            model_name="circlemember",
            name="full_name",
            field=models.CharField(blank=True, default="", max_length=150),
        ),
        migrations.RemoveField(model_name="circlemember", name="email"),
        migrations.RemoveField(model_name="circlemember", name="full_name"),
        migrations.RemoveField(model_name="circlemember", name="relationship"),
        migrations.AlterModelOptions(name="circlemember", options={"ordering": ["invited_at", "pk"]}),
        migrations.AlterField(
            model_name="circlemember",
            name="email_index",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="circlemember",
            constraint=models.UniqueConstraint(
                fields=("patient", "email_index"), name="circle_member_once"
            ),
        ),
    ]
