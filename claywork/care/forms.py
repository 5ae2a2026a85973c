from __future__ import annotations

from typing import Any

from django import forms

from claywork.care.models import Modality, NoteKind, NoteTag, SuggestionKind
from claywork.core.forms import PlausibleDateField, PlausibleDateTimeField, health_text_field
from claywork.journal.models import Prompt
from claywork.practice.models import Cadence, Realm


class CourseForm(forms.Form):
    title = forms.CharField(max_length=200, initial="Six IV infusions")
    modality = forms.ChoiceField(choices=Modality.choices)
    planned_sessions = forms.IntegerField(min_value=1, max_value=60, initial=6)
    starts_on = PlausibleDateField(required=False, label="First session on (optional)")


class SessionForm(forms.Form):
    scheduled_at = PlausibleDateTimeField(label="Date and time")
    location = forms.CharField(max_length=200, required=False, label="Place")


class IntentionForm(forms.Form):
    text = health_text_field(label="My intentions for this session")


class MotivationForm(forms.Form):
    text = health_text_field(label="Why I sought this treatment")


# The note kinds in the clinician's words (the patient reads "What you said" on their page).
STAFF_NOTE_KINDS = [
    (NoteKind.OBSERVATION.value, "Observation"),
    (NoteKind.SAID.value, "The patient's words"),
    (NoteKind.OTHER.value, "Note"),
]


class GuideNoteForm(forms.Form):
    kind = forms.ChoiceField(choices=STAFF_NOTE_KINDS, initial=NoteKind.OBSERVATION)
    text = health_text_field(label="Note", rows=3)
    tags = forms.MultipleChoiceField(
        choices=NoteTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Quick tags",
    )
    private = forms.BooleanField(
        required=False,
        label="Private to the care team (never shown to the patient)",
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput)


# Our own wording for how dissociated the patient seemed, 0-4 (not a validated scale).
DISSOCIATION_LEVELS = [
    ("0", "0 · None: fully present"),
    ("1", "1 · Slight: a little detached, easily reached"),
    ("2", "2 · Moderate: drifting, comes back when spoken to"),
    ("3", "3 · Strong: mostly elsewhere, brief contact only"),
    ("4", "4 · Complete: no contact with the surroundings"),
]
SIDE_EFFECTS = [
    ("nausea", "Nausea"),
    ("dizziness", "Dizziness"),
    ("headache", "Headache"),
    ("anxiety", "Anxiety"),
]
# Plausible resting and procedural ranges: outside them a value is a typing error.
SYSTOLIC = (60, 260)
DIASTOLIC = (30, 160)
HEART_RATE = (30, 220)
WHOLE_NUMBER = {"invalid": "Enter a whole number, like 72."}


class BloodPressureField(forms.CharField):
    """ "120/80" (systolic/diastolic, mmHg), checked against plausible ranges."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=9, required=False, **kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "placeholder": "120/80", "size": 8})

    def clean(self, value: Any) -> tuple[int, int] | None:  # type: ignore[override]
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        systolic, slash, diastolic = text.replace(" ", "").partition("/")
        if not slash or not systolic.isdigit() or not diastolic.isdigit():
            raise forms.ValidationError(
                "Write blood pressure as two whole numbers with a slash, like 120/80."
            )
        high, low = int(systolic), int(diastolic)
        if not SYSTOLIC[0] <= high <= SYSTOLIC[1] or not DIASTOLIC[0] <= low <= DIASTOLIC[1]:
            raise forms.ValidationError(
                f"{high}/{low} is outside what a person can have (systolic {SYSTOLIC[0]}-"
                f"{SYSTOLIC[1]}, diastolic {DIASTOLIC[0]}-{DIASTOLIC[1]}). Please check it."
            )
        if low >= high:
            raise forms.ValidationError(
                "The first number (systolic) must be higher than the second (diastolic)."
            )
        return high, low


def _heart_rate(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        min_value=HEART_RATE[0],
        max_value=HEART_RATE[1],
        label=label,
        error_messages=WHOLE_NUMBER,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
    )


class ObservationForm(forms.Form):
    """The structured observations the clinic chose (``Clinic.session_observations``); every
    field is optional. Records what was observed; there is no dose anywhere."""

    bp_before = BloodPressureField(label="Blood pressure before (mmHg)")
    hr_before = _heart_rate("Heart rate before (beats a minute)")
    bp_after = BloodPressureField(label="Blood pressure after (mmHg)")
    hr_after = _heart_rate("Heart rate after (beats a minute)")
    side_effects = forms.MultipleChoiceField(
        choices=SIDE_EFFECTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Side effects seen",
    )
    dissociation = forms.TypedChoiceField(
        choices=[("", "Not recorded"), *DISSOCIATION_LEVELS],
        coerce=int,
        empty_value=None,
        required=False,
        label="Dissociation level",
    )
    recovery_minutes = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1440,
        label="Recovery time (minutes until ready to leave)",
        error_messages=WHOLE_NUMBER,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5}),
    )

    GROUPS = {
        "vitals": ["bp_before", "hr_before", "bp_after", "hr_after"],
        "side_effects": ["side_effects"],
        "dissociation": ["dissociation"],
        "recovery": ["recovery_minutes"],
    }

    def __init__(self, *args: Any, chosen: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kept = {name for group in chosen for name in self.GROUPS.get(group, [])}
        for name in list(self.fields):
            if name not in kept:
                del self.fields[name]

    def values(self) -> dict[str, object]:
        """What was recorded, as plain JSON values (blood pressure as [systolic, diastolic])."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in self.cleaned_data.items()
            if value not in (None, [], "")
        }

    @classmethod
    def initial_from(cls, values: dict[str, Any] | None) -> dict[str, Any]:
        initial = dict(values or {})
        for name in ("bp_before", "bp_after"):
            if isinstance(initial.get(name), list) and len(initial[name]) == 2:
                initial[name] = f"{initial[name][0]}/{initial[name][1]}"
        if initial.get("dissociation") is not None:
            initial["dissociation"] = str(initial["dissociation"])
        return initial


class CompleteSessionForm(forms.Form):
    debrief = health_text_field(label="Short debrief", rows=4)
    confirm_off_schedule = forms.BooleanField(
        required=False,
        label="Yes, this session took place now, not at its scheduled time",
    )

    def __init__(self, *args: Any, far_off_schedule: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.far_off_schedule = far_off_schedule
        if not far_off_schedule:
            del self.fields["confirm_off_schedule"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.far_off_schedule and not data.get("confirm_off_schedule"):
            self.add_error(
                "confirm_off_schedule",
                "This session is scheduled more than 12 hours from now. Tick the box to record "
                "now as when it took place, or move the session instead.",
            )
        return data


class EntryCommentForm(forms.Form):
    text = health_text_field(label="Your comment", rows=3)
    submission_id = forms.UUIDField(widget=forms.HiddenInput)


PROMPT_WORDS_MAX = 200  # it opens the journal form as the entry's title


class SuggestionForm(forms.Form):
    """One suggestion: a reflection prompt (from the library or in your own words) or a goal."""

    kind = forms.ChoiceField(
        choices=SuggestionKind.choices, widget=forms.RadioSelect, label="Suggest"
    )
    prompt = forms.ModelChoiceField(
        queryset=Prompt.objects.filter(is_active=True),
        required=False,
        label="A prompt from the library",
        empty_label="(none: I will write my own)",
    )
    prompt_words = forms.CharField(
        max_length=PROMPT_WORDS_MAX, required=False, label="Or a prompt in your own words"
    )
    goal_title = forms.CharField(max_length=200, required=False, label="Goal title")
    realm = forms.ChoiceField(choices=[("", "---------"), *Realm.choices], required=False)
    cadence = forms.ChoiceField(choices=Cadence.choices, required=False, initial=Cadence.WEEKLY)
    per_week = forms.IntegerField(
        min_value=1, max_value=7, initial=1, required=False, label="Times a week (weekly goals)"
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == SuggestionKind.PROMPT:
            if bool(data.get("prompt")) == bool(data.get("prompt_words", "").strip()):
                raise forms.ValidationError(
                    "Choose a prompt from the library or write one in your own words "
                    "(one of the two)."
                )
        elif data.get("kind") == SuggestionKind.GOAL:
            if not data.get("goal_title", "").strip():
                self.add_error("goal_title", "Give the goal a short title.")
            if not data.get("realm"):
                self.add_error("realm", "Choose the part of life this goal is about.")
            if not data.get("cadence"):
                self.add_error("cadence", "Choose how often.")
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        required=False,
        strip=True,
        label="A reason for your care team (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
