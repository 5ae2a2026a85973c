from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from claywork.accounts.models import User


def message_field() -> forms.CharField:
    """A message: bounded like a journal entry, never silently cut."""
    limit = settings.CLAYWORK_MAX_ENTRY_CHARS
    return forms.CharField(
        label="Your message",
        strip=False,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": (
                f"This message is longer than {limit:,} characters. "
                "It is not sent; your words are kept as a draft. Split it into two messages "
                "to send it."
            ),
            "required": "Write a message first.",
        },
    )


class MessageForm(forms.Form):
    body = message_field()
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write a message first.")
        return body


class NewThreadForm(MessageForm):
    subject = forms.CharField(
        label="Subject (optional)",
        max_length=120,
        required=False,
        help_text="A few words, so you can find this conversation later.",
    )
    field_order = ["subject", "body", "submission_id"]


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name or obj.email)


class HandOverForm(forms.Form):
    to = ColleagueChoiceField(
        queryset=User.objects.none(),
        label="Hand this conversation to",
        error_messages={
            "invalid_choice": "That person is not on this patient's care team now.",
            "required": "Choose a colleague on the care team.",
        },
    )

    def __init__(self, *args: Any, colleagues: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: ColleagueChoiceField = self.fields["to"]  # type: ignore[assignment]
        field.queryset = User.objects.filter(pk__in=[person.pk for person in colleagues])


class ClinicMessagingForm(forms.Form):
    office_hours = forms.CharField(
        label="Office hours",
        max_length=200,
        required=False,
        help_text="Shown on every conversation, e.g. “Monday to Friday, 9:00–17:00”.",
    )
    reply_note = forms.CharField(
        label="When patients can expect a reply",
        max_length=200,
        required=False,
        help_text="e.g. “We reply within two working days.”",
    )
