"""Rows -> webhook response models."""

from __future__ import annotations

from typing import Any

from catalog.api.webhook_models import WebhookAttempt, WebhookEndpoint, WebhookMessage


def endpoint_view(row: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id,
        provider_id=row.provider_id,
        url=row.url,
        description=row.description,
        event_types=list(row.event_types),
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        disabled_at=row.disabled_at,
        failing_since=row.failing_since,
        last_error=row.last_error,
        last_success_at=row.last_success_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def message_view(row: Any, attempts: list[Any]) -> WebhookMessage:
    return WebhookMessage(
        id=row.id,
        event_id=row.event_id,
        event_type=row.event_type,
        status=row.status,
        attempts=row.attempts,
        event_time=row.event_time,
        enqueued_at=row.enqueued_at,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        last_attempt_at=row.last_attempt_at,
        delivered_at=row.delivered_at,
        recent_attempts=[
            WebhookAttempt(
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                error=a.error,
                latency_ms=a.latency_ms,
                response_excerpt=a.response_excerpt,
            )
            for a in attempts
        ],
    )
