"""Request and response bodies of the webhook endpoints and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from credmarket_platform.http.pagination import NEXT_CURSOR_DESCRIPTION
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

EventTypes = Field(
    min_length=1,
    max_length=20,
    description="CloudEvents types to receive; GET /v1/webhook-event-types lists them.",
)


class WebhookEndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, examples=["https://lms.academy.example/hooks/credmarket"])
    event_types: list[str] = EventTypes
    description: str | None = Field(default=None, max_length=500)


class WebhookEndpointPatch(BaseModel):
    """Only the fields given change. ``enabled: true`` also restarts the retry window of
    what is still pending."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=20)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class WebhookEndpoint(BaseModel):
    id: UUID
    provider_id: UUID
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    disabled_reason: Literal["provider", "ops", "failing"] | None
    disabled_at: datetime | None
    failing_since: datetime | None
    last_error: str | None
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookEndpointCreated(BaseModel):
    endpoint: WebhookEndpoint
    secret: str = Field(description="The signing secret, shown this once (whsec_…).")


class SecretRotationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_seconds: int = Field(
        default=86400,
        ge=0,
        le=7 * 86400,
        description="How long the previous secret keeps signing next to the new one.",
    )


class SecretRotated(BaseModel):
    secret: str = Field(description="The new signing secret, shown this once.")
    previous_secret_expires_at: datetime | None


class WebhookAttempt(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    latency_ms: int
    response_excerpt: str | None


class WebhookMessage(BaseModel):
    id: str = Field(description="The webhook-id: the same on every attempt.")
    event_id: str
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    event_time: datetime
    enqueued_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    recent_attempts: list[WebhookAttempt]


class WebhookEndpointPage(BaseModel):
    items: list[WebhookEndpoint]
    next_cursor: str | None = Field(description=NEXT_CURSOR_DESCRIPTION)


class WebhookMessagePage(BaseModel):
    items: list[WebhookMessage]
    next_cursor: str | None = Field(description=NEXT_CURSOR_DESCRIPTION)
    next_before: int | None = Field(
        deprecated=True,
        description="Deprecated: use `next_cursor`. Pass as ``before`` for the next (older) "
        "page; null on the last.",
    )


class RedeliverSinceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime = Field(description="Every message of an event at or after this time.")


class Redelivered(BaseModel):
    redelivered: int


class PingSent(BaseModel):
    message_id: str


class WebhookEventTypes(BaseModel):
    event_types: list[str]


class WebhookEndpointHealth(BaseModel):
    """What ops watch: an endpoint, whether it fails, and what waits for it."""

    endpoint: WebhookEndpoint
    pending: int
    oldest_pending_at: datetime | None


class WebhookOverview(BaseModel):
    pending: int
    oldest_pending_at: datetime | None
    failed_last_day: int
    failing_endpoints: list[WebhookEndpointHealth]
    disabled_endpoints: list[WebhookEndpointHealth]
