from __future__ import annotations

from django.conf import settings
from django.db import models

from claywork.audit.chain import ChainFields


class AuditAction(models.TextChoices):
    READ = "read", "Viewed"
    WRITE = "write", "Changed"
    EXPORT = "export", "Exported"
    # The patient's own deletions are recorded too: that it happened, never what it said.
    DELETE = "delete", "Deleted"


class AuditEvent(models.Model):
    """One read or write of a patient's health data by someone other than the patient, or a
    deletion (by anyone, the patient included).

    Append-only: never updated or deleted (the database refuses it, see ``guard.py``), and each
    row's ``row_hash`` covers the previous row's hash, so a gap or an edit breaks the chain
    (``chain.py``, ``claywork audit-verify``). Holds codes and ids only, never health text.
    Written only through ``services.audit_record`` / ``audit_record_many``.
    """

    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events_made",
    )
    # The actor's role at the time ("clinician", "support", "system" for commands).
    actor_role = models.CharField(max_length=20)
    # None for a list page's event (a caseload, an inbox): one event per page view, its
    # patients in ``subject_set`` (decision 0004, amendment of 2026-12-04).
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events_about",
        db_index=False,  # the (patient, -id) index below serves every lookup by patient
    )
    # The patient's clinic at the time: a clinic admin sees their clinic's rows only.
    clinic_id = models.IntegerField(null=True, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    # What kind of data, as a stable code: "journal.entry", "measures.progress", ...
    resource = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    # Where from: the client address and the route name (never the path or query string).
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    route = models.CharField(max_length=120, blank=True)
    # A list page's event: the set of patients it showed (``patient`` is then empty).
    subject_set = models.ForeignKey(
        "AuditSubjectSet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,  # the (subject_set, -id) index below, for list pages' events only
    )
    # No index on either hash: each would be a B-tree insert at a random place for every row,
    # and nothing looks a row up by its hash. The chain lock keeps one chain (services.py).
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["patient", "-id"], name="audit_patient_recent"),
            models.Index(fields=["clinic_id", "-id"], name="audit_clinic_recent"),
            # Appended at the end of one set's range per list page view: one page written.
            models.Index(
                fields=["subject_set", "-id"],
                name="audit_listed_recent",
                condition=models.Q(subject_set__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_role} {self.action} {self.resource} #{self.object_id}"

    def chain_fields(self, subject_ids: tuple[int, ...] = ()) -> ChainFields:
        """What the row's hash covers; a list page's event also covers its subjects' ids."""
        return ChainFields(
            occurred_at=self.occurred_at,
            actor_id=self.actor_id,
            actor_role=self.actor_role,
            patient_id=self.patient_id,
            clinic_id=self.clinic_id,
            action=self.action,
            resource=self.resource,
            object_id=self.object_id,
            ip_address=self.ip_address,
            route=self.route,
            subject_ids=subject_ids,
        )


class AuditSubjectSet(models.Model):
    """The patients a list page showed, stored once however many views showed the same list.

    A clinician opens the same caseload many times a day; its patients are written once, as
    a set named by the digest of their sorted ids (``chain.subjects_digest``), and each page
    view's event points at the set. The event's hash covers the digest recomputed from the
    set's rows (``chain.py``, ``verify.py``), so a patient added to or removed from a set, or
    an event pointed at another set, breaks the chain. Append-only like the events."""

    digest = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.size} patients ({self.digest[:12]})"


class AuditSubject(models.Model):
    """One patient of a set of patients shown on a list page. The (patient, set) index answers
    "which lists showed this patient"; each set's events are on the events' (set, -id) index.
    """

    subject_set = models.ForeignKey(
        AuditSubjectSet, on_delete=models.PROTECT, related_name="subjects"
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="audit_subject_of",
        db_index=False,  # the (patient, subject_set) index below
    )

    class Meta:
        indexes = [models.Index(fields=["patient", "subject_set"], name="audit_subject_patient")]

    def __str__(self) -> str:
        return f"set {self.subject_set_id} holds patient {self.patient_id}"


class CheckpointKind(models.TextChoices):
    # The last row hashed before the trail was keyed (migration audit/0003).
    CUTOVER = "cutover", "Cut-over to the keyed chain"
    PERIODIC = "periodic", "Periodic"


class AuditCheckpoint(models.Model):
    """The newest row's id and hash at a moment, signed with the audit signing key (Ed25519).

    A copy goes outside the database (``CLAYWORK_AUDIT_CHECKPOINT_FILE``, e-mail), so removing
    the newest rows, which leaves a shorter but unbroken chain, is seen against it
    (``checkpoint.py``, ``claywork audit-verify``). Holds no personal data."""

    made_at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=CheckpointKind.choices)
    row_id = models.BigIntegerField()
    row_hash = models.CharField(max_length=64)
    # Rows in the trail up to and including row_id, for the "who has seen my data" page.
    events = models.BigIntegerField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.kind} checkpoint at row {self.row_id}"
