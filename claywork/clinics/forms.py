from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from claywork.accounts.models import ClinicianKind, Role, User
from claywork.clinics.models import SESSION_OBSERVATIONS, Invitation
from claywork.core import policy
from claywork.core.forms import TimeZoneField

EMPTY_CARE_TEAM = (
    "Choose at least one clinician for the care team, or first name an on-call list in the "
    "clinic's settings: an alert about this patient must reach someone."
)


class InvitationForm(forms.Form):
    full_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Invitation.INVITABLE_ROLES)
    clinician_kind = forms.ChoiceField(
        choices=[("", "—"), *ClinicianKind.choices], required=False, label="Clinician kind"
    )
    care_team = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a patient: who will care for them.",
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        care_team_field = self.fields["care_team"]
        assert isinstance(care_team_field, forms.ModelMultipleChoiceField)
        care_team_field.queryset = User.objects.filter(
            clinic_id=clinic_id, role=Role.CLINICIAN, is_active=True
        ).order_by("full_name")

        self.clinic_id = clinic_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") == Role.CLINICIAN and not cleaned.get("clinician_kind"):
            self.add_error("clinician_kind", "Choose guide or integration therapist.")
        if (
            cleaned.get("role") == Role.PATIENT
            and "care_team" in cleaned
            and not cleaned["care_team"]
            and not policy.on_call_of(self.clinic_id).exists()
        ):
            self.add_error("care_team", EMPTY_CARE_TEAM)
        return cleaned


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    # The clinic's zone until this device's is read (claywork.js): a patient in Chicago
    # invited by a clinic in New York should not start an hour out.
    timezone = TimeZoneField(label="Your time zone", detect="fill")
    password1 = forms.CharField(widget=forms.PasswordInput, label="Choose a password")
    password2 = forms.CharField(widget=forms.PasswordInput, label="Repeat the password")
    # Patients only: the enrolment terms shown above it (clinics/consent.py).
    consent = forms.BooleanField(
        label="I have read what Claywork stores and who sees what, and I agree to it",
        error_messages={
            "required": "To join as a patient, please read the terms above and tick the box "
            "to agree to them."
        },
    )

    def __init__(self, *args: Any, email: str, asks_consent: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        if not asks_consent:
            del self.fields["consent"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                validate_password(
                    first, User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ClinicSettingsForm(forms.Form):
    suicide_screener_enabled = forms.BooleanField(
        required=False,
        label="Offer the suicide-risk follow-up screener",
        help_text=(
            "After a patient answers the PHQ-9's self-harm question above zero, the crisis page "
            "offers six yes/no follow-up questions (in the structure of the C-SSRS screener). "
            "Answers at the high risk level raise a high-priority alert for the care team."
        ),
    )
    patients_may_withdraw_scores = forms.BooleanField(
        required=False,
        label="Let patients stop sending their scores to their care team",
        help_text=(
            "Check-in numbers and questionnaire scores go to the care team as part of care. "
            'Ticked, a patient can switch this off on their "My consents" page; the care team '
            "then no longer sees those scores. Answers to self-harm questions still raise an "
            "alert for the care team."
        ),
    )
    missed_check_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=60,
        label="Days without a check-in before the caseload shows it in red",
        help_text="Leave empty for the deployment's default.",
    )
    session_observations = forms.MultipleChoiceField(
        choices=list(SESSION_OBSERVATIONS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Observations recorded during a session (all optional)",
        help_text="Offered on the session screen. Claywork records them; it never suggests a dose.",
    )

    on_call = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="On-call list",
        help_text=(
            "Clinicians or admins who receive the alerts of patients whose care team has no "
            "active clinician. Without an on-call list, such alerts go to the clinic admins, "
            "and a patient can only be invited with a care team."
        ),
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["on_call"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = User.objects.filter(
            clinic_id=clinic_id,
            is_active=True,
            role__in=[Role.CLINICIAN, Role.CLINIC_ADMIN],
        ).order_by("full_name")
        field.label_from_instance = _name_and_role  # type: ignore[assignment,method-assign]


def _name_and_role(user: User) -> str:
    return f"{user.full_name} ({user.get_role_display()})"


class CareTeamForm(forms.Form):
    clinicians = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic_id = clinic_id
        field = self.fields["clinicians"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = User.objects.filter(
            clinic_id=clinic_id, role=Role.CLINICIAN, is_active=True
        ).order_by("full_name")

    def clean_clinicians(self) -> Any:
        chosen = self.cleaned_data["clinicians"]
        if not chosen and not policy.on_call_of(self.clinic_id).exists():
            raise forms.ValidationError(EMPTY_CARE_TEAM)
        return chosen
