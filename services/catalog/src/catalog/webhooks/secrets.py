"""Endpoint signing secrets at rest: AES-GCM under the catalog's KEK."""

from __future__ import annotations

from uuid import UUID

from credmarket_platform.kek import decrypt, encrypt


def seal(kek: bytes, secret_id: UUID, secret: str) -> tuple[bytes, bytes]:
    return encrypt(kek, secret.encode(), secret_id.bytes)


def unseal(kek: bytes, secret_id: UUID, nonce: bytes, ciphertext: bytes) -> str:
    return decrypt(kek, nonce, ciphertext, secret_id.bytes).decode()
