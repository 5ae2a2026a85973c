"""No superusers: Django's admin site is gone, and an account with ``is_superuser`` or
``is_staff`` would pass any permission check a library still makes, with no role and (its role
defaulting to patient) no second factor. Existing flags are cleared, then a constraint keeps
them off; the account keeps its role."""

from django.db import migrations, models


def clear_superuser_flags(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(models.Q(is_superuser=True) | models.Q(is_staff=True)).update(
        is_superuser=False, is_staff=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_profile_language_zones_email_change"),
    ]

    operations = [
        migrations.RunPython(clear_superuser_flags, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_staff", False), ("is_superuser", False)),
                name="accounts_user_no_superuser",
            ),
        ),
    ]
