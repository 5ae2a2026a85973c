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


def verify_invited_addresses(apps, schema_editor):
    """An accepted invitation proved its address: mark it verified, so that staff invited
    before this release can activate their second factor (allauth refuses while an address is
    unverified; issue 15 found invited staff stuck there)."""
    EmailAddress = apps.get_model("account", "EmailAddress")
    Invitation = apps.get_model("clinics", "Invitation")
    User = apps.get_model("accounts", "User")
    accepted = Invitation.objects.filter(accepted_at__isnull=False).values_list("email", flat=True)
    for user_id, email in User.objects.filter(email__in=accepted).values_list("pk", "email"):
        updated = EmailAddress.objects.filter(user_id=user_id, email__iexact=email).update(
            verified=True
        )
        if not updated and not EmailAddress.objects.filter(user_id=user_id).exists():
            EmailAddress.objects.create(user_id=user_id, email=email, verified=True, primary=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_profile_language_zones_email_change"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("clinics", "0005_move_enrolment_consent"),
    ]

    operations = [
        migrations.RunPython(clear_superuser_flags, migrations.RunPython.noop),
        migrations.RunPython(verify_invited_addresses, migrations.RunPython.noop),
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
