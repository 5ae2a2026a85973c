"""``SealedText``: a model attribute that reads and writes an encrypted column as plain text."""

from __future__ import annotations

from typing import Any

from claywork.vault.services import open_text, seal_text


class SealedText:
    """Descriptor over a TextField holding a sealed token.

    ``owner`` names the attribute holding the patient's id (whose data key seals the text);
    ``context`` names the field and goes into the associated data, so a token copied into
    another field, or into a row of another patient, does not open.
    """

    def __init__(self, column: str, *, owner: str = "patient_id", context: str) -> None:
        self.column = column
        self.owner = owner
        self.context = context
        self.cache_name = f"_{column}_plain"

    def __set_name__(self, owner_cls: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner_cls: type | None = None) -> Any:
        if instance is None:
            return self
        token = getattr(instance, self.column)
        cached = instance.__dict__.get(self.cache_name)
        if cached is not None and cached[0] == token:
            return cached[1]
        plaintext = (
            open_text(token=token, context=self.context, owner_id=getattr(instance, self.owner))
            if token
            else ""
        )
        instance.__dict__[self.cache_name] = (token, plaintext)
        return plaintext

    def __set__(self, instance: Any, value: str) -> None:
        owner_id = getattr(instance, self.owner)
        if owner_id is None:
            raise ValueError(f"set {self.owner} before {self.name}: its key seals the text")
        token = seal_text(owner_id=owner_id, plaintext=value, context=self.context) if value else ""
        setattr(instance, self.column, token)
        instance.__dict__[self.cache_name] = (token, value)
