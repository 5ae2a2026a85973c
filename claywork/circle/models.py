"""A patient's support circle: trusted people they invited, their notes and check-in requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claywork.vault.blind_index import blind_index
from claywork.vault.fields import SealedText


class MemberStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REMOVED = "removed", "Removed"
    # The support person stepped back themselves; to the patient this reads differently.
    LEFT = "left", "Stepped back"


def email_index_of(email: str) -> str:
    return blind_index(email, purpose="circle.member.email")


class CircleMemberManager(models.Manager["CircleMember"]):
    def with_email(self, email: str) -> models.QuerySet[CircleMember]:
        """The members invited with this address (any case), found by its blind index."""
        return self.filter(email_index=email_index_of(email))


class CircleMember(models.Model):
    """One trusted person in one patient's circle, from the invitation on.

    One row per patient and e-mail address: inviting the same address again renews the link on
    this row rather than adding a second person. ``person`` is the account that accepted (a new
    support-person account, or an existing account with that address). Only an ``accepted``
    member sees anything, and only what the patient shares (``core.policy``).
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_members"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="circle_links",
    )
    # Who a patient trusts, and that they are in care at all, is health information: the
    # address, name and relationship are sealed with the patient's key (decision 0016). The
    # address is found again by its blind index (``with_email``), never by its text.
    email_sealed = models.TextField(blank=True, default="")
    email = SealedText("email_sealed", context="circle.member.email")
    email_index = models.CharField(max_length=64)
    full_name_sealed = models.TextField(blank=True, default="")
    full_name = SealedText("full_name_sealed", context="circle.member.full_name")
    relationship_sealed = models.TextField(blank=True, default="")
    relationship = SealedText("relationship_sealed", context="circle.member.relationship")
    status = models.CharField(
        max_length=10, choices=MemberStatus.choices, default=MemberStatus.INVITED
    )
    # The invitation link's SHA-256 (never the link itself); cleared once it is used.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = CircleMemberManager()

    class Meta:
        ordering = ["invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "email_index"], name="circle_member_once"),
            models.UniqueConstraint(
                fields=["patient", "person"],
                condition=Q(person__isnull=False),
                name="circle_person_once",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"circle member {self.pk}"

    def address_set(self, email: str) -> None:
        """Set the address (lower-cased) and its blind index together."""
        self.email = email.strip().lower()
        self.email_index = email_index_of(email)

    @property
    def invitation_is_open(self) -> bool:
        return (
            self.status == MemberStatus.INVITED
            and self.token_hash is not None
            and self.token_expires_at is not None
            and self.token_expires_at > timezone.now()
        )


class EncouragementNote(models.Model):
    """A short note from a circle member to the patient. Sealed with the patient's key: it is
    part of the patient's record (and shredded with it)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="encouragement_notes"
    )
    member = models.ForeignKey(CircleMember, on_delete=models.CASCADE, related_name="notes")
    text_sealed = models.TextField()
    text = SealedText("text_sealed", context="circle.note.text")
    submission_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["patient", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["member", "submission_id"], name="note_sent_once")
        ]

    def __str__(self) -> str:
        return f"note {self.pk}"


class CheckInAnswer(models.TextChoices):
    YES = "yes", "Yes, I will"
    NOT_THIS_WEEK = "not_this_week", "Not this week"


class CheckInRequest(models.Model):
    """ "Could you call me this week?": the patient asks one circle member, who answers once."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_in_requests"
    )
    member = models.ForeignKey(CircleMember, on_delete=models.CASCADE, related_name="requests")
    message_sealed = models.TextField(blank=True, default="")
    message = SealedText("message_sealed", context="circle.request.message")
    submission_id = models.UUIDField()
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.CharField(max_length=20, choices=CheckInAnswer.choices, blank=True)
    reply_sealed = models.TextField(blank=True, default="")
    reply = SealedText("reply_sealed", context="circle.request.reply")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_id"], name="check_in_request_once"
            )
        ]

    def __str__(self) -> str:
        return f"check-in request {self.pk}"
