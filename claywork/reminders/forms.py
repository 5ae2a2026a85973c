from __future__ import annotations

import uuid
from typing import Any

from django import forms

from claywork.clinics.forms import TIMEZONE_CHOICES
from claywork.core.forms import health_text_field
from claywork.reminders.models import Kind
from claywork.reminders.services import PreferenceChoices


class PreferencesForm(forms.Form):
    timezone = forms.ChoiceField(
        choices=TIMEZONE_CHOICES,
        label="Your time zone",
        error_messages={
            "invalid_choice": "“%(value)s” is not a time zone we know. Choose one from the "
            "list, such as Europe/Berlin or America/New_York."
        },
    )
    check_in_time = forms.TimeField(
        required=False,
        label="Daily check-in reminder at",
        help_text="Leave empty for no daily reminder.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time of day such as 20:00."},
    )
    quiet_start = forms.TimeField(
        required=False,
        label="Quiet from",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time of day such as 22:00."},
    )
    quiet_end = forms.TimeField(
        required=False,
        label="Quiet until",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time of day such as 07:00."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.BooleanField(required=False, label=label)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if (start is None) != (end is None):
            raise forms.ValidationError("Give both ends of the quiet hours, or neither.")
        return cleaned

    def choices(self) -> PreferenceChoices:
        data = self.cleaned_data
        return PreferenceChoices(
            timezone_name=data["timezone"],
            check_in_time=data["check_in_time"],
            quiet_start=data["quiet_start"],
            quiet_end=data["quiet_end"],
            kinds_on=frozenset(kind for kind in Kind.values if data.get(kind)),
        )


class ReflectionForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Title (optional)")
    body = health_text_field(label="Your reflection")
    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
