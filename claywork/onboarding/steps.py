"""The first-run checklist: what a new patient does first, and which of it is done.

Done is read from the patient's own data each time (a few indexed ``EXISTS`` queries), so a
step finished from anywhere in Claywork leaves the list at once. The order is the order in
which the steps help: know what to expect, say why you came, measure where you start, plan for
a hard moment, choose reminders, bring someone in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from claywork.accounts.models import User
from claywork.care.models import TreatmentCourse
from claywork.circle.models import CircleMember
from claywork.crisis.models import SafetyPlanVersion
from claywork.measures.models import ResponseStatus, ScaleResponse
from claywork.onboarding.models import OnboardingState
from claywork.reminders.models import ReminderPreferences

STEP_KEYS = ("expect", "motivation", "baseline", "safety_plan", "reminders", "support")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    why: str
    action: str
    url: str  # "" while the step cannot be taken yet (no treatment course)
    done: bool
    skipped: bool

    @property
    def waiting(self) -> bool:
        return not self.done and not self.skipped


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]

    @property
    def to_do(self) -> list[Step]:
        return [step for step in self.steps if step.waiting]

    @property
    def skipped(self) -> list[Step]:
        return [step for step in self.steps if step.skipped and not step.done]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)


def state_of(patient: User) -> OnboardingState:
    return OnboardingState.objects.filter(patient=patient).first() or OnboardingState(
        patient=patient
    )


def _baseline_url(patient: User) -> tuple[str, bool]:
    """The first scheduled scale the patient has never completed, and whether all are done."""
    completed = set(
        ScaleResponse.objects.filter(patient=patient, status=ResponseStatus.COMPLETE).values_list(
            "instrument", flat=True
        )
    )
    for code in settings.CLAYWORK_SCHEDULED_INSTRUMENTS:
        if code not in completed:
            return reverse("measures:scale_form", args=[code]), False
    return reverse("measures:scales"), True


def checklist_for(patient: User) -> Checklist:
    state = state_of(patient)
    skipped = set(state.skipped)
    course = TreatmentCourse.objects.filter(patient=patient).order_by("-pk").first()
    has_motivation = TreatmentCourse.objects.filter(patient=patient).exclude(motivation_sealed="")
    baseline_url, baseline_done = _baseline_url(patient)
    facts = {
        "expect": (state.guide_read_at is not None, reverse("onboarding:guide")),
        "motivation": (
            has_motivation.exists(),
            reverse("care:motivation_edit", args=[course.pk]) if course else "",
        ),
        "baseline": (baseline_done, baseline_url),
        "safety_plan": (
            SafetyPlanVersion.objects.filter(patient=patient).exists(),
            reverse("crisis:my_plan"),
        ),
        "reminders": (
            ReminderPreferences.objects.filter(patient=patient).exists(),
            reverse("reminders:settings"),
        ),
        "support": (
            CircleMember.objects.filter(patient=patient).exists(),
            reverse("circle:home"),
        ),
    }
    return Checklist(
        [
            Step(key, *_WORDS[key], url=facts[key][1], done=facts[key][0], skipped=key in skipped)
            for key in STEP_KEYS
        ]
    )


# key -> (title, why, action)
_WORDS: dict[str, tuple[str, str, str]] = {
    "expect": (
        "Know what to expect",
        "A short guide: preparing, the hours after a session, hard moments, and talking to "
        "the people close to you.",
        "Read the guide",
    ),
    "motivation": (
        "Write down why you are doing this",
        "Your own reasons, in your words. You will come back to them between sessions.",
        "Write your motivation",
    ),
    "baseline": (
        "Answer the starting questionnaires",
        "A few minutes now gives you and your care team a starting point to compare with.",
        "Start",
    ),
    "safety_plan": (
        "Make a safety plan",
        "Six short steps for a hard moment, kept on this device for when you are offline.",
        "Make your plan",
    ),
    "reminders": (
        "Choose your reminders",
        "When to be reminded to check in, in your own time zone, with quiet hours you set.",
        "Choose reminder times",
    ),
    "support": (
        "Invite someone to support you",
        "A friend or relative who sees only what you choose to share.",
        "Invite a support person",
    ),
}
