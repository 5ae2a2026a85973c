from __future__ import annotations

from typing import Any

from django import forms

ACTIONS = (
    ("rename", "Rename"),
    ("reset_name", "Use the key phrases again"),
    ("hide", "Hide"),
    ("show", "Show again"),
    ("pin", "Pin"),
    ("unpin", "Unpin"),
    ("merge", "Merge"),
    ("unmerge", "Separate again"),
)


class ThemeEditForm(forms.Form):
    action = forms.ChoiceField(choices=ACTIONS)
    label = forms.CharField(max_length=80, required=False, label="Your name for this theme")
    into = forms.IntegerField(required=False, min_value=1, label="Merge into")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action == "rename" and not (cleaned.get("label") or "").strip():
            self.add_error("label", "Write a name, or choose to use the key phrases again.")
        if action == "merge" and not cleaned.get("into"):
            self.add_error("into", "Choose the theme to merge it into.")
        return cleaned
