"""Signed checkpoints of the audit trail's newest row, kept in and outside the database.

A keyed chain shows any edit or removal *inside* it, but removing the newest rows leaves a
shorter chain that is still whole. A checkpoint pins the newest row's id and hash at a moment,
signed with the Ed25519 audit signing key: ``claywork audit-verify`` then reports every
checkpointed row that is missing or changed. The worker's sweep makes one every
``CLAYWORK_AUDIT_CHECKPOINT_MINUTES`` while the trail grows (``claywork audit-checkpoint`` makes
one at once); each is stored in the table, appended to ``CLAYWORK_AUDIT_CHECKPOINT_FILE`` and
e-mailed to ``CLAYWORK_AUDIT_CHECKPOINT_EMAIL``, so deleting the table's rows does not hide it.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from claywork.audit import keys
from claywork.audit.chain import GENESIS_HASH, checkpoint_message
from claywork.audit.models import AuditCheckpoint, AuditEvent, CheckpointKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    made_at: datetime
    kind: str
    row_id: int
    row_hash: str
    events: int
    key_id: str
    signature: str
    source: str = "database"

    def message(self) -> bytes:
        return checkpoint_message(
            kind=self.kind, row_id=self.row_id, row_hash=self.row_hash, made_at=self.made_at
        )

    def signature_ok(self) -> bool:
        try:
            raw = base64.b64decode(self.signature, validate=True)
            keys.verify_key().verify(raw, self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def as_line(self) -> str:
        fields = asdict(self)
        fields.pop("source")
        fields["made_at"] = self.made_at.isoformat()
        return json.dumps(fields, sort_keys=True)


def _sign(*, kind: str, row_id: int, row_hash: str, made_at: datetime) -> tuple[str, str]:
    key = keys.signing_key()
    message = checkpoint_message(kind=kind, row_id=row_id, row_hash=row_hash, made_at=made_at)
    return base64.b64encode(key.sign(message)).decode(), keys.key_id(key.public_key())


def checkpoint_make(
    *, kind: str = CheckpointKind.PERIODIC, now: datetime | None = None
) -> Checkpoint:
    """Sign the newest row now, store it, and send the copies outside the database."""
    made_at = now or timezone.now()
    newest = AuditEvent.objects.order_by("-pk").values_list("pk", "row_hash").first()
    row_id, row_hash = newest if newest else (0, GENESIS_HASH)
    signature, key_id = _sign(kind=kind, row_id=row_id, row_hash=row_hash, made_at=made_at)
    checkpoint = Checkpoint(
        made_at=made_at,
        kind=kind,
        row_id=row_id,
        row_hash=row_hash,
        events=AuditEvent.objects.filter(pk__lte=row_id).count(),
        key_id=key_id,
        signature=signature,
    )
    stored = asdict(checkpoint)
    stored.pop("source")
    AuditCheckpoint.objects.create(**stored)
    _copy_outside(checkpoint)
    return checkpoint


def _copy_outside(checkpoint: Checkpoint) -> None:
    line = checkpoint.as_line()
    if settings.CLAYWORK_AUDIT_CHECKPOINT_FILE:
        path = Path(settings.CLAYWORK_AUDIT_CHECKPOINT_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")
    if settings.CLAYWORK_AUDIT_CHECKPOINT_EMAIL:
        send_mail(
            subject=f"Claywork audit checkpoint: row {checkpoint.row_id}",
            message=(
                "Keep this message: it lets `claywork audit-verify` prove that no audit event "
                f"up to row {checkpoint.row_id} was removed later.\n\n{line}\n"
            ),
            from_email=None,
            recipient_list=[settings.CLAYWORK_AUDIT_CHECKPOINT_EMAIL],
        )


def checkpoint_due(now: datetime) -> Checkpoint | None:
    """The sweep's job: a checkpoint when the last is older than the interval and the trail
    has grown since."""
    last = AuditCheckpoint.objects.order_by("-pk").values_list("made_at", "row_id").first()
    newest = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    if newest is None or (last is not None and last[1] == newest):
        return None
    interval = timedelta(minutes=settings.CLAYWORK_AUDIT_CHECKPOINT_MINUTES)
    if last is not None and now - last[0] < interval:
        return None
    return checkpoint_make(now=now)


def _from_row(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(
        made_at=row.made_at,
        kind=row.kind,
        row_id=row.row_id,
        row_hash=row.row_hash,
        events=row.events,
        key_id=row.key_id,
        signature=row.signature,
    )


def _from_line(number: int, line: str) -> Checkpoint | str:
    try:
        fields = json.loads(line)
        made_at = parse_datetime(fields["made_at"])
        if made_at is None:
            raise ValueError("made_at")
        return Checkpoint(
            made_at=made_at,
            kind=str(fields["kind"]),
            row_id=int(fields["row_id"]),
            row_hash=str(fields["row_hash"]),
            events=int(fields["events"]),
            key_id=str(fields["key_id"]),
            signature=str(fields["signature"]),
            source=f"file line {number}",
        )
    except (ValueError, KeyError, TypeError):
        return f"line {number} of {settings.CLAYWORK_AUDIT_CHECKPOINT_FILE} is not a checkpoint"


def checkpoints_all(extra_file: Path | None = None) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint known, from the table and the file(s), and the problems reading them
    (unreadable lines, bad signatures: a forged checkpoint is itself a finding)."""
    found = [_from_row(row) for row in AuditCheckpoint.objects.order_by("pk")]
    problems: list[str] = []
    files = (
        [Path(settings.CLAYWORK_AUDIT_CHECKPOINT_FILE)]
        if settings.CLAYWORK_AUDIT_CHECKPOINT_FILE
        else []
    )
    if extra_file is not None:
        files.append(extra_file)
    for path in files:
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            parsed = _from_line(number, line)
            if isinstance(parsed, str):
                problems.append(parsed)
            else:
                found.append(parsed)
    valid = []
    for checkpoint in found:
        if checkpoint.signature_ok():
            valid.append(checkpoint)
        else:
            problems.append(
                f"the checkpoint of row {checkpoint.row_id} ({checkpoint.source}) does not carry "
                f"a valid signature of this installation's audit key (key {checkpoint.key_id})"
            )
    return valid, problems


def checkpoint_latest() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-pk").first()
