"""A list page's view becomes one event and its patients rows of ``AuditSubject``.

``AuditEvent.patient`` may now be empty (a list page's event names its patients through the
subject table). Every existing row keeps its values and its hash: an event without subjects is
hashed exactly as before (``chain.py``). On SQLite making the column nullable rebuilds the
table, which drops its triggers, so the guard is installed again, on both tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install_guard(apps, schema_editor):
    from claywork.audit import guard

    guard.install(schema_editor.connection)


def remove_subject_guard(apps, schema_editor):
    from claywork.audit import guard

    with schema_editor.connection.cursor() as cursor:
        for statement in guard.remove_sql(schema_editor.connection.vendor):
            if "audit_subject" in statement:
                cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_keyed_chain_checkpoints"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_events_about",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="AuditSubject",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="subjects", to="audit.auditevent")),
                ("patient", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="audit_subject_of", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "indexes": [models.Index(fields=["patient", "-event"], name="audit_subject_recent")],
            },
        ),
        migrations.RunPython(install_guard, remove_subject_guard),
    ]
