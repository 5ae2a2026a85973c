from __future__ import annotations

import uuid
from datetime import time
from typing import Any

from django import forms

from claywork.core.forms import TimeZoneField, health_text_field
from claywork.reminders import schedule
from claywork.reminders.models import Channels, Kind, Weekday
from claywork.reminders.services import PreferenceChoices


class PreferencesForm(forms.Form):
    timezone = TimeZoneField(label="Your time zone", detect="offer")
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
    scale_due_time = forms.TimeField(
        required=False,
        label="When a questionnaire is due, remind me at",
        help_text="Leave empty for no reminder. It comes once each time one falls due.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time of day such as 18:00."},
    )

    def __init__(self, *args: Any, push_on: bool = False, **kwargs: Any) -> None:
        """``push_on``: this Claywork sends push messages, so each kind also offers a channel."""
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.BooleanField(required=False, label=label)
            if push_on:
                # Not required: a form sent without it (an older page) keeps the choice.
                self.fields[f"{kind}_channel"] = forms.ChoiceField(
                    required=False,
                    choices=Channels.choices,
                    label=f"How: {label.lower()}",
                    error_messages={"invalid_choice": "Choose e-mail, your devices, or both."},
                )

    def kind_rows(self) -> list[tuple[forms.BoundField, forms.BoundField | None]]:
        """Each kind's on/off box, with its channel choice when push is on."""
        return [
            (self[kind], self[f"{kind}_channel"] if f"{kind}_channel" in self.fields else None)
            for kind in Kind.values
        ]

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
            scale_due_time=data["scale_due_time"],
            kinds_on=frozenset(kind for kind in Kind.values if data.get(kind)),
            channels={
                kind: data[f"{kind}_channel"] for kind in Kind.values if data.get(f"{kind}_channel")
            },
        )


class ReflectionForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Title (optional)")
    body = health_text_field(label="Your reflection")
    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class RoutineForm(forms.Form):
    """A reminder about one goal or practice: a time of day and the weekdays."""

    at = forms.TimeField(
        label="Time of day",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "Choose a time of day, such as 08:00.",
            "invalid": "Enter a time of day such as 08:00.",
        },
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=Weekday.choices,
        coerce=int,
        label="On",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one day."},
    )

    def __init__(
        self, *args: Any, quiet_hours: tuple[time | None, time | None] = (None, None), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.quiet_hours = quiet_hours

    def clean_at(self) -> time:
        at: time = self.cleaned_data["at"]
        start, end = self.quiet_hours
        if schedule.in_quiet_hours_on_the_clock(at, start, end):
            assert start is not None and end is not None
            raise forms.ValidationError(
                f"That time is in your quiet hours ({start:%H:%M} to {end:%H:%M}), when no "
                "reminder is sent. Choose another time, or change your quiet hours."
            )
        return at
