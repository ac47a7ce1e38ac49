"""Webhook health as ops see it: the backlog, and the endpoints that fail or were
disabled for failing, read from catalog's overview (ADR 0023) with an ops token.

Unlike the other commands this one asks a service, not the broker: what waits for a
provider's receiver lives in catalog's database, not on a topic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

OVERVIEW_PATH = "/v1/webhooks/overview"


class OverviewUnavailable(RuntimeError):
    pass


def default_catalog_url() -> str:
    explicit = os.environ.get("CREDMARKET_CATALOG_URL")
    if explicit:
        return explicit.rstrip("/")
    return f"http://127.0.0.1:{os.environ.get('CREDMARKET_CATALOG_PORT', '8001')}"


@dataclass(frozen=True)
class WebhookOverview:
    raw: dict[str, Any]

    @property
    def pending(self) -> int:
        return int(self.raw["pending"])

    @property
    def failing(self) -> list[dict[str, Any]]:
        return list(self.raw["failing_endpoints"])

    @property
    def disabled(self) -> list[dict[str, Any]]:
        return list(self.raw["disabled_endpoints"])

    def to_json(self) -> dict[str, Any]:
        return self.raw


async def webhook_overview(
    catalog_url: str, token: str, *, client: httpx.AsyncClient | None = None
) -> WebhookOverview:
    own = client is None
    http = client or httpx.AsyncClient(timeout=10)
    try:
        response = await http.get(
            f"{catalog_url.rstrip('/')}{OVERVIEW_PATH}",
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as exc:
        raise OverviewUnavailable(f"catalog at {catalog_url} does not answer: {exc}") from exc
    finally:
        if own:
            await http.aclose()
    if response.status_code != 200:
        raise OverviewUnavailable(f"catalog answered {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return WebhookOverview(body)
