from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from claywork.practice.models import Cadence, Realm
from claywork.vault.fields import SealedText


class CareRole(models.TextChoices):
    GUIDE = "guide", "Guide"
    INTEGRATION_THERAPIST = "integration_therapist", "Integration therapist"


class CareTeamMembership(models.Model):
    """A clinician on a patient's care team: the only way a clinician sees a patient's care."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_team_links"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caseload_links"
    )
    care_role = models.CharField(max_length=30, choices=CareRole.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "clinician"], name="one_membership_each")
        ]

    def __str__(self) -> str:
        return f"{self.clinician} on {self.patient}'s care team"


class Modality(models.TextChoices):
    IV = "iv", "IV infusion"
    IM = "im", "Intramuscular injection"
    INTRANASAL_ESKETAMINE = "intranasal_esketamine", "Intranasal esketamine"
    ORAL_SUBLINGUAL = "oral_sublingual", "Oral / sublingual"
    OTHER = "other", "Other"


class TreatmentCourse(models.Model):
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courses"
    )
    # What the course is called ("Ketamine for treatment-resistant depression") says what care
    # the patient is in: sealed with their key (decision 0016). Nothing filters or sorts by it.
    title_sealed = models.TextField(blank=True, default="")
    title = SealedText("title_sealed", context="care.course.title")
    modality = models.CharField(max_length=30, choices=Modality.choices)
    planned_sessions = models.PositiveSmallIntegerField(default=6)
    starts_on = models.DateField(null=True, blank=True)
    motivation_sealed = models.TextField(blank=True, default="")
    motivation = SealedText("motivation_sealed", context="care.course.motivation")
    motivation_updated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Session(models.Model):
    course = models.ForeignKey(TreatmentCourse, on_delete=models.CASCADE, related_name="sessions")
    # The patient is repeated here so that "whose is this?" is one column, for the policy.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions"
    )
    scheduled_at = models.DateTimeField()
    # Where it is held (a clinic's room, a home address) says what care the patient is in:
    # sealed with the patient's key (decision 0016).
    location_sealed = models.TextField(blank=True, default="")
    location = SealedText("location_sealed", context="care.session.location")
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    debrief_sealed = models.TextField(blank=True, default="")
    debrief = SealedText("debrief_sealed", context="care.session.debrief")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_at"]
        indexes = [models.Index(fields=["patient", "status", "completed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="completed_session_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course.title}, {self.scheduled_at:%Y-%m-%d}"

    @property
    def is_completed(self) -> bool:
        return self.status == SessionStatus.COMPLETED

    @property
    def held_at(self) -> datetime | None:
        """When the session actually began: its start, or its completion when it was completed
        without being started. None until then; ``scheduled_at`` is only the plan."""
        return self.started_at or self.completed_at

    @property
    def shown_at(self) -> datetime:
        """The time to show for this session: the actual one once there is one."""
        return self.held_at or self.scheduled_at

    @property
    def held_off_schedule(self) -> bool:
        """Held at least an hour from its planned time: pages then show both."""
        held = self.held_at
        return held is not None and abs(held - self.scheduled_at) >= timedelta(hours=1)

    def hours_from_schedule(self, now: datetime) -> float:
        """How far ``now`` is from the planned time, in hours, either way."""
        return abs((now - self.scheduled_at).total_seconds()) / 3600

    @property
    def accepts_guide_notes(self) -> bool:
        return self.status in (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED)

    @property
    def accepts_intentions(self) -> bool:
        return self.status in (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)

    @property
    def window_opens_at(self) -> datetime | None:
        if self.completed_at is None:
            return None
        return self.completed_at + timedelta(hours=settings.CLAYWORK_WINDOW_OPENS_HOURS)

    @property
    def window_closes_at(self) -> datetime | None:
        if self.completed_at is None:
            return None
        return self.completed_at + timedelta(hours=settings.CLAYWORK_WINDOW_CLOSES_HOURS)


class SessionIntention(models.Model):
    """What the patient hopes to explore, written before the session."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="intention")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    text_sealed = models.TextField()
    text = SealedText("text_sealed", context="care.intention.text")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"intention for session {self.session_id}"


class NoteKind(models.TextChoices):
    SAID = "said", "What you said"
    OBSERVATION = "observation", "Observation"
    OTHER = "other", "Note"


class NoteTag(models.TextChoices):
    """Quick tags a guide puts on a note during a session, one keystroke each."""

    INSIGHT = "insight", "Insight"
    EMOTION = "emotion", "Emotion"
    BODY = "body", "Body"
    IMAGE = "image", "Image / vision"
    DIFFICULTY = "difficulty", "Difficulty"
    QUOTE = "quote", "Quote"


class GuideNote(models.Model):
    """A timestamped note taken during a session, written for the patient to read later
    (unless ``private``: then only the care team ever reads it)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="guide_notes")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NoteKind.choices, default=NoteKind.OBSERVATION)
    text_sealed = models.TextField()
    text = SealedText("text_sealed", context="care.guide_note.text")
    noted_at = models.DateTimeField()
    submission_id = models.UUIDField()
    tags = models.JSONField(default=list, blank=True)  # NoteTag values
    # For the clinician's eyes only: never shown, exported or themed for the patient.
    private = models.BooleanField(default=False)
    # Minutes since the session's actual start when the note was taken (None: not started).
    elapsed_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Written after the session was completed, and shown as such.
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["noted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "submission_id"], name="guide_note_submitted_once"
            )
        ]

    def __str__(self) -> str:
        return f"guide note {self.pk} on session {self.session_id}"

    @property
    def tag_labels(self) -> list[str]:
        return [NoteTag(tag).label for tag in self.tags if tag in NoteTag.values]


class SessionObservation(models.Model):
    """The structured observations a clinic chose to record during a session (blood pressure
    and heart rate before and after, side effects, dissociation 0-4, recovery time): one row
    per session, sealed like notes, read by the care team only. Records; never a dose."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="observation")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    values_sealed = models.TextField(blank=True, default="")
    values_json = SealedText("values_sealed", context="care.session.observation")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"observations of session {self.session_id}"


class EntryComment(models.Model):
    """A care-team clinician's comment on a journal entry the patient shared with the care
    team. The patient reads it on their entry; the clinician sees the thread only while the
    share lasts (``policy.may_comment_on_entry``)."""

    entry = models.ForeignKey("journal.Entry", on_delete=models.CASCADE, related_name="comments")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text_sealed = models.TextField()
    text = SealedText("text_sealed", context="care.entry_comment.text")
    created_at = models.DateTimeField(auto_now_add=True)
    submission_id = models.UUIDField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "submission_id"], name="entry_comment_submitted_once"
            )
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on entry {self.entry_id}"


class SuggestionKind(models.TextChoices):
    PROMPT = "prompt", "A reflection prompt"
    GOAL = "goal", "A goal"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Suggestion(models.Model):
    """A reflection prompt or a goal a care-team clinician suggests to a patient, who accepts
    or declines it once (a conditional UPDATE decides, so a double click decides once)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestions"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=SuggestionKind.choices)
    # A prompt from the library, or the clinician's own words (a prompt's, or a goal's title).
    prompt = models.ForeignKey(
        "journal.Prompt", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    words_sealed = models.TextField(blank=True, default="")
    words = SealedText("words_sealed", context="care.suggestion.words")
    realm = models.CharField(max_length=20, blank=True)
    cadence = models.CharField(max_length=10, blank=True)
    per_week = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    decline_reason_sealed = models.TextField(blank=True, default="")
    decline_reason = SealedText("decline_reason_sealed", context="care.suggestion.decline")
    goal = models.ForeignKey(
        "practice.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    submission_id = models.UUIDField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["patient", "status", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_id"], name="suggestion_submitted_once"
            )
        ]

    def __str__(self) -> str:
        return f"suggestion {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == SuggestionStatus.PENDING

    @property
    def realm_label(self) -> str:
        return Realm(self.realm).label if self.realm in Realm.values else self.realm

    @property
    def cadence_label(self) -> str:
        return Cadence(self.cadence).label if self.cadence in Cadence.values else self.cadence

    @property
    def prompt_text(self) -> str:
        """What to reflect on: the library prompt's words, or the clinician's own."""
        return self.prompt.text if self.prompt is not None else self.words
