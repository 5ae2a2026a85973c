"""Computed themes (sealed: labels and phrases are the patient's words) and the patient's own
edits to them, kept apart so that recomputing never loses a rename, merge, hide or pin."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models

from claywork.vault.fields import SealedText


class Audience(models.TextChoices):
    # Everything the patient may read: their journal, intentions, completed guide notes.
    PATIENT = "patient", "The patient"
    # Only what the patient shares with the care team, plus the care record.
    CARE_TEAM = "care_team", "The care team"


class Status(models.TextChoices):
    READY = "ready", "Ready"
    NOT_ENOUGH = "not_enough", "Not enough writing yet"


class ThemeState(models.Model):
    """The debounce mark: one row per patient. ``dirty_since`` is set when their writing
    changes; ``run_after`` when a recomputation is queued, so a burst of saves queues one."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="theme_state"
    )
    dirty_since = models.DateTimeField(null=True, blank=True)
    run_after = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"theme state of {self.patient_id}"


class ThemeSnapshot(models.Model):
    """The latest computed themes of one patient for one audience."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="theme_snapshots"
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    engine = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices)
    document_count = models.PositiveIntegerField(default=0)
    # A digest of the inputs (ids and change times, no text): the same inputs are not
    # analysed twice.
    fingerprint = models.CharField(max_length=64, blank=True)
    sessions_sealed = models.TextField(blank=True, default="")
    sessions_json = SealedText("sessions_sealed", context="themes.snapshot.sessions")
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "audience"], name="one_snapshot_each")
        ]

    def __str__(self) -> str:
        return f"{self.audience} themes of {self.patient_id}"

    @property
    def sessions(self) -> list[list[str]]:
        """[[session key, label], ...] in course order."""
        return _loads(self.sessions_json, [])


class Theme(models.Model):
    """One computed theme. Rows are updated in place when a recomputation finds the same
    theme again (by key-phrase overlap), so links and edits keep pointing at it."""

    snapshot = models.ForeignKey(ThemeSnapshot, on_delete=models.CASCADE, related_name="themes")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    label_sealed = models.TextField()
    label = SealedText("label_sealed", context="themes.theme.label")
    phrases_sealed = models.TextField()
    phrases_json = SealedText("phrases_sealed", context="themes.theme.phrases")
    # {"sessions": {key: count}, "documents": [key, ...], "snippets": {key: sentence}}
    detail_sealed = models.TextField()
    detail_json = SealedText("detail_sealed", context="themes.theme.detail")
    recurring = models.BooleanField(default=False)
    document_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"theme {self.pk}"

    @property
    def key_phrases(self) -> list[str]:
        return _loads(self.phrases_json, [])

    @property
    def detail(self) -> dict[str, Any]:
        return _loads(self.detail_json, {})


class ThemeEdit(models.Model):
    """What the patient changed about one theme. ``anchor`` keeps the theme's key phrases, so
    a theme that disappears and comes back (its entries edited) finds its edit again."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="theme_edits"
    )
    theme = models.OneToOneField(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="edit"
    )
    anchor_sealed = models.TextField()
    anchor_json = SealedText("anchor_sealed", context="themes.edit.anchor")
    label_sealed = models.TextField(blank=True, default="")
    label = SealedText("label_sealed", context="themes.edit.label")
    hidden = models.BooleanField(default=False)
    pinned = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"theme edit {self.pk}"

    @property
    def anchor(self) -> list[str]:
        return _loads(self.anchor_json, [])


def _loads(text: str, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
