from __future__ import annotations

from django import forms

NOTE_MAX_CHARS = 1000


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A short note for the care team, e.g. 'Called; safe, seeing her Friday.'",
    )
