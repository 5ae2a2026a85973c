# Alert e-mails are claimed with a token (core/outbox.py), as reminders already were. Rows in
# flight during the upgrade need no value: a row is due again once its lease expires, whoever
# held it, and the next sender stamps its own token.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0004_alert_kind_account_deletion"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertdelivery",
            name="claim",
            field=models.CharField(blank=True, max_length=32),
        ),
    ]
