"""An issuer's signing keys, fetched from its JWKS URL and kept for a while.

Keys are refetched when the cache is older than ``ttl`` and, to follow a key
rotation at once, when a token names a ``kid`` we don't know — but at most once per
``min_refetch_interval``, so a stream of tokens with made-up kids can't turn us into
a request amplifier against the identity provider. If a refetch fails we keep using
the keys we have.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError

from credmarket_platform.auth.errors import KeysUnavailable, TokenRejected

logger = logging.getLogger("credmarket.auth.jwks")


class JwksKeySet:
    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        ttl: float = 300.0,
        min_refetch_interval: float = 30.0,
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refetch_interval = min_refetch_interval
        self._client = client
        self._owns_client = client is None
        self._timeout = timeout
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._last_attempt: float | None = None
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> PyJWK:
        await self._settle()
        if self._is_stale():
            await self._refresh(reason="ttl")
        key = self._lookup(kid)
        if key is None and kid is not None:
            if self._may_refetch():
                await self._refresh(reason="unknown kid")
            else:
                await self._settle()
            key = self._lookup(kid)
        if key is None:
            if not self._keys and self._fetched_at is None:
                raise KeysUnavailable(f"signing keys of {self.url} are unavailable")
            raise TokenRejected("token is signed with an unknown key")
        return key

    async def _settle(self) -> None:
        """Wait for a fetch another request started, so that we judge by its keys.

        Without this, requests arriving while a replica's first fetch is in flight see
        no keys and a fetch too recent to repeat, and are refused although the keys
        are about to arrive.
        """
        if self._lock.locked():
            async with self._lock:
                pass

    def _lookup(self, kid: str | None) -> PyJWK | None:
        if kid is None:
            # Without a kid the choice is only unambiguous for a single-key set.
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _is_stale(self) -> bool:
        if self._fetched_at is None:
            return self._may_refetch()
        return time.monotonic() - self._fetched_at > self.ttl and self._may_refetch()

    def _may_refetch(self) -> bool:
        return (
            self._last_attempt is None
            or time.monotonic() - self._last_attempt >= self.min_refetch_interval
        )

    async def _refresh(self, *, reason: str) -> None:
        attempt_before = self._last_attempt
        async with self._lock:
            # Another task refreshed while we waited for the lock: use its result.
            if self._last_attempt != attempt_before:
                return
            self._last_attempt = time.monotonic()
            try:
                document = await self._fetch()
                keys = _parse(document)
            except (httpx.HTTPError, ValueError, PyJWKSetError) as exc:
                logger.warning(
                    "could not fetch JWKS %s (%s): %s",
                    self.url,
                    reason,
                    exc,
                    extra={"jwks_url": self.url},
                )
                return
            self._keys = keys
            self._fetched_at = time.monotonic()
            logger.info(
                "fetched JWKS %s (%s): %d key(s)",
                self.url,
                reason,
                len(keys),
                extra={"jwks_url": self.url},
            )

    async def _fetch(self) -> Any:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        response = await self._client.get(self.url, headers={"Accept": "application/json"})
        response.raise_for_status()
        return response.json()

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None


def _parse(document: Any) -> dict[str, PyJWK]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys: dict[str, PyJWK] = {}
    # PyJWKSet skips keys it can't use (e.g. encryption keys); that's what we want.
    for jwk in PyJWKSet.from_dict(document).keys:
        if jwk.public_key_use in (None, "sig"):
            keys[jwk.key_id or ""] = jwk
    return keys
