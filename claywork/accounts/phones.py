"""Phone numbers: read in any common format, stored in E.164, shown for people and for dialling.

``phonenumbers`` (Google's libphonenumber metadata) decides what a valid number is for each
country; a hand-written pattern would accept numbers no phone can call and refuse real ones.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings

# Longer input is not a phone number; refusing it early keeps the error message readable.
MAX_INPUT_CHARS = 40


class InvalidPhoneNumber(ValueError):
    """The text is not a number a phone can call; the message says what to write instead."""


def to_e164(text: str, *, region: str | None = None) -> str:
    """``"(415) 555-2671"`` → ``"+14155552671"``; raises ``InvalidPhoneNumber`` with a plain
    sentence. A number without a country code is read as one of ``region`` (the deployment's
    ``CLAYWORK_PHONE_REGION`` unless given)."""
    raw = text.strip()
    region = region or settings.CLAYWORK_PHONE_REGION
    example = _example(region)
    if len(raw) > MAX_INPUT_CHARS:
        raise InvalidPhoneNumber(
            f"That is too long for a phone number ({len(raw)} characters). "
            f"Write just the number, e.g. {example}."
        )
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(
            f"This does not look like a phone number. Write it with its area code, e.g. "
            f"{example}, or with the country code for another country (+44 20 7946 0958)."
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(
            "No phone can call this number: check its digits and its country code "
            f"(e.g. {example})."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def for_people(e164: str) -> str:
    """``"+14155552671"`` → ``"+1 415-555-2671"``: grouped the way that country writes it."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _example(region: str) -> str:
    number = phonenumbers.example_number(region)
    if number is None:
        return "+1 415 555 2671"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
