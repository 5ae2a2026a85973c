"""The audit chain becomes keyed (HMAC under CLAYWORK_AUDIT_KEY) and gets signed checkpoints.

Rows already written keep the plain SHA-256 they were hashed with: the table is append-only,
and rewriting it would need the guard lifted. Instead a signed **cut-over checkpoint** pins the
newest of them (id and hash); `audit-verify` checks the rows up to it with SHA-256 and every
later row with the key. Changing an old row changes every hash after it up to the pinned one,
so it is seen; removing the cut-over checkpoint makes the old rows fail the keyed check. With
no rows yet, there is nothing to pin and no cut-over."""

import base64
import json
from pathlib import Path

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def pin_unkeyed_rows(apps, schema_editor):
    from claywork.audit import keys
    from claywork.audit.chain import checkpoint_message

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditCheckpoint = apps.get_model("audit", "AuditCheckpoint")
    newest = AuditEvent.objects.order_by("-pk").values_list("pk", "row_hash").first()
    if newest is None:
        return
    row_id, row_hash = newest
    made_at = timezone.now()
    signing = keys.signing_key()
    message = checkpoint_message(kind="cutover", row_id=row_id, row_hash=row_hash, made_at=made_at)
    fields = {
        "made_at": made_at,
        "kind": "cutover",
        "row_id": row_id,
        "row_hash": row_hash,
        "events": AuditEvent.objects.count(),
        "key_id": keys.key_id(signing.public_key()),
        "signature": base64.b64encode(signing.sign(message)).decode(),
    }
    AuditCheckpoint.objects.create(**fields)
    if settings.CLAYWORK_AUDIT_CHECKPOINT_FILE:
        path = Path(settings.CLAYWORK_AUDIT_CHECKPOINT_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(fields | {"made_at": made_at.isoformat()}, sort_keys=True) + "\n")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_delete_action"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("made_at", models.DateTimeField()),
                ("kind", models.CharField(choices=[("cutover", "Cut-over to the keyed chain"), ("periodic", "Periodic")], max_length=10)),
                ("row_id", models.BigIntegerField()),
                ("row_hash", models.CharField(max_length=64)),
                ("events", models.BigIntegerField()),
                ("key_id", models.CharField(max_length=16)),
                ("signature", models.CharField(max_length=128)),
            ],
            options={"ordering": ["-pk"]},
        ),
        migrations.RunPython(pin_unkeyed_rows, migrations.RunPython.noop),
    ]
