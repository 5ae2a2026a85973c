"""allauth's security-key forms, refusing a garbled answer with a message instead of a 500.

allauth reads the browser's answer with fido2, which raises KeyError (and other errors allauth
does not catch) on a malformed one; these forms read it first and say plainly what went wrong.
Registered in settings.MFA_FORMS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.webauthn.forms import (
    AddWebAuthnForm,
    AuthenticateWebAuthnForm,
    ReauthenticateWebAuthnForm,
)
from django import forms
from fido2.webauthn import AuthenticationResponse, RegistrationResponse

UNREADABLE = "Your browser's answer from the key could not be read. Please try again."


def _readable(credential: Any, parse: Callable[[Any], object]) -> Any:
    try:
        parse(credential)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise forms.ValidationError(UNREADABLE, code="unreadable") from error
    return credential


class KeyAddForm(AddWebAuthnForm):
    def clean_credential(self) -> Any:
        return _readable(self.cleaned_data["credential"], RegistrationResponse.from_dict)


class KeySignInForm(AuthenticateWebAuthnForm):
    def clean_credential(self) -> Any:
        _readable(self.cleaned_data["credential"], AuthenticationResponse.from_dict)
        return super().clean_credential()


class KeyReauthenticateForm(ReauthenticateWebAuthnForm):
    def clean_credential(self) -> Any:
        _readable(self.cleaned_data["credential"], AuthenticationResponse.from_dict)
        return super().clean_credential()
