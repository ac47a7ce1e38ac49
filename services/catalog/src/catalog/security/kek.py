"""The key-encryption key (KEK) and AES-GCM with it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from catalog.settings import CatalogSettings

log = logging.getLogger(__name__)

KEK_BYTES = 32
NONCE_BYTES = 12
# Public by construction: only ever used when dev mode is switched on explicitly.
_DEV_KEK = hashlib.sha256(b"credmarket-catalog-development-kek").digest()


class KekMissing(RuntimeError):
    pass


def resolve_kek(settings: CatalogSettings) -> bytes:
    if settings.signing_kek is not None:
        try:
            kek = base64.b64decode(settings.signing_kek.get_secret_value(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise KekMissing("CREDMARKET_CATALOG_SIGNING_KEK is not valid base64") from exc
        if len(kek) != KEK_BYTES:
            raise KekMissing(f"CREDMARKET_CATALOG_SIGNING_KEK must decode to {KEK_BYTES} bytes")
        return kek
    if settings.dev_mode:
        log.warning("using the built-in development KEK: signing keys are NOT protected")
        return _DEV_KEK
    raise KekMissing(
        "CREDMARKET_CATALOG_SIGNING_KEK is required (or CREDMARKET_DEV_MODE=true for development)"
    )


def encrypt(kek: bytes, plaintext: bytes, associated_data: bytes) -> tuple[bytes, bytes]:
    """(nonce, ciphertext); the associated data binds the ciphertext to its row."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(kek).encrypt(nonce, plaintext, associated_data)


def decrypt(kek: bytes, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
    return AESGCM(kek).decrypt(nonce, ciphertext, associated_data)
