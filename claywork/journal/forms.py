from __future__ import annotations

import re
from typing import Any

from django import forms

from claywork.accounts.models import User
from claywork.core.forms import health_text_field
from claywork.journal.models import EntryKind
from claywork.practice.models import Goal, Realm

MAX_TAGS = 12
TAG_PATTERN = re.compile(r"^[\w\- ]{1,40}$")


def parse_tags(raw: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in raw.split(","):
        name = " ".join(part.split()).lower()
        if name:
            seen.setdefault(name, None)
    return list(seen)


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        title: str = obj.title  # the goal's own words, opened by the vault
        return title


class EntryForm(forms.Form):
    kind = forms.ChoiceField(choices=EntryKind.choices, initial=EntryKind.REFLECTION)
    title = forms.CharField(max_length=200, required=False)
    body = health_text_field(label="Your words", rows=12)
    tags = forms.CharField(
        max_length=600,
        required=False,
        help_text="Separate with commas, e.g. family, water, courage.",
    )
    realm = forms.ChoiceField(
        choices=[("", "None"), *Realm.choices],
        required=False,
        label="Feeds this realm of your plan",
    )
    goal = GoalChoiceField(
        queryset=Goal.objects.none(),
        required=False,
        empty_label="None",
        label="Feeds this goal",
        error_messages={
            "invalid_choice": "That goal is not one of yours any more. Choose one from the "
            "list, or none; your words are kept."
        },
    )
    session = forms.IntegerField(required=False, widget=forms.HiddenInput)
    prompt = forms.IntegerField(required=False, widget=forms.HiddenInput)
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, patient: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        goal_field: GoalChoiceField = self.fields["goal"]  # type: ignore[assignment]
        # Only the writer's own goals: a foreign or unknown id is an invalid choice.
        goal_field.queryset = Goal.objects.filter(patient_id=patient.pk)

    def clean_tags(self) -> list[str]:
        tags = parse_tags(self.cleaned_data.get("tags", ""))
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"Use at most {MAX_TAGS} tags.")
        for tag in tags:
            if not TAG_PATTERN.match(tag):
                raise forms.ValidationError(
                    f"“{tag}” is not a usable tag: letters, digits, spaces and dashes, "
                    "up to 40 characters."
                )
        return tags

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something before saving.")
        return body


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search my journal")
    tag = forms.CharField(max_length=40, required=False)
