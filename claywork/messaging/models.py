"""Secure messages between a patient and their care team.

A ``Thread`` belongs to one patient; whoever is on the patient's care team *now* reads it
(``policy.threads_visible_to``), so a clinician who leaves the team loses it on the next
request and a newcomer finds the history. A thread may be handed to one clinician of the team
(``assigned_to``), who is then the one e-mailed about the patient's new messages. Text is sealed
with the patient's data key, like journal text.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from claywork.vault.fields import SealedText

DEFAULT_REPLY_NOTE = "Your care team usually replies within two working days."


class ClinicMessaging(models.Model):
    """A clinic's words about messages: office hours and when to expect a reply. Kept here,
    not on ``Clinic``, so messages own their settings."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="messaging"
    )
    office_hours = models.CharField(max_length=200, blank=True)
    reply_note = models.CharField(max_length=200, blank=True, default=DEFAULT_REPLY_NOTE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"messaging settings of clinic {self.clinic_id}"


class Thread(models.Model):
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_threads"
    )
    subject_sealed = models.TextField(blank=True, default="")
    subject = SealedText("subject_sealed", context="messaging.thread.subject")
    # The clinician it was handed to; ignored once they are no longer on the care team.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_threads",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submission_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField()
    # The newest message of each side (a Message id, 0 for none), kept by the send service so
    # the list of threads knows what is unread without reading the messages.
    last_from_patient = models.PositiveBigIntegerField(default=0)
    last_from_team = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        indexes = [models.Index(fields=["patient", "-last_message_at"])]
        constraints = [
            models.UniqueConstraint(fields=["patient", "submission_id"], name="thread_started_once")
        ]

    def __str__(self) -> str:
        return f"message thread {self.pk}"


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    # The thread's patient, whose data key seals the text.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_patient = models.BooleanField()
    body_sealed = models.TextField()
    body = SealedText("body_sealed", context="messaging.message.body")
    submission_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Messages are not edited; the crisis-language hook keys its alert on this version stamp.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["thread", "-id"])]
        constraints = [
            models.UniqueConstraint(fields=["thread", "submission_id"], name="message_sent_once")
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in thread {self.thread_id}"


class ReadMark(models.Model):
    """How far one reader has read a thread: the read receipts and the unread counts."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_marks")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_up_to = models.PositiveBigIntegerField(default=0)  # a Message id
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "reader"], name="one_read_mark_each")
        ]

    def __str__(self) -> str:
        return f"{self.reader_id} read thread {self.thread_id} to {self.read_up_to}"


class MessageDraft(models.Model):
    """Words that could not be sent (too long, say), kept for the writer, sealed with the
    patient's key."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    draft_key = models.CharField(max_length=80)
    content_sealed = models.TextField()
    content = SealedText("content_sealed", context="messaging.draft.content")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "draft_key"], name="message_draft_once")
        ]

    def __str__(self) -> str:
        return f"message draft {self.draft_key}"


class NoticeState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Not needed (read, or no longer on the care team)"
    FAILED = "failed", "Could not be sent"


class MessageNotice(models.Model):
    """Outbox row for one "you have a new message" e-mail (no health text, no names)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="notices")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notices")
    state = models.CharField(max_length=20, choices=NoticeState.choices, default="pending")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        constraints = [models.UniqueConstraint(fields=["recipient", "message"], name="notice_once")]

    def __str__(self) -> str:
        return f"notice of message {self.message_id} to {self.recipient_id}"
