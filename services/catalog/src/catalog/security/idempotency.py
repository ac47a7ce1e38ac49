"""Idempotent replays whose stored answers are encrypted at rest.

Some catalog answers carry a provider's API key, shown once; the platform store keeps
answers in plain text, which would put those secrets in the database.
TODO(credmarket_platform.http.idempotency): offer an encrypt/redact hook on
IdempotencyStore so services need not subclass it.
"""

from __future__ import annotations

from credmarket_platform.http.idempotency import Claim, IdempotencyStore, StoredResponse
from credmarket_platform.kek import decrypt, encrypt
from sqlalchemy.ext.asyncio import AsyncEngine

_MARK = b"cmk-enc1:"
_NONCE = 12


class EncryptingIdempotencyStore(IdempotencyStore):
    def __init__(self, engine: AsyncEngine, kek: bytes) -> None:
        super().__init__(engine)
        self._kek = kek

    async def claim(
        self, principal: str, key: str, method: str, path: str, request_hash: str
    ) -> Claim | StoredResponse:
        outcome = await super().claim(principal, key, method, path, request_hash)
        if isinstance(outcome, StoredResponse) and outcome.body.startswith(_MARK):
            sealed = outcome.body[len(_MARK) :]
            body = decrypt(self._kek, sealed[:_NONCE], sealed[_NONCE:], _aad(principal, key))
            return StoredResponse(outcome.status_code, body, outcome.headers)
        return outcome

    async def record(self, claim: Claim, response: StoredResponse) -> None:
        nonce, ciphertext = encrypt(self._kek, response.body, _aad(claim.principal, claim.key))
        sealed = StoredResponse(response.status_code, _MARK + nonce + ciphertext, response.headers)
        await super().record(claim, sealed)


def _aad(principal: str, key: str) -> bytes:
    return f"{principal}\x1f{key}".encode()
