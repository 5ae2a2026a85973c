"""What counts as a second factor: the staff rule and the set-up page ask here."""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser

from claywork.accounts.models import User

# Recovery codes are a way back in when a factor is lost, not a factor of their own: a person
# with only codes left has used up or reset their real one, and is asked to set up a new one.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user: User) -> bool:
    """An authenticator app or at least one security key or passkey."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()


class ClayworkMFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter with Claywork's words for a new key's suggested name."""

    def generate_authenticator_name(self, user: AbstractBaseUser, type: Authenticator.Type) -> str:
        count = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return "Security key" if count == 0 else f"Security key {count + 1}"
