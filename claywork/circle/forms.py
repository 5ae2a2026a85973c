from __future__ import annotations

from django import forms

from claywork.circle.models import CheckInAnswer

NOTE_MAX_CHARS = 500
REQUEST_MAX_CHARS = 300
REPLY_MAX_CHARS = 300


class InviteMemberForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Their name")
    email = forms.EmailField(label="Their e-mail address")
    relationship = forms.CharField(
        max_length=60,
        required=False,
        label="Who they are to you",
        help_text="For example: sister, friend, partner. Only you see this.",
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        max_length=NOTE_MAX_CHARS,
        label="A short note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {NOTE_MAX_CHARS} characters.",
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Write a few words first.")
        return text


class CheckInRequestForm(forms.Form):
    message = forms.CharField(
        max_length=REQUEST_MAX_CHARS,
        required=False,
        label="Anything to add (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput)


class CheckInAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=CheckInAnswer.choices, widget=forms.RadioSelect)
    reply = forms.CharField(
        max_length=REPLY_MAX_CHARS,
        required=False,
        label="A short reply (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
