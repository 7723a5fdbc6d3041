"""Binance key-pair API keys (spec §12): Ed25519 and RSA public keys, and signature checks.

For these key types the user uploads a public key and Binance issues the API key string; the
request signature is the base64 of the key's signature over the same payload HMAC signs,
percent-encoded in the request. Ed25519 is pure Ed25519 (no pre-hash); RSA is
RSASSA-PKCS1-v1_5 with SHA-256 (2048 or 4096 bit). Both are case-sensitive, unlike HMAC hex.

The ``cryptography`` package is imported on first use, so a sandbox without key-pair accounts
runs without it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

__all__ = ["ED25519", "HMAC", "KEY_TYPES", "RSA", "PublicKey", "load_public_key"]

HMAC = "HMAC"
ED25519 = "ED25519"
RSA = "RSA"
KEY_TYPES = (HMAC, ED25519, RSA)
#: RSA modulus sizes Binance accepts for API keys.
RSA_BITS = (2048, 4096)


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "Ed25519/RSA API keys in the sandbox need the 'cryptography' package (pip install cryptography)"
        ) from exc
    return serialization


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A registered public key: its ``kind`` (:data:`ED25519` or :data:`RSA`) and the loaded
    key object."""

    kind: str
    key: Any

    def verify(self, payload: str, signature_b64: str) -> bool:
        """Whether ``signature_b64`` (already percent-decoded) signs ``payload``."""
        try:
            raw = base64.b64decode(signature_b64.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return False
        from cryptography.exceptions import InvalidSignature

        try:
            if self.kind == ED25519:
                self.key.verify(raw, payload.encode("utf-8"))
            else:
                from cryptography.hazmat.primitives import hashes
                from cryptography.hazmat.primitives.asymmetric import padding

                self.key.verify(raw, payload.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True


def load_public_key(pem: str | bytes) -> PublicKey:
    """A :class:`PublicKey` from SPKI PEM text (``-----BEGIN PUBLIC KEY-----``); raises
    ``ValueError`` for anything but an Ed25519 or a 2048/4096-bit RSA key."""
    serialization = _crypto()
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    data = pem.encode("ascii") if isinstance(pem, str) else bytes(pem)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise ValueError("public_key must be a PEM public key (-----BEGIN PUBLIC KEY-----)") from exc
    if isinstance(key, ed25519.Ed25519PublicKey):
        return PublicKey(ED25519, key)
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size not in RSA_BITS:
            raise ValueError(f"RSA API keys are 2048 or 4096 bit, not {key.key_size}")
        return PublicKey(RSA, key)
    raise ValueError("Binance accepts Ed25519 and RSA public keys only")
