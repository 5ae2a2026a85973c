"""Crisis resources (clinical configuration, as data) and the patient's safety plan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q

from claywork.vault.fields import SealedText


class CrisisResource(models.Model):
    """A service a person in crisis can reach: a helpline, a text line, emergency services.

    Rows without a clinic are the deployment's default list. A clinic with at least one active
    row of its own shows its own list instead of the defaults (see ``selectors.resources_for``).
    """

    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="crisis_resources",
        help_text="Empty for the deployment's default list.",
    )
    name = models.CharField(max_length=120)
    note = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    text_number = models.CharField(max_length=40, blank=True)
    text_keyword = models.CharField(max_length=40, blank=True)
    url = models.URLField(blank=True)
    hours = models.CharField(max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["clinic", "is_active", "position"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(text_number="") | ~Q(url=""),
                name="crisis_resource_is_reachable",
            ),
            models.CheckConstraint(
                condition=Q(text_keyword="") | ~Q(text_number=""),
                name="crisis_resource_keyword_needs_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def url_label(self) -> str:
        """The website as people say it: the host, without "www."."""
        host = urlsplit(self.url).hostname or self.url
        return host.removeprefix("www.")

    @property
    def tel_href(self) -> str:
        return f"tel:{dial_string(self.phone)}" if self.phone else ""

    @property
    def sms_href(self) -> str:
        if not self.text_number:
            return ""
        href = f"sms:{dial_string(self.text_number)}"
        # "?&body=" is the form both iOS and Android prefill a message from.
        return f"{href}?&body={quote(self.text_keyword)}" if self.text_keyword else href


def dial_string(number: str) -> str:
    """What a phone dials: the digits, and a leading plus for an international number."""
    digits = re.sub(r"\D", "", number)
    return f"+{digits}" if number.strip().startswith("+") else digits


@dataclass(frozen=True)
class PlanStep:
    field: str
    title: str
    hint: str


# The six steps of the Stanley-Brown Safety Planning Intervention, in its order. The hints are
# our own words.
PLAN_STEPS: tuple[PlanStep, ...] = (
    PlanStep(
        "warning_signs",
        "Warning signs",
        "Thoughts, feelings, images, situations or behaviours that tell me a crisis may be "
        "starting.",
    ),
    PlanStep(
        "coping_strategies",
        "Things I can do on my own to cope",
        "What I can do by myself to take my mind off my problems, without contacting anyone.",
    ),
    PlanStep(
        "distractions",
        "People and places that take my mind off things",
        "People I can be with, and social settings I can go to, that help me feel a little better.",
    ),
    PlanStep(
        "helpers",
        "People I can ask for help",
        "Names and phone numbers of people I can tell that I am struggling.",
    ),
    PlanStep(
        "professionals",
        "Professionals and services I can contact in a crisis",
        "My clinicians, my clinic, a crisis line such as 988, my local emergency number.",
    ),
    PlanStep(
        "safe_environment",
        "Making my surroundings safer",
        "What I will do, and who can help me, to keep myself safe and to put things I could "
        "use to hurt myself out of reach.",
    ),
)
REASONS_FOR_LIVING = PlanStep(
    "reasons_for_living",
    "What matters most to me",
    "Optional: a person, a hope, a reason worth staying for.",
)
PLAN_FIELDS: tuple[str, ...] = (*(step.field for step in PLAN_STEPS), REASONS_FOR_LIVING.field)


class ImmutableVersionError(Exception):
    """A saved version of a safety plan is a record of what was agreed: it never changes."""


class SafetyPlanVersionQuerySet(models.QuerySet["SafetyPlanVersion"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableVersionError("save a new version instead of changing saved ones")


class SafetyPlanVersion(models.Model):
    """One saved version of a patient's safety plan. Every save adds a version; none changes.

    Each step's text is sealed with the patient's data key, whoever wrote it.
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_plan_versions"
    )
    number = models.PositiveIntegerField()
    warning_signs_sealed = models.TextField(blank=True, default="")
    warning_signs = SealedText("warning_signs_sealed", context="crisis.plan.warning_signs")
    coping_strategies_sealed = models.TextField(blank=True, default="")
    coping_strategies = SealedText(
        "coping_strategies_sealed", context="crisis.plan.coping_strategies"
    )
    distractions_sealed = models.TextField(blank=True, default="")
    distractions = SealedText("distractions_sealed", context="crisis.plan.distractions")
    helpers_sealed = models.TextField(blank=True, default="")
    helpers = SealedText("helpers_sealed", context="crisis.plan.helpers")
    professionals_sealed = models.TextField(blank=True, default="")
    professionals = SealedText("professionals_sealed", context="crisis.plan.professionals")
    safe_environment_sealed = models.TextField(blank=True, default="")
    safe_environment = SealedText("safe_environment_sealed", context="crisis.plan.safe_environment")
    reasons_for_living_sealed = models.TextField(blank=True, default="")
    reasons_for_living = SealedText(
        "reasons_for_living_sealed", context="crisis.plan.reasons_for_living"
    )
    # Who saved this version: the patient, or a clinician on their care team.
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Their name as it was then, so the record survives the account.
    written_by_name = models.CharField(max_length=150)
    written_at = models.DateTimeField(auto_now_add=True)
    # The form's one-time id: a double submit finds the version it already made.
    submission_id = models.UUIDField()

    objects = SafetyPlanVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="plan_version_once"),
            models.UniqueConstraint(
                fields=["patient", "submission_id"], name="plan_submission_once"
            ),
        ]

    def __str__(self) -> str:
        return f"safety plan version {self.number} of patient {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableVersionError("save a new version instead of changing this one")
        super().save(*args, **kwargs)

    def steps(self) -> list[tuple[int, PlanStep, str]]:
        """(number, step, text) for the six steps, in order."""
        return [
            (number, step, getattr(self, step.field))
            for number, step in enumerate(PLAN_STEPS, start=1)
        ]

    def content(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in PLAN_FIELDS}

    @property
    def written_by_care_team(self) -> bool:
        return self.written_by_id is not None and self.written_by_id != self.patient_id
