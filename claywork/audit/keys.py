"""The audit trail's two keys, from the environment (never the database).

``CLAYWORK_AUDIT_KEY``: at least 32 random bytes (base64url) for the HMAC of every row.
``CLAYWORK_AUDIT_SIGNING_KEY``: a 32-byte Ed25519 private key (base64url) that signs the
checkpoints. ``claywork new-audit-keys`` prints a fresh pair. Both are required in production
(settings refuse to start without them); development, the demo and the tests use fixed,
public demonstration keys, which protect nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

_DEMO_MAC_SEED = b"claywork-demo-audit-mac-key-public-protects-nothing"
_DEMO_SIGNING_SEED = b"claywork-demo-audit-signing-key-public-protects-nothing"


class AuditKeyError(ValueError):
    """An audit key in the environment cannot be used."""


def _decode(name: str, raw: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        raise AuditKeyError(f"{name} must be base64url (claywork new-audit-keys)") from None


def mac_key() -> bytes:
    raw = settings.CLAYWORK_AUDIT_KEY
    if not raw:
        return hashlib.sha256(_DEMO_MAC_SEED).digest()
    key = _decode("CLAYWORK_AUDIT_KEY", raw)
    if len(key) < 32:
        raise AuditKeyError("CLAYWORK_AUDIT_KEY must hold at least 32 bytes")
    return key


def signing_key() -> Ed25519PrivateKey:
    raw = settings.CLAYWORK_AUDIT_SIGNING_KEY
    seed = (
        hashlib.sha256(_DEMO_SIGNING_SEED).digest()
        if not raw
        else _decode("CLAYWORK_AUDIT_SIGNING_KEY", raw)
    )
    if len(seed) != 32:
        raise AuditKeyError("CLAYWORK_AUDIT_SIGNING_KEY must hold exactly 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def verify_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for a verify key, stored with each checkpoint it signed."""
    return hashlib.sha256(public_bytes(key)).hexdigest()[:16]


def new_keys() -> tuple[str, str, str]:
    """A fresh (MAC key, signing key, its public key), each base64url."""
    signing = Ed25519PrivateKey.generate()
    seed = signing.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )

    def encode(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return (
        encode(secrets.token_bytes(32)),
        encode(seed),
        encode(public_bytes(signing.public_key())),
    )
