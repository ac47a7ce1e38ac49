"""Multikey encoding and KEK-encrypted private keys."""

from __future__ import annotations

import base64
import os

import pytest
from issuance.credentials import keys


def test_multikey_round_trip() -> None:
    private = keys.generate_private_key()
    encoded = keys.public_key_multibase(private.public_key())
    assert encoded.startswith("z6Mk")
    decoded = keys.decode_public_key_multibase(encoded)
    assert keys.public_key_bytes(decoded) == keys.public_key_bytes(private.public_key())


def test_private_multikey_round_trip() -> None:
    private = keys.generate_private_key()
    again = keys.decode_private_key_multibase(keys.private_key_multibase(private))
    assert again.private_bytes_raw() == private.private_bytes_raw()


@pytest.mark.parametrize(
    "bad",
    [
        "6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "z0OIl",
        "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",
    ],
)
def test_bad_multikey_is_rejected(bad: str) -> None:
    with pytest.raises(keys.MultikeyError):
        keys.decode_public_key_multibase(bad)


def test_encrypt_decrypt_round_trip() -> None:
    ring = keys.KeyEncryptionKeyRing.single(os.urandom(32))
    private = keys.generate_private_key()
    wrapped = keys.encrypt_private_key(private, ring, context=b"issuer-1/key-1")
    stored = wrapped.serialize()
    assert private.private_bytes_raw().hex() not in stored
    parsed = keys.EncryptedPrivateKey.parse(stored)
    again = keys.decrypt_private_key(parsed, ring, context=b"issuer-1/key-1")
    assert again.private_bytes_raw() == private.private_bytes_raw()


def test_wrong_kek_fails() -> None:
    wrapped = keys.encrypt_private_key(
        keys.generate_private_key(), keys.KeyEncryptionKeyRing.single(os.urandom(32))
    )
    with pytest.raises(keys.KeyDecryptionError):
        keys.decrypt_private_key(wrapped, keys.KeyEncryptionKeyRing.single(os.urandom(32)))


def test_wrong_context_fails() -> None:
    ring = keys.KeyEncryptionKeyRing.single(os.urandom(32))
    wrapped = keys.encrypt_private_key(keys.generate_private_key(), ring, context=b"key-1")
    with pytest.raises(keys.KeyDecryptionError):
        keys.decrypt_private_key(wrapped, ring, context=b"key-2")


def test_kek_rotation_rewraps() -> None:
    old_kek, new_kek = os.urandom(32), os.urandom(32)
    old_ring = keys.KeyEncryptionKeyRing.from_base64(
        "2024", {"2024": base64.b64encode(old_kek).decode()}
    )
    private = keys.generate_private_key()
    wrapped = keys.encrypt_private_key(private, old_ring)
    ring = keys.KeyEncryptionKeyRing.from_base64(
        "2025",
        {
            "2024": base64.urlsafe_b64encode(old_kek).decode().rstrip("="),
            "2025": base64.b64encode(new_kek).decode(),
        },
    )
    rewrapped = keys.rewrap_private_key(wrapped, ring)
    assert rewrapped.kek_id == "2025"
    new_only = keys.KeyEncryptionKeyRing.single(new_kek, "2025")
    assert keys.decrypt_private_key(rewrapped, new_only).private_bytes_raw() == (
        private.private_bytes_raw()
    )
    with pytest.raises(keys.KeyDecryptionError, match="unknown KEK"):
        keys.decrypt_private_key(wrapped, new_only)


def test_kek_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        keys.KeyEncryptionKeyRing.single(b"short")
