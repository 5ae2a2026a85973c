"""Forms of a person's own account pages."""

from __future__ import annotations

from typing import Any

from django import forms

from claywork.accounts.models import Language, User
from claywork.accounts.throttle import password_confirm
from claywork.core.forms import TimeZoneField


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    timezone = TimeZoneField(label="Your time zone", detect="offer")
    language = forms.ChoiceField(
        choices=Language.choices,
        label="Language",
        help_text="Claywork is in English for now; more languages will follow this choice.",
    )

    @classmethod
    def initial_for(cls, user: User) -> dict[str, str]:
        return {"full_name": user.full_name, "timezone": user.timezone, "language": user.language}

    def clean_full_name(self) -> str:
        name: str = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Enter the name you would like to be called.")
        return name


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(label="New e-mail address", max_length=254)
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="So that nobody else at this device can move your account.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        problem = password_confirm(user=self.user, password=password)
        if problem:
            raise forms.ValidationError(problem)
        return password
