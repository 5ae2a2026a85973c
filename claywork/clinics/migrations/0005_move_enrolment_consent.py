"""Move each patient's accepted enrolment terms (``User.consent_version``/``consented_at``)
into consent records. The terms' version 1 already covered screening of private writing and
scores to the care team, so those are recorded as given at the same moment."""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    ConsentRecord = apps.get_model("clinics", "ConsentRecord")
    records = []
    for user in User.objects.exclude(consent_version="").exclude(consented_at=None).iterator():
        for topic in ("enrolment", "screening", "scores"):
            version = user.consent_version if topic == "enrolment" else "1"
            records.append(
                ConsentRecord(
                    user_id=user.pk,
                    topic=topic,
                    subject="",
                    version=version,
                    given=True,
                    recorded_at=user.consented_at,
                )
            )
    ConsentRecord.objects.bulk_create(records, batch_size=500)


def backwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    ConsentRecord = apps.get_model("clinics", "ConsentRecord")
    for record in ConsentRecord.objects.filter(topic="enrolment", given=True).order_by(
        "recorded_at"
    ):
        User.objects.filter(pk=record.user_id).update(
            consent_version=record.version, consented_at=record.recorded_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_consent"),
        ("clinics", "0004_consent_records"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
