from __future__ import annotations

from typing import Any

from django import forms

from claywork.accounts.models import PatientContact
from claywork.accounts.phones import MAX_INPUT_CHARS, InvalidPhoneNumber, for_people, to_e164


class TelInput(forms.TextInput):
    input_type = "tel"


class PhoneNumberField(forms.CharField):
    """Any common way of writing a number; cleaned to E.164, or a sentence saying what to
    write instead. No ``maxlength`` on the input: a pasted number is never cut short."""

    widget = TelInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "tel", "size": MAX_INPUT_CHARS})

    def clean(self, value: Any) -> str:
        text = str(super().clean(value) or "").strip()
        if not text:
            return ""
        try:
            return to_e164(text)
        except InvalidPhoneNumber as error:
            raise forms.ValidationError(str(error)) from None


class ContactForm(forms.Form):
    phone = PhoneNumberField(
        label="Phone number",
        help_text="Your care team uses it to call you back after an alert, e.g. (415) 555-2671.",
    )
    emergency_name = forms.CharField(
        label="Emergency contact: name", max_length=150, required=False
    )
    emergency_relationship = forms.CharField(
        label="Emergency contact: who they are to you",
        max_length=80,
        required=False,
        help_text="For example: sister, partner, friend.",
    )
    emergency_phone = PhoneNumberField(label="Emergency contact: phone number")

    def __init__(self, *args: Any, for_staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if for_staff:  # the clinic admin fills it in for the patient: words for the admin
            self.fields["phone"].help_text = (
                "The care team uses it to call the patient back after an alert, "
                "e.g. (415) 555-2671."
            )
            self.fields[
                "emergency_relationship"
            ].label = "Emergency contact: who they are to the patient"
        self.fields["emergency_name"].widget.attrs["autocomplete"] = "off"
        self.fields["emergency_phone"].widget.attrs["autocomplete"] = "off"

    @staticmethod
    def initial_from(contact: PatientContact | None) -> dict[str, str]:
        if contact is None:
            return {}
        return {
            "phone": for_people(contact.phone),
            "emergency_name": contact.emergency_name,
            "emergency_relationship": contact.emergency_relationship,
            "emergency_phone": for_people(contact.emergency_phone),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name, number = cleaned.get("emergency_name"), cleaned.get("emergency_phone")
        if name and "emergency_phone" in cleaned and not number:
            self.add_error("emergency_phone", f"Add a number for {name}, or clear their name.")
        if number and not name:
            self.add_error("emergency_name", "Whose number is this? Add their name.")
        return cleaned
