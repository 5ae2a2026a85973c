"""A language choice (English only for now), pending changes of sign-in address, and every stored time zone moved to its canonical
name: ``US/Eastern`` becomes ``America/New_York``, the same rules under the name people now
choose from. A zone with no place to map to (a fixed offset such as ``Etc/GMT+5``) is kept as
it is: it still works, and changing it would move the person's reminders."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def canonical_zones(apps, schema_editor):
    from claywork.core.timezones import canonical_zone

    User = apps.get_model("accounts", "User")
    for pk, name in User.objects.values_list("pk", "timezone").iterator():
        canonical = canonical_zone(name)
        if canonical is not None and canonical != name:
            User.objects.filter(pk=pk).update(timezone=canonical)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_patient_contact")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(choices=[("en", "English")], default="en", max_length=10),
        ),
        migrations.RunPython(canonical_zones, migrations.RunPython.noop),
        migrations.CreateModel(
            name="EmailChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("new_email", models.EmailField(max_length=254)),
                ("from_email", models.EmailField(max_length=254)),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("requested_at", models.DateTimeField()),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="email_change",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
