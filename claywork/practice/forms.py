from __future__ import annotations

from typing import Any

from django import forms

from claywork.practice.models import Cadence, Realm


class RealmRatingsForm(forms.Form):
    """One 0-10 rating per realm; leave any blank."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for realm, label in Realm.choices:
            self.fields[realm] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=10,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if all(cleaned.get(realm) is None for realm in Realm.values):
            raise forms.ValidationError("Rate at least one realm, from 0 to 10.")
        return cleaned

    def ratings(self) -> dict[str, int]:
        return {
            realm: self.cleaned_data[realm]
            for realm in Realm.values
            if self.cleaned_data.get(realm) is not None
        }


class GoalForm(forms.Form):
    title = forms.CharField(
        max_length=200, label="Your goal", help_text="Small is good: “10 minutes of drawing”."
    )
    realm = forms.ChoiceField(choices=Realm.choices)
    cadence = forms.ChoiceField(choices=Cadence.choices, initial=Cadence.DAILY)
    per_week = forms.IntegerField(
        min_value=1,
        max_value=7,
        initial=1,
        label="Times a week",
        help_text="For a weekly goal: how many check-offs make the week.",
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Name your goal in a few words.")
        return title


class GoalEditForm(GoalForm):
    """The same fields as a new goal, without the one-time id (editing twice is harmless)."""

    submission_id = None  # type: ignore[assignment]


class GoalCheckForm(forms.Form):
    action = forms.ChoiceField(choices=[("check", "Check off"), ("uncheck", "Undo")])


class OwnPracticeForm(forms.Form):
    name = forms.CharField(max_length=80, label="A practice of your own")

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Name the practice in a few words.")
        return name


class PracticeLogForm(forms.Form):
    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    duration_minutes = forms.IntegerField(
        min_value=1, max_value=1440, required=False, label="Minutes (optional)"
    )
    note = forms.CharField(
        max_length=2000,
        required=False,
        strip=False,
        label="Note (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
