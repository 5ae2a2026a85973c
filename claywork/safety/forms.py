from __future__ import annotations

from typing import Any

from django import forms

from claywork.accounts.models import User
from claywork.core import policy
from claywork.safety.models import Alert

# Room for what was done and what happens next; the full record belongs in the clinic's notes.
NOTE_MAX_CHARS = 2000


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A short note for the care team, e.g. 'Called; safe, seeing her Friday.'",
        error_messages={
            "required": "Write what was done before acknowledging, e.g. 'Called; safe, seeing "
            "her Friday.' An acknowledgement without a note tells the care team nothing."
        },
    )

    def clean_note(self) -> str:
        # Checked here rather than with max_length so the message can say how long it is; the
        # textarea has no maxlength either, so a pasted note is never cut short in the browser.
        note: str = self.cleaned_data["note"]
        if len(note) > NOTE_MAX_CHARS:
            raise forms.ValidationError(
                f"Keep the note under {NOTE_MAX_CHARS:,} characters; this one has "
                f"{len(note):,}. Your words are still here: shorten them, and put the full "
                "record in your clinic's notes."
            )
        return note


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Hand over to",
        error_messages={
            "invalid_choice": "Only a clinician on the patient's care team can take this alert.",
            "required": "Choose who takes this alert.",
        },
    )

    def __init__(self, *args: Any, alert: Alert, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = policy.care_team_of(alert.patient)
