"""A software security key for tests: answers the WebAuthn options allauth puts on its pages the
way a browser with a real key would (a "none" attestation, ES256), so the whole add and sign-in
flow runs through allauth and fido2 without a browser. The browser test uses Chromium's virtual
authenticator instead."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

# fido2 accepts http:// only for localhost (browsers treat it as a secure context); the tests'
# clients ask for that host.
HOST = "localhost"
ORIGIN = "http://localhost"


@dataclass
class SoftKey:
    """One credential for one site; counts its signatures like a real key."""

    rp_id: str = HOST
    origin: str = ORIGIN
    credential_id: bytes = field(default_factory=lambda: os.urandom(16))
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    counter: int = 0

    def _client_data(self, kind: str, challenge: str) -> CollectedClientData:
        return CollectedClientData.create(kind, websafe_decode(challenge), self.origin)

    def register(self, creation_options: dict[str, Any]) -> str:
        """The JSON the page posts as ``credential`` after ``navigator.credentials.create``."""
        options = creation_options["publicKey"]
        client_data = self._client_data("webauthn.create", options["challenge"])
        public_key = ES256.from_cryptography_key(self.private_key.public_key())
        attested = AttestedCredentialData.create(b"\0" * 16, self.credential_id, public_key)
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT
        auth_data = AuthenticatorData.create(
            hashlib.sha256(self.rp_id.encode()).digest(), flags, self.counter, attested
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return json.dumps(
            {
                "type": "public-key",
                "id": websafe_encode(self.credential_id),
                "rawId": websafe_encode(self.credential_id),
                "response": {
                    "clientDataJSON": websafe_encode(bytes(client_data)),
                    "attestationObject": websafe_encode(bytes(attestation)),
                },
                "clientExtensionResults": {},
            }
        )

    def sign(self, request_options: dict[str, Any]) -> str:
        """The JSON the page posts as ``credential`` after ``navigator.credentials.get``."""
        options = request_options["publicKey"]
        client_data = self._client_data("webauthn.get", options["challenge"])
        self.counter += 1
        auth_data = AuthenticatorData.create(
            hashlib.sha256(self.rp_id.encode()).digest(),
            AuthenticatorData.FLAG.UP,
            self.counter,
        )
        signature = self.private_key.sign(
            bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            {
                "type": "public-key",
                "id": websafe_encode(self.credential_id),
                "rawId": websafe_encode(self.credential_id),
                "response": {
                    "clientDataJSON": websafe_encode(bytes(client_data)),
                    "authenticatorData": websafe_encode(bytes(auth_data)),
                    "signature": websafe_encode(signature),
                    "userHandle": None,
                },
                "clientExtensionResults": {},
            }
        )


def js_data(page: str) -> dict[str, Any]:
    """The options allauth put on a page in ``<script id="js_data" type="application/json">``."""
    start = page.index('<script id="js_data" type="application/json">')
    start = page.index(">", start) + 1
    return json.loads(page[start : page.index("</script>", start)])
