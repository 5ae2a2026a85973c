"""Envelope encryption for health text, with no Django in it.

Each patient has a random 256-bit data key (DEK). Text is sealed with AES-256-GCM under that
DEK; the DEK is stored only wrapped (AES-256-GCM again) by a key-encryption key (KEK) that comes
from the environment and never touches the database. Deleting a patient's wrapped DEK makes
every copy of their text unreadable, backups included.

A sealed value is ``cw1.<data key id>.<base64url(nonce || ciphertext+tag)>``. The associated
data binds it to its data key id and to the field it belongs to; with the owner check in
``vault.services.open_text``, a value copied into another person's row or into another field
fails to open instead of showing the wrong text.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOKEN_PREFIX = "cw1"  # noqa: S105 - a format marker, not a secret
NONCE_BYTES = 12
KEY_BYTES = 32


class VaultError(Exception):
    """Sealed text could not be opened: wrong key, tampered bytes or a destroyed data key."""


class KeyRingError(ValueError):
    """CLAYWORK_FIELD_KEYS is malformed."""


@dataclass(frozen=True)
class KeyRing:
    """The key-encryption keys a deployment holds; ``primary_id`` wraps new data keys."""

    keys: dict[str, bytes]
    primary_id: str

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            key_id, sep, encoded = item.partition(":")
            if not sep or not key_id or not key_id.isalnum():
                raise KeyRingError("each key must be written as ID:BASE64 (ID letters/digits)")
            try:
                raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except (binascii.Error, ValueError):
                raise KeyRingError(f"key {key_id!r} is not valid base64") from None
            if len(raw) != KEY_BYTES:
                raise KeyRingError(f"key {key_id!r} must be {KEY_BYTES} bytes, not {len(raw)}")
            if key_id in keys:
                raise KeyRingError(f"key id {key_id!r} appears twice")
            keys[key_id] = raw
            order.append(key_id)
        if not order:
            raise KeyRingError("no key-encryption key is configured")
        return cls(keys=keys, primary_id=order[0])

    @property
    def primary(self) -> bytes:
        return self.keys[self.primary_id]

    def get(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise VaultError(
                f"key-encryption key {key_id!r} is not in CLAYWORK_FIELD_KEYS"
            ) from None


def new_key_spec(key_id: str) -> str:
    """A fresh ``ID:BASE64`` entry for CLAYWORK_FIELD_KEYS."""
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip('=')}"


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _wrap_aad(kek_id: str, owner_id: int) -> bytes:
    return f"claywork-dek|kek:{kek_id}|owner:{owner_id}".encode()


def wrap_data_key(data_key: bytes, *, kek: bytes, kek_id: str, owner_id: int) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _wrap_aad(kek_id, owner_id))


def unwrap_data_key(wrapped: bytes, *, kek: bytes, kek_id: str, owner_id: int) -> bytes:
    try:
        return AESGCM(kek).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(kek_id, owner_id)
        )
    except InvalidTag:
        raise VaultError("a data key failed to unwrap: wrong key-encryption key") from None


def _value_aad(data_key_id: int, context: str) -> bytes:
    return f"{TOKEN_PREFIX}|dk:{data_key_id}|{context}".encode()


def seal(plaintext: str, *, data_key: bytes, data_key_id: int, context: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(
        nonce, plaintext.encode("utf-8"), _value_aad(data_key_id, context)
    )
    encoded = base64.urlsafe_b64encode(nonce + ciphertext).decode("ascii").rstrip("=")
    return f"{TOKEN_PREFIX}.{data_key_id}.{encoded}"


def token_data_key_id(token: str) -> int:
    prefix, _, rest = token.partition(".")
    key_id, _, _ = rest.partition(".")
    if prefix != TOKEN_PREFIX or not key_id.isdigit():
        raise VaultError("not a sealed Claywork value")
    return int(key_id)


def open_sealed(token: str, *, data_key: bytes, context: str) -> str:
    data_key_id = token_data_key_id(token)
    encoded = token.split(".", 2)[2]
    try:
        blob = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise VaultError("sealed value is not valid base64") from None
    if len(blob) < NONCE_BYTES + 16:
        raise VaultError("sealed value is truncated")
    try:
        plaintext = AESGCM(data_key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _value_aad(data_key_id, context)
        )
    except InvalidTag:
        raise VaultError(
            f"sealed value failed authentication (data key {data_key_id}, {context})"
        ) from None
    return plaintext.decode("utf-8")
