"""Writes to a person's own profile: their name and language, and a change of sign-in address
confirmed from the new address.

The address change is Claywork's own rather than allauth's e-mail management: allauth keeps a
list of addresses per account (primary, verified, removable), which is what showed patients
"Unverified" and a Remove button. Claywork accounts have exactly one address, given by the
clinic's invitation; changing it is a request, a link to the new address, and a notice to the
old one (decision 0012).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claywork.accounts.models import EmailChange, User

EMAIL_CHANGE_VALID_HOURS = 24


class EmailChangeError(Exception):
    """Said to the person as it is."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def profile_update(*, user: User, full_name: str, language: str) -> None:
    user.full_name = full_name
    user.language = language
    user.save(update_fields=["full_name", "language"])


def _address_taken(email: str, user: User) -> bool:
    return (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
        or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists()
    )


def email_change_request(*, user: User, new_email: str) -> tuple[EmailChange, str]:
    """Send a confirmation link to ``new_email``; nothing changes until it is followed.
    Returns the pending change and the link's token (which is stored only hashed)."""
    new_email = new_email.strip().lower()
    if new_email == user.email.lower():
        raise EmailChangeError("That is already your address.")
    if _address_taken(new_email, user):
        raise EmailChangeError("That address cannot be used. Choose another one.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        EmailChange.objects.filter(user=user).delete()
        change = EmailChange.objects.create(
            user=user,
            new_email=new_email,
            from_email=user.email,
            token_hash=_hash(token),
            requested_at=timezone.now(),
        )
        link = settings.SITE_URL + reverse("accounts:email_confirm", kwargs={"token": token})
        transaction.on_commit(lambda: _send_confirmation(change, link))
    return change, token


def _send_confirmation(change: EmailChange, link: str) -> None:
    send_mail(
        subject="Confirm your new Claywork address",
        message=render_to_string(
            "accounts/email_change_confirm.txt",
            {"link": link, "hours": EMAIL_CHANGE_VALID_HOURS},
        ),
        from_email=None,
        recipient_list=[change.new_email],
    )


def pending_change(*, user: User, token: str) -> EmailChange:
    """The change this link confirms, if it is still good for this account."""
    change = EmailChange.objects.filter(user=user, token_hash=_hash(token)).first()
    if change is None:
        raise EmailChangeError("This link is not for this account, or it was already used.")
    if change.requested_at < timezone.now() - timedelta(hours=EMAIL_CHANGE_VALID_HOURS):
        raise EmailChangeError("This link has expired. Ask for a new one from your account page.")
    if change.from_email.lower() != user.email.lower():
        raise EmailChangeError("Your address changed since this link was sent. Ask again.")
    return change


def email_change_confirm(*, user: User, token: str) -> str:
    """Make the new address the sign-in address and tell the old one. Returns the new address.
    The pending row is deleted in the same transaction, so the link works once."""
    change = pending_change(user=user, token=token)
    old_email = user.email
    try:
        with transaction.atomic():
            if not EmailChange.objects.filter(pk=change.pk).delete()[0]:
                raise EmailChangeError("This link was already used.")
            if _address_taken(change.new_email, user):
                raise EmailChangeError("That address is now in use by another account.")
            user.email = change.new_email
            user.save(update_fields=["email"])
            # allauth signs people in by the addresses it knows: it must know only this one.
            EmailAddress.objects.filter(user=user).delete()
            EmailAddress.objects.create(
                user=user, email=change.new_email, verified=True, primary=True
            )
            transaction.on_commit(lambda: _send_changed_notice(old_email, change.new_email))
    except IntegrityError as error:  # another account took the address a moment ago
        raise EmailChangeError("That address is now in use by another account.") from error
    return change.new_email


def _send_changed_notice(old_email: str, new_email: str) -> None:
    send_mail(
        subject="Your Claywork address was changed",
        message=render_to_string(
            "accounts/email_changed_notice.txt", {"new_email": _masked(new_email)}
        ),
        from_email=None,
        recipient_list=[old_email],
    )


def _masked(email: str) -> str:
    """``n•••@example.org``: enough to recognise, not enough to hand over."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def zone_set(*, user: User, timezone_name: str) -> None:
    """For people without reminders (clinicians, admins, support people); a patient's zone
    moves their reminders too (``reminders.services.zone_change``)."""
    if user.timezone != timezone_name:
        user.timezone = timezone_name
        user.save(update_fields=["timezone"])
