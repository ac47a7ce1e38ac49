"""Checks on a webhook URL a provider gives: its form, then where it leads now."""

from __future__ import annotations

from urllib.parse import urlsplit

from catalog.domain.violations import Violation
from catalog.domain.webhook_url import url_violations
from catalog.settings import CatalogSettings
from catalog.webhooks.address_guard import AddressRefused, resolve


async def check_url(url: str, settings: CatalogSettings) -> list[Violation]:
    violations = url_violations(url, allow_http=settings.webhooks_allow_http)
    if violations or settings.webhooks_allow_private:
        return violations
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        await resolve(parts.hostname or "", port, allow_private=False)
    except AddressRefused as exc:
        return [Violation("url", "forbidden_address", str(exc))]
    return []
