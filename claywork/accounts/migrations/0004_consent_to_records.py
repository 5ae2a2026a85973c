"""The enrolment consent now lives in ``clinics.ConsentRecord`` (moved by clinics 0005)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_consent"),
        ("clinics", "0005_move_enrolment_consent"),
    ]

    operations = [
        migrations.RemoveField(model_name="user", name="consent_version"),
        migrations.RemoveField(model_name="user", name="consented_at"),
    ]
