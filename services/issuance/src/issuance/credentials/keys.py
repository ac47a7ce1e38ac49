"""Ed25519 issuer keys: generation, Multikey encoding, encryption at rest.

Private keys are stored only wrapped by a key-encryption key (KEK) that comes
from settings (AES-256-GCM). Each wrapped key names the KEK that wrapped it, so
the KEK can rotate: add the new KEK to the key ring, make it current, and
:func:`rewrap_private_key` old records at leisure; old KEKs are only needed
until every record is rewrapped.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

import base58
from credmarket_platform.kek import decode_kek, decrypt, encrypt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "EncryptedPrivateKey",
    "KeyDecryptionError",
    "KeyEncryptionKeyRing",
    "MultikeyError",
    "decode_private_key_multibase",
    "decode_public_key_multibase",
    "decrypt_private_key",
    "encrypt_private_key",
    "generate_private_key",
    "private_key_multibase",
    "public_key_bytes",
    "public_key_multibase",
    "rewrap_private_key",
]

# Multicodec varint prefixes (https://github.com/multiformats/multicodec).
_ED25519_PUB = b"\xed\x01"
_ED25519_PRIV = b"\x80\x26"
_FORMAT_VERSION = "v1"


class MultikeyError(ValueError):
    """A Multikey / multibase value is not an Ed25519 key in base58btc."""


class KeyDecryptionError(ValueError):
    """A wrapped private key could not be unwrapped (wrong or unknown KEK, tampering)."""


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 signing key from the OS CSPRNG."""
    return Ed25519PrivateKey.generate()


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The raw 32-byte public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_multibase(key: Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` of a Multikey: ``z`` + base58btc(0xed01 + key); starts ``z6Mk``."""
    return "z" + base58.b58encode(_ED25519_PUB + public_key_bytes(key)).decode("ascii")


def decode_public_key_multibase(value: str) -> Ed25519PublicKey:
    """Parse a ``publicKeyMultibase`` value back into an Ed25519 public key."""
    raw = _decode_multikey(value, _ED25519_PUB)
    return Ed25519PublicKey.from_public_bytes(raw)


def private_key_multibase(key: Ed25519PrivateKey) -> str:
    """``secretKeyMultibase`` form (0x8026 + 32-byte seed); for tests and export only."""
    seed = key.private_bytes_raw()
    return "z" + base58.b58encode(_ED25519_PRIV + seed).decode("ascii")


def decode_private_key_multibase(value: str) -> Ed25519PrivateKey:
    """Parse a ``secretKeyMultibase`` value (as published in W3C test vectors)."""
    return Ed25519PrivateKey.from_private_bytes(_decode_multikey(value, _ED25519_PRIV))


def _decode_multikey(value: str, header: bytes) -> bytes:
    if not value.startswith("z"):
        raise MultikeyError("only base58btc multibase ('z' prefix) is supported")
    try:
        decoded = base58.b58decode(value[1:])
    except ValueError as exc:
        raise MultikeyError("invalid base58btc") from exc
    if not decoded.startswith(header) or len(decoded) != len(header) + 32:
        raise MultikeyError("not an Ed25519 Multikey value")
    return decoded[len(header) :]


@dataclass(frozen=True)
class KeyEncryptionKeyRing:
    """The KEKs known to this process; ``current_id`` wraps new keys.

    Build it from settings with :meth:`from_base64`. Keys must be 32 bytes.
    """

    current_id: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.current_id not in self.keys:
            raise ValueError(f"current KEK {self.current_id!r} is not in the key ring")
        for kek_id, kek in self.keys.items():
            if len(kek) != 32:
                raise ValueError(f"KEK {kek_id!r} must be 32 bytes for AES-256-GCM")
            if "." in kek_id or not kek_id:
                raise ValueError("KEK ids must be non-empty and contain no '.'")

    @classmethod
    def from_base64(cls, current_id: str, keys: Mapping[str, str]) -> KeyEncryptionKeyRing:
        """Ring from base64 (standard or url-safe) encoded KEKs, as settings hold them."""
        decoded = {
            kek_id: decode_kek(text, variable=f"KEK {kek_id!r}") for kek_id, text in keys.items()
        }
        return cls(current_id=current_id, keys=decoded)

    @classmethod
    def single(cls, kek: bytes, kek_id: str = "kek-1") -> KeyEncryptionKeyRing:
        """Ring with one KEK (development, tests)."""
        return cls(current_id=kek_id, keys={kek_id: kek})


def _pad(text: str) -> str:
    return text + "=" * (-len(text) % 4)


@dataclass(frozen=True)
class EncryptedPrivateKey:
    """A private key wrapped with AES-256-GCM under the KEK ``kek_id``.

    Store :meth:`serialize` (one ASCII string) in the database; parse it with
    :meth:`parse`.
    """

    kek_id: str
    nonce: bytes
    ciphertext: bytes

    def serialize(self) -> str:
        """``v1.<kek id>.<nonce b64url>.<ciphertext+tag b64url>``."""
        return ".".join(
            [_FORMAT_VERSION, self.kek_id, _b64url(self.nonce), _b64url(self.ciphertext)]
        )

    @classmethod
    def parse(cls, text: str) -> EncryptedPrivateKey:
        """Inverse of :meth:`serialize`."""
        parts = text.split(".")
        if len(parts) != 4 or parts[0] != _FORMAT_VERSION:
            raise KeyDecryptionError("unrecognised wrapped-key format")
        try:
            nonce = base64.urlsafe_b64decode(_pad(parts[2]))
            ciphertext = base64.urlsafe_b64decode(_pad(parts[3]))
        except binascii.Error as exc:
            raise KeyDecryptionError("wrapped key is not valid base64url") from exc
        return cls(kek_id=parts[1], nonce=nonce, ciphertext=ciphertext)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _aad(kek_id: str, context: bytes) -> bytes:
    # Binding the KEK id and the caller's context (e.g. the key's own id) means a
    # wrapped key copied onto another key record fails to decrypt.
    return _FORMAT_VERSION.encode() + b"|" + kek_id.encode() + b"|" + context


def encrypt_private_key(
    key: Ed25519PrivateKey, ring: KeyEncryptionKeyRing, context: bytes = b""
) -> EncryptedPrivateKey:
    """Wrap ``key`` under the ring's current KEK.

    ``context`` is authenticated, not stored: pass the same bytes (for example
    the issuer and key id) to :func:`decrypt_private_key`.
    """
    kek_id = ring.current_id
    nonce, ciphertext = encrypt(ring.keys[kek_id], key.private_bytes_raw(), _aad(kek_id, context))
    return EncryptedPrivateKey(kek_id=kek_id, nonce=nonce, ciphertext=ciphertext)


def decrypt_private_key(
    wrapped: EncryptedPrivateKey, ring: KeyEncryptionKeyRing, context: bytes = b""
) -> Ed25519PrivateKey:
    """Unwrap a private key; :class:`KeyDecryptionError` on any failure."""
    kek = ring.keys.get(wrapped.kek_id)
    if kek is None:
        raise KeyDecryptionError(f"unknown KEK {wrapped.kek_id!r}")
    try:
        seed = decrypt(kek, wrapped.nonce, wrapped.ciphertext, _aad(wrapped.kek_id, context))
    except InvalidTag as exc:
        raise KeyDecryptionError("wrong KEK or tampered wrapped key") from exc
    return Ed25519PrivateKey.from_private_bytes(seed)


def rewrap_private_key(
    wrapped: EncryptedPrivateKey, ring: KeyEncryptionKeyRing, context: bytes = b""
) -> EncryptedPrivateKey:
    """Re-encrypt under the current KEK (KEK rotation); no-op if already current."""
    if wrapped.kek_id == ring.current_id:
        return wrapped
    return encrypt_private_key(decrypt_private_key(wrapped, ring, context), ring, context)
