"""Events emitted by the catalog service."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from credmarket_events.achievement import AchievementSnapshot
from credmarket_events.base import EventData
from credmarket_events.registry import register
from credmarket_events.topics import CATALOG_OFFERINGS, CATALOG_PROVIDERS
from credmarket_events.values import LanguageTag, Money, UtcDateTime


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


class ProviderUpdatedV1(EventData):
    """Catalog emits this when a provider's public profile changes.

    Carries the whole current profile, not a patch, so issuance simply
    overwrites the issuer profile it keeps for the provider.
    """

    event_type: ClassVar[str] = "credmarket.catalog.provider.updated.v1"
    key_field: ClassVar[str] = "provider_id"

    provider_id: UUID
    name: str = Field(min_length=1, max_length=200)
    website: str | None = None
    description: str | None = None
    logo_url: str | None = None
    contact_email: str
    updated_at: UtcDateTime


class Level(StrEnum):
    """How much prior knowledge an offering expects."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    EXPERT = "expert"


class OfferingDetails(EventData):
    """Everything a buyer sees and a credential needs about one offering version.

    Not an event itself: the shared shape of published and updated.
    """

    key_field: ClassVar[str] = "offering_id"

    offering_id: UUID
    provider_id: UUID
    version: int = Field(ge=1, description="Increases by one with every published change.")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(max_length=20000)
    price: Money = Field(description="Price per enrollment; amount 0 means free.")
    skills: list[str] = Field(default_factory=list, max_length=50)
    level: Level
    language: LanguageTag
    # Minutes, not hours: micro-credentials are often shorter than an hour and
    # an integer keeps it exact.
    duration_minutes: int = Field(ge=1, description="Expected learning time in minutes.")
    achievement: AchievementSnapshot


class OfferingPublishedV1(OfferingDetails):
    """Catalog emits this when a provider publishes an offering (version 1).

    Enrollment adds it to its read model of buyable offerings. Issuance does
    not need it: the achievement of the version bought travels with
    EnrollmentCompletedV1.
    """

    event_type: ClassVar[str] = "credmarket.catalog.offering.published.v1"

    published_at: UtcDateTime


class OfferingUpdatedV1(OfferingDetails):
    """Catalog emits this when a provider changes a published offering.

    Carries the whole new version (``version`` increased), not a patch.
    Enrollment replaces its read model entry; learners who already bought keep
    the version and price they bought.
    """

    event_type: ClassVar[str] = "credmarket.catalog.offering.updated.v1"

    updated_at: UtcDateTime


class OfferingRetiredV1(EventData):
    """Catalog emits this when a provider retires an offering.

    Enrollment takes no new enrollments for it; existing learners keep theirs.
    """

    event_type: ClassVar[str] = "credmarket.catalog.offering.retired.v1"
    key_field: ClassVar[str] = "offering_id"

    offering_id: UUID
    provider_id: UUID
    version: int = Field(ge=1)
    retired_at: UtcDateTime


class WebhookEndpointDisabledV1(EventData):
    """Catalog emits this when it stops delivering to a provider's webhook endpoint.

    Every delivery to it failed for the whole retry window (three days by default,
    ADR 0023). Ops tooling shows it; the provider sees the endpoint disabled, with
    this reason, through the API, and re-enables it once the receiver is fixed.
    """

    event_type: ClassVar[str] = "credmarket.catalog.webhook_endpoint.disabled.v1"
    key_field: ClassVar[str] = "endpoint_id"

    endpoint_id: UUID
    provider_id: UUID
    url: str = Field(min_length=1, max_length=2000)
    failing_since: UtcDateTime
    disabled_at: UtcDateTime
    last_error: str | None = Field(default=None, max_length=500)


register(ProviderRegisteredV1, CATALOG_PROVIDERS, producer="catalog", consumers=("issuance",))
register(ProviderUpdatedV1, CATALOG_PROVIDERS, producer="catalog", consumers=("issuance",))
register(OfferingPublishedV1, CATALOG_OFFERINGS, producer="catalog", consumers=("enrollment",))
register(OfferingUpdatedV1, CATALOG_OFFERINGS, producer="catalog", consumers=("enrollment",))
register(OfferingRetiredV1, CATALOG_OFFERINGS, producer="catalog", consumers=("enrollment",))
register(WebhookEndpointDisabledV1, CATALOG_PROVIDERS, producer="catalog", consumers=())
