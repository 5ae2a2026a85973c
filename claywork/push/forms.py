"""The JSON a browser sends to subscribe or unsubscribe, checked by a declared schema.

A Django form over the parsed JSON, rather than a new dependency for two small endpoints: the
same validation machinery as every page, and one error shape (``{"errors": {field: [..]}}``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlsplit

from django import forms

MAX_ENDPOINT = 1000


def _base64url_bytes(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as error:
        raise forms.ValidationError("Not base64url.") from error


class SubscriptionForm(forms.Form):
    endpoint = forms.CharField(max_length=MAX_ENDPOINT)
    p256dh = forms.CharField(max_length=100)
    auth = forms.CharField(max_length=40)
    device_label = forms.CharField(max_length=80, required=False)

    @classmethod
    def from_json(cls, data: Any) -> SubscriptionForm:
        """The browser's ``subscription.toJSON()``: ``{endpoint, keys: {p256dh, auth}}``."""
        data = data if isinstance(data, dict) else {}
        keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
        return cls(
            {
                "endpoint": data.get("endpoint", ""),
                "p256dh": keys.get("p256dh", ""),
                "auth": keys.get("auth", ""),
                "device_label": data.get("device_label", ""),
            }
        )

    def clean_endpoint(self) -> str:
        endpoint: str = self.cleaned_data["endpoint"].strip()
        parts = urlsplit(endpoint)
        if parts.scheme != "https" or not parts.hostname:
            raise forms.ValidationError("A push endpoint is an https:// address.")
        return endpoint

    def clean_p256dh(self) -> str:
        value: str = self.cleaned_data["p256dh"]
        key = _base64url_bytes(value)
        if len(key) != 65 or key[0] != 4:
            raise forms.ValidationError("Not an uncompressed P-256 public key.")
        return value

    def clean_auth(self) -> str:
        value: str = self.cleaned_data["auth"]
        if len(_base64url_bytes(value)) != 16:
            raise forms.ValidationError("The auth secret is 16 bytes.")
        return value


class EndpointForm(forms.Form):
    endpoint = forms.CharField(max_length=MAX_ENDPOINT)
