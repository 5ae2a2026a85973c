"""Form pieces every app uses: bounded text, sane dates and date-times."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from claywork.core import timezones

EARLIEST_YEAR = 2000
LATEST_YEARS_AHEAD = 5


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)  # type: ignore[arg-type]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)  # type: ignore[arg-type]


class PlausibleDateField(forms.DateField):
    """A calendar date inside the years a clinic could mean (no year 0026 or 9999)."""

    widget = DateInput
    default_error_messages = {"invalid": "Enter a real date, for example 2026-03-14."}

    def __init__(self, **kwargs: object) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)  # type: ignore[arg-type]

    def clean(self, value: object) -> date | None:
        cleaned: date | None = super().clean(value)
        if cleaned is not None:
            latest = timezone.localdate().year + LATEST_YEARS_AHEAD
            if not EARLIEST_YEAR <= cleaned.year <= latest:
                raise forms.ValidationError(
                    f"Choose a date between {EARLIEST_YEAR} and {latest}.", code="implausible"
                )
        return cleaned


class PlausibleDateTimeField(forms.DateTimeField):
    """A local date and time, read in the user's own zone, within a plausible range."""

    widget = DateTimeLocalInput
    default_error_messages = {
        "invalid": "Enter a real date and time, for example 2026-03-14 09:30."
    }

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
            **kwargs,  # type: ignore[arg-type]
        )

    def clean(self, value: object) -> datetime | None:
        cleaned: datetime | None = super().clean(value)
        if cleaned is not None:
            now = timezone.now()
            if not (now - timedelta(days=366) <= cleaned <= now + timedelta(days=366 * 2)):
                raise forms.ValidationError(
                    "Choose a time within the past year or the next two years.",
                    code="implausible",
                )
        return cleaned


class BoundedDecimalField(forms.DecimalField):
    """A decimal that is refused when out of range *before* any other check: Django's step and
    digit validators do arithmetic on it, and ``1e309`` or a 400-digit number made them raise
    (an HTTP 500) instead of saying what is wrong."""

    def to_python(self, value: Any) -> Any:
        number = super().to_python(value)
        if number is None:
            return None
        if not number.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # The field's own words where it has them ("Hours slept cannot be more than 24.").
        if self.max_value is not None and number > self.max_value:
            raise forms.ValidationError(self._out_of_range("max_value"), code="out_of_range")
        if self.min_value is not None and number < self.min_value:
            raise forms.ValidationError(self._out_of_range("min_value"), code="out_of_range")
        return number

    def _out_of_range(self, which: str) -> str:
        custom = self.error_messages.get(which, "")
        if custom and "%(limit_value)" not in custom:
            return str(custom)
        return f"Enter a number from {self.min_value} to {self.max_value}."


def health_text_field(*, label: str, required: bool = True, rows: int = 6) -> forms.CharField:
    """Free text a person writes about their health: bounded, never silently truncated."""
    limit = settings.CLAYWORK_MAX_ENTRY_CHARS
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "max_length": (
                f"This is longer than {limit:,} characters. Your words are kept as a draft; "
                "split them into two entries to save."
            )
        },
        max_length=limit,
    )


class TimeZoneInput(forms.TextInput):
    """A text box with the zones as suggestions (the common ones first): type a city or a
    country to search. With ``detect``, claywork.js reads this device's zone: ``"fill"``
    puts it in the box (where the value is only our guess, as at sign-up), ``"offer"`` shows
    a button to use it (where the value is the person's own earlier choice)."""

    template_name = "core/widgets/timezone.html"

    def __init__(self, *, detect: str = "", attrs: dict[str, str] | None = None) -> None:
        attrs = {"autocomplete": "off", "spellcheck": "false", **(attrs or {})}
        if detect:
            attrs["data-detect-timezone"] = detect
        super().__init__(attrs=attrs)

    def get_context(self, name: str, value: object, attrs: dict[str, object] | None) -> dict:
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id', name)}-zones"
        context["widget"]["attrs"]["list"] = list_id
        context["list_id"] = list_id
        context["zones"] = timezones.zone_choices()
        return context


class TimeZoneField(forms.CharField):
    """A canonical IANA zone name. An alias (``US/Eastern``) is accepted as the place it
    stands for; a name that is no place (``Factory``, a typo) is refused with an example."""

    default_error_messages = {
        "unknown": (
            "“%(value)s” is not a time zone we know. Type a city near you and choose from the "
            "list, for example America/Chicago or Europe/Berlin."
        )
    }

    def __init__(self, *, detect: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("label", "Time zone")
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "help_text", "Type a city or country, then choose from the list (e.g. Chicago)."
        )
        super().__init__(widget=TimeZoneInput(detect=detect), **kwargs)

    def clean(self, value: Any) -> str:
        name: str = super().clean(value)
        if not name:
            return name
        canonical = timezones.canonical_zone(name)
        if canonical is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": name[:64]}
            )
        return canonical
