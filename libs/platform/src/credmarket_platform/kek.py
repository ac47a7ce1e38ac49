"""Key-encryption keys (KEKs): what a service seals its secrets at rest with.

A KEK is 32 random bytes given in base64 through a setting; AES-256-GCM seals with it,
each time under a fresh nonce, and the associated data binds a sealed value to the row
it belongs to (a value copied onto another row does not open). Outside development a
service without its KEK refuses to start; in dev mode it falls back to a key of its own
that is public by construction, and says so in the log (ADR 0019, 0029).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import AliasChoices, Field, SecretStr

log = logging.getLogger(__name__)

KEK_BYTES = 32
NONCE_BYTES = 12


class KekUnusable(ValueError):
    """No KEK where one is required, or one that is not 32 bytes of base64."""


def kek_setting(variable: str, *, seals: str) -> Any:
    """The settings field holding a service's KEK, read from ``variable``; unset by
    default (then only dev mode runs, with the service's development key)."""
    return Field(
        default=None,
        validation_alias=AliasChoices(variable),
        description=f"Base64 of {KEK_BYTES} random bytes: the AES-256-GCM key that seals "
        f"{seals} at rest.",
    )


def decode_kek(text: str, *, variable: str) -> bytes:
    """32 bytes from base64, standard or URL-safe, padded or not; ``variable`` names the
    setting in the error."""
    standard = text.strip().replace("-", "+").replace("_", "/")
    try:
        kek = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KekUnusable(f"{variable} is not valid base64") from exc
    if len(kek) != KEK_BYTES:
        raise KekUnusable(f"{variable} must decode to {KEK_BYTES} bytes")
    return kek


def resolve_kek(
    configured: SecretStr | None, *, variable: str, dev_mode: bool, dev_kek: bytes
) -> bytes:
    """The configured KEK; without one, ``dev_kek`` in dev mode only."""
    if configured is not None:
        return decode_kek(configured.get_secret_value(), variable=variable)
    if dev_mode:
        log.warning("%s unset: secrets are sealed with the built-in DEVELOPMENT key", variable)
        return dev_kek
    raise KekUnusable(
        f"{variable} is required (base64 of {KEK_BYTES} random bytes); only "
        "CREDMARKET_DEV_MODE=true falls back to the development key"
    )


def encrypt(kek: bytes, plaintext: bytes, associated_data: bytes) -> tuple[bytes, bytes]:
    """(nonce, ciphertext with its tag)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(kek).encrypt(nonce, plaintext, associated_data)


def decrypt(kek: bytes, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
    """The plaintext; ``cryptography.exceptions.InvalidTag`` for a wrong key, other
    associated data or a changed ciphertext."""
    return AESGCM(kek).decrypt(nonce, ciphertext, associated_data)
