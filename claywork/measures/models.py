from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from claywork.measures import effect
from claywork.vault.fields import SealedText


class CheckInTag(models.Model):
    """One of a patient's check-in tags: a ready-made one (``key``, from ``day_tags``) or one in
    their own words (``label``, sealed). A row exists once the patient has used the tag."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_in_tags"
    )
    group = models.CharField(max_length=10)  # day_tags.ACTIVITY or day_tags.FEELING
    key = models.SlugField(max_length=40, blank=True)
    label_sealed = models.TextField(blank=True, default="")
    label = SealedText("label_sealed", context="measures.check_in_tag.label")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "key"], condition=~Q(key=""), name="check_in_tag_key_once"
            ),
            models.CheckConstraint(
                condition=~Q(key="") | ~Q(label_sealed=""), name="check_in_tag_named"
            ),
        ]

    def __str__(self) -> str:
        return f"check-in tag {self.key or self.pk}"


class CheckIn(models.Model):
    """The daily check-in: one per patient per day (in their zone); a second one updates it.

    Only the mood is needed (one tap on a face); anxiety, energy, sleep, a note and tags are
    optional extras, empty (NULL) when not given."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_ins"
    )
    day = models.DateField()
    mood = models.PositiveSmallIntegerField()
    anxiety = models.PositiveSmallIntegerField(null=True, blank=True)
    energy = models.PositiveSmallIntegerField(null=True, blank=True)
    sleep_hours = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    note_sealed = models.TextField(blank=True, default="")
    note = SealedText("note_sealed", context="measures.check_in.note")
    tags = models.ManyToManyField(CheckInTag, blank=True, related_name="check_ins")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "day"], name="one_check_in_a_day"),
            models.CheckConstraint(
                condition=Q(mood__lte=10)
                & (Q(anxiety__isnull=True) | Q(anxiety__lte=10))
                & (Q(energy__isnull=True) | Q(energy__lte=10)),
                name="check_in_scores_0_to_10",
            ),
            models.CheckConstraint(
                condition=Q(sleep_hours__isnull=True)
                | (Q(sleep_hours__gte=0) & Q(sleep_hours__lte=24)),
                name="check_in_sleep_0_to_24",
            ),
        ]

    def __str__(self) -> str:
        return f"check-in {self.day}"


class ResponseStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


class ScaleResponse(models.Model):
    """One administration of an instrument. Only complete ones are scored and charted."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scale_responses"
    )
    instrument = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=20)
    status = models.CharField(
        max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.IN_PROGRESS
    )
    # Item answers are health data: sealed. The total is kept in clear so the caseload can
    # sort and filter in SQL; the band ("Severe", a risk screen's "High risk") and the safety
    # flags ("self_harm") are sealed (decision 0016): they say more than the total does.
    answers_sealed = models.TextField(blank=True, default="")
    answers_json = SealedText("answers_sealed", context="measures.response.answers")
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    band_sealed = models.TextField(blank=True, default="")
    band = SealedText("band_sealed", context="measures.response.band")
    # The flags, comma-separated (codes from the instruments' definitions, never commas).
    flags_sealed = models.TextField(blank=True, default="")
    flags_text = SealedText("flags_sealed", context="measures.response.flags")
    session = models.ForeignKey(
        "care.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submission_id = models.UUIDField()
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_at", "-started_at"]
        indexes = [models.Index(fields=["patient", "instrument", "status", "completed_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_id"], name="scale_response_submitted_once"
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress")
                | (Q(total__isnull=False) & Q(completed_at__isnull=False)),
                name="complete_response_is_scored",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} response {self.pk}"

    @property
    def flags(self) -> list[str]:
        return flags_from_text(self.flags_text)

    def scored_set(self, *, band: str, flags: list[str] | tuple[str, ...]) -> None:
        """Seal the band and flags of a scored response (its patient set first)."""
        self.band = band
        self.flags_text = ",".join(flags)


def flags_from_text(text: str) -> list[str]:
    return text.split(",") if text else []


class FadingEpisode(models.Model):
    """A spell when the effect may be fading, as ``effect.evaluate`` found it, kept so that a
    caseload reads every patient's current one in one query, and so that its alert is found
    again when the episode deepens or starts again. The details hold numbers, never words."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fading_episodes"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)  # None while it goes on
    rule = models.CharField(max_length=40)  # the rule that opened it
    detail = models.CharField(max_length=300)  # the values it fired on
    latest_rule = models.CharField(max_length=40)  # the firmest rule that fired since
    latest_detail = models.CharField(max_length=300)
    depth = models.PositiveSmallIntegerField(default=1)
    # "early_warning" (shown on the care team's pages, no alert) or "alert" (raises the fading
    # alert): effect.tier_of(depth), kept so a caseload filters and shows it in SQL.
    tier = models.CharField(max_length=20, default=effect.ALERT)
    # Bumped each time it deepens or starts again after being seen: a new alert, if the last
    # one was acknowledged, is keyed on it.
    revision = models.PositiveSmallIntegerField(default=0)
    alert = models.ForeignKey(
        "safety.Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["started_on", "pk"]
        indexes = [models.Index(fields=["patient", "ended_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(ended_on__isnull=True),
                name="one_open_fading_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"fading episode from {self.started_on}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    @property
    def is_early_warning(self) -> bool:
        return self.tier == effect.EARLY_WARNING

    @property
    def tier_title(self) -> str:
        return effect.TIER_TITLES.get(self.tier, effect.TIER_TITLES[effect.ALERT])

    @property
    def rule_title(self) -> str:
        """The firmest rule that fired, in words."""
        return effect.RULE_TITLES.get(self.latest_rule, self.latest_rule)


class CaseloadPreference(models.Model):
    """How a clinician last chose to see their caseload (sort and filter), kept so that the
    caseload opens the same way next time. Holds no health data."""

    clinician = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caseload_preference"
    )
    sort = models.CharField(max_length=40, blank=True)
    show = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"caseload preference of {self.clinician_id}"
