from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import QueryDict

from claywork.clinics.models import Clinic
from claywork.crisis.models import PLAN_STEPS, REASONS_FOR_LIVING, CrisisResource
from claywork.crisis.services import ResourceContent

PLAN_STEP_MAX_CHARS = 4000
MAX_RESOURCES = 20
RESOURCE_FIELDS = ("name", "note", "phone", "text_number", "text_keyword", "url", "hours")
_PHONE = re.compile(r"^\+?[0-9() .\-]+$")


def validate_phone(value: str) -> None:
    digits = re.sub(r"\D", "", value)
    if not _PHONE.match(value) or not 2 <= len(digits) <= 20:
        raise forms.ValidationError(
            "Enter a number to dial: digits, spaces, brackets and dashes, optionally a leading +."
        )


def phone_field(*, label: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=40, required=False, validators=[validate_phone])


class SafetyPlanForm(forms.Form):
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for step in (*PLAN_STEPS, REASONS_FOR_LIVING):
            self.fields[step.field] = forms.CharField(
                label=step.title,
                help_text=step.hint,
                required=False,
                max_length=PLAN_STEP_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(step.field) for step in PLAN_STEPS):
            raise forms.ValidationError("Write at least one step of the plan before saving.")
        return cleaned

    def plan_content(self) -> dict[str, str]:
        return {
            step.field: self.cleaned_data[step.field] for step in (*PLAN_STEPS, REASONS_FOR_LIVING)
        }


class CrisisResourceForm(forms.Form):
    name = forms.CharField(max_length=120)
    note = forms.CharField(
        max_length=200, required=False, help_text="For example: free and confidential."
    )
    phone = phone_field(label="Phone (call)")
    text_number = phone_field(label="Text message number")
    text_keyword = forms.CharField(
        max_length=40,
        required=False,
        label="Word to text",
        help_text="If the service asks for one, like HOME.",
    )
    url = forms.URLField(required=False, label="Website", assume_scheme="https")
    hours = forms.CharField(max_length=120, required=False, help_text="For example: 24/7.")
    is_active = forms.BooleanField(required=False, initial=True, label="Show on the crisis page")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("text_keyword") and not cleaned.get("text_number"):
            self.add_error("text_number", "A word to text needs the number to text it to.")
        elif not self.errors and not any(
            cleaned.get(name) for name in ("phone", "text_number", "url")
        ):
            # Only when no field error already says why nobody could reach it.
            raise forms.ValidationError("Give a phone number, a text number or a website.")
        return cleaned

    def content(self) -> ResourceContent:
        return ResourceContent(
            is_active=self.cleaned_data["is_active"],
            **{name: self.cleaned_data[name] for name in RESOURCE_FIELDS},
        )


CrisisResourceFormSet = forms.formset_factory(
    CrisisResourceForm,
    extra=2,
    can_order=True,
    can_delete=True,
    max_num=MAX_RESOURCES,
    absolute_max=MAX_RESOURCES,
    validate_max=True,
)


def resource_formset(
    listed: list[CrisisResource], *, data: QueryDict | None
) -> forms.BaseFormSet[CrisisResourceForm]:
    """The list to edit; bound, the posted rows stand alone (the listed rows as initial data
    would make a blank extra row look changed)."""
    if data is not None:
        return CrisisResourceFormSet(data, prefix="resources")
    initial = [
        {"is_active": row.is_active} | {name: getattr(row, name) for name in RESOURCE_FIELDS}
        for row in listed
    ]
    return CrisisResourceFormSet(prefix="resources", initial=initial)


class ClinicContactForm(forms.Form):
    phone = phone_field(label="Clinic phone")
    email = forms.EmailField(required=False, label="Clinic e-mail")
    contact_hours = forms.CharField(
        max_length=120,
        required=False,
        label="When the clinic answers",
        help_text="For example: Monday to Friday, 9:00 to 17:00.",
    )

    @classmethod
    def for_clinic(cls, clinic: Clinic, *, data: QueryDict | None) -> ClinicContactForm:
        return cls(
            data,
            prefix="contact",
            initial={
                "phone": clinic.phone,
                "email": clinic.email,
                "contact_hours": clinic.contact_hours,
            },
        )
