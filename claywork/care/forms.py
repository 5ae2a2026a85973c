from __future__ import annotations

from typing import Any

from django import forms

from claywork.care.models import Modality, NoteKind, SuggestionKind
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


class GuideNoteForm(forms.Form):
    kind = forms.ChoiceField(choices=NoteKind.choices, initial=NoteKind.OBSERVATION)
    text = health_text_field(label="Note", rows=3)
    submission_id = forms.UUIDField(widget=forms.HiddenInput)


class CompleteSessionForm(forms.Form):
    debrief = health_text_field(label="Short debrief", rows=4)


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
