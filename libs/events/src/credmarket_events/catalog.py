"""Events emitted by the catalog service."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from credmarket_events.base import EventData
from credmarket_events.registry import register
from credmarket_events.topics import CATALOG_PROVIDERS
from credmarket_events.values import UtcDateTime


class ProviderRegisteredV1(EventData):
    """Catalog emits this when ops registers a new provider.

    Issuance creates the provider's issuer profile and signing key from it.
    """

    event_type: ClassVar[str] = "credmarket.catalog.provider.registered.v1"
    key_field: ClassVar[str] = "provider_id"

    provider_id: UUID
    name: str = Field(min_length=1, max_length=200)
    website: str | None = None
    description: str | None = None
    logo_url: str | None = None
    contact_email: str
    registered_at: UtcDateTime


register(ProviderRegisteredV1, CATALOG_PROVIDERS, producer="catalog", consumers=("issuance",))
