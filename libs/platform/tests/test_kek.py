"""One KEK helper: decoded strictly, required outside dev mode, sealing bound to its row."""

from __future__ import annotations

import base64
import os

import pytest
from credmarket_platform.kek import (
    KekUnusable,
    decode_kek,
    decrypt,
    encrypt,
    kek_setting,
    resolve_kek,
)
from credmarket_platform.settings import ServiceSettings
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr

DEV = bytes(range(32))


def test_standard_and_url_safe_base64_give_the_same_key() -> None:
    kek = os.urandom(32)
    assert decode_kek(base64.b64encode(kek).decode(), variable="X") == kek
    assert decode_kek(base64.urlsafe_b64encode(kek).decode().rstrip("="), variable="X") == kek


@pytest.mark.parametrize(
    ("text", "why"),
    [("not base64 at all!", "not valid base64"), (base64.b64encode(b"short").decode(), "32")],
)
def test_a_key_that_is_not_32_bytes_of_base64_is_refused_by_its_name(text: str, why: str) -> None:
    with pytest.raises(KekUnusable, match=f"CREDMARKET_X_KEK.*{why}"):
        decode_kek(text, variable="CREDMARKET_X_KEK")


def test_without_a_key_only_dev_mode_falls_back_to_the_development_key() -> None:
    assert resolve_kek(None, variable="K", dev_mode=True, dev_kek=DEV) == DEV
    with pytest.raises(KekUnusable, match="K is required"):
        resolve_kek(None, variable="K", dev_mode=False, dev_kek=DEV)
    configured = SecretStr(base64.b64encode(b"k" * 32).decode())
    assert resolve_kek(configured, variable="K", dev_mode=True, dev_kek=DEV) == b"k" * 32


def test_a_sealed_value_opens_only_with_its_key_and_its_row() -> None:
    kek = os.urandom(32)
    nonce, sealed = encrypt(kek, b"secret", b"row-1")
    assert decrypt(kek, nonce, sealed, b"row-1") == b"secret"
    with pytest.raises(InvalidTag):
        decrypt(kek, nonce, sealed, b"row-2")
    with pytest.raises(InvalidTag):
        decrypt(os.urandom(32), nonce, sealed, b"row-1")
    assert encrypt(kek, b"secret", b"row-1")[0] != nonce


class _VaultSettings(ServiceSettings):
    kek: SecretStr | None = kek_setting("CREDMARKET_VAULT_KEK", seals="vault secrets")


def test_the_kek_setting_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDMARKET_VAULT_KEK", raising=False)
    monkeypatch.delenv("CREDMARKET_KEK", raising=False)
    assert _VaultSettings(_env_file=None).kek is None  # type: ignore[call-arg]
    monkeypatch.setenv("CREDMARKET_VAULT_KEK", "own")
    kek = _VaultSettings(_env_file=None).kek  # type: ignore[call-arg]
    assert kek is not None
    assert kek.get_secret_value() == "own"
