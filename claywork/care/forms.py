from __future__ import annotations

from django import forms

from claywork.care.models import Modality, NoteKind
from claywork.core.forms import PlausibleDateField, PlausibleDateTimeField, health_text_field


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
