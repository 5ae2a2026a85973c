from __future__ import annotations

from django.conf import settings
from django.db import models

from claywork.practice.models import Realm
from claywork.vault.blind_index import blind_index
from claywork.vault.fields import SealedText


class PromptTopic(models.TextChoices):
    SESSION = "session", "The session itself"
    SYMBOLS = "symbols", "Symbols and messages"
    CHANGE = "change", "What to change"
    RELATIONSHIPS = "relationships", "Relationships"
    BODY = "body", "Body"
    MIND = "mind", "Mind"
    EMOTIONS = "emotions", "Emotions"
    SPIRIT = "spirit", "Spirit and meaning"
    WORK_PLAY = "work_play", "Work and play"
    MOTIVATION = "motivation", "Motivation"


class Prompt(models.Model):
    """A reflection prompt from Claywork's library; clinics may add or retire their own."""

    slug = models.SlugField(unique=True)
    topic = models.CharField(max_length=20, choices=PromptTopic.choices)
    text = models.TextField()
    # The integration step this prompt is offered at ("window", "day_3", ...), if any.
    step = models.CharField(max_length=20, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["topic", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class EntryKind(models.TextChoices):
    REFLECTION = "reflection", "Reflection"
    INSIGHT = "insight", "Insight"
    SYMBOL = "symbol", "Symbol or vision"
    FEELING = "feeling", "Feeling"
    CREATIVE = "creative", "Creative work"
    INTENTION_FOLLOW_UP = "intention_follow_up", "Intention follow-up"


def tag_index_of(name: str) -> str:
    # Exact, as tag names always matched: "Sleep" and "sleep" stay two tags.
    return blind_index(name, purpose="journal.tag.name", fold_case=False)


class Tag(models.Model):
    """A patient's own label for entries. The words ("grief", "relapse") are sealed with the
    patient's key (decision 0016); ``name_index``, their keyed blind index, finds a tag by its
    exact name and keeps one row per patient and name."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name_sealed = models.TextField(blank=True, default="")
    name = SealedText("name_sealed", context="journal.tag.name")
    name_index = models.CharField(max_length=64)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["patient", "name_index"], name="tag_once")]

    def __str__(self) -> str:
        return f"tag {self.pk}"

    @classmethod
    def named(cls, *, patient_id: int, name: str) -> Tag:
        tag = cls(patient_id=patient_id)
        tag.name = name
        tag.name_index = tag_index_of(name)
        return tag


class LiveEntryManager(models.Manager["Entry"]):
    """Entries not deleted: every read in Claywork. A deleted entry waits ``UNDO`` seconds
    (journal/services.py) for an undo, seen by nobody, then is purged with what hangs off it."""

    def get_queryset(self) -> models.QuerySet[Entry]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Entry(models.Model):
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    kind = models.CharField(max_length=30, choices=EntryKind.choices, default=EntryKind.REFLECTION)
    title_sealed = models.TextField(blank=True, default="")
    title = SealedText("title_sealed", context="journal.entry.title")
    body_sealed = models.TextField()
    body = SealedText("body_sealed", context="journal.entry.body")
    session = models.ForeignKey(
        "care.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    prompt = models.ForeignKey(Prompt, on_delete=models.SET_NULL, null=True, blank=True)
    # The part of the integration plan this entry feeds: a realm, a goal, both or neither.
    # Deleting the goal keeps the entry.
    realm = models.CharField(max_length=20, choices=Realm.choices, blank=True)
    goal = models.ForeignKey(
        "practice.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="entries")
    # The form's one-time id: a double submit finds the entry it already made.
    submission_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the patient deletes the entry; cleared by an undo, or the row is purged.
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = LiveEntryManager()
    all_objects = models.Manager()  # noqa: DJ012 - a second manager, not a field

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["patient", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_id"], name="entry_submitted_once"
            )
        ]

    def __str__(self) -> str:
        return f"journal entry {self.pk}"


class Draft(models.Model):
    """Unsaved writing, kept server-side while the patient types (sealed like an entry)."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    draft_key = models.CharField(max_length=80)
    content_sealed = models.TextField()
    content = SealedText("content_sealed", context="journal.draft.content")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "draft_key"], name="draft_once_per_form")
        ]

    def __str__(self) -> str:
        return f"draft {self.draft_key}"
