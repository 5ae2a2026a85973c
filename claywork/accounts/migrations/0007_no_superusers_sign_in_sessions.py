"""No superusers: Django's admin site is gone, and an account with ``is_superuser`` or
``is_staff`` would pass any permission check a library still makes, with no role and (its role
defaulting to patient) no second factor. Existing flags are cleared, then a constraint keeps
them off; the account keeps its role.

Also the list of browsers where each person is signed in (``SignInSession``), for the
"Where you are signed in" page and signing out everywhere."""

import django.db.models.deletion
from django.conf import settings
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
        migrations.CreateModel(
            name="SignInSession",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sid", models.CharField(max_length=32, unique=True)),
                ("session_key", models.CharField(max_length=40)),
                ("created_at", models.DateTimeField()),
                ("last_seen_at", models.DateTimeField()),
                ("user_agent", models.CharField(blank=True, max_length=200)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sign_in_sessions", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "indexes": [models.Index(fields=["user", "ended_at"], name="sign_in_live_by_user")],
            },
        ),
    ]
