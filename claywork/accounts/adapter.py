from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Accounts come from a clinic's invitation, never from an open sign-up form."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
