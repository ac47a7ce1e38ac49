"""Which events a provider can subscribe to, and what orders each one's deliveries.

The names are the CloudEvents types the marketplace already emits: a provider
subscribes to exactly what travels on the bus, so there is no second vocabulary to
keep in step with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from credmarket_events.catalog import (
    OfferingPublishedV1,
    OfferingRetiredV1,
    WebhookEndpointDisabledV1,
)
from credmarket_events.enrollment import (
    EnrollmentActivatedV1,
    EnrollmentCancelledV1,
    EnrollmentCompletedV1,
    EnrollmentRevokedV1,
)
from credmarket_events.issuance import CredentialIssuedV1, CredentialRevokedV1

# Sent on demand by a provider to check its receiver; never on the bus.
PING_TYPE = "credmarket.catalog.webhook_endpoint.ping.v1"


@dataclass(frozen=True)
class Deliverable:
    event_type: str
    # Deliveries of one endpoint with the same key go out one at a time, in order.
    ordered_by: Literal["enrollment_id", "offering_id", "endpoint_id"]


DELIVERABLE: dict[str, Deliverable] = {
    d.event_type: d
    for d in (
        Deliverable(EnrollmentActivatedV1.event_type, "enrollment_id"),
        Deliverable(EnrollmentCancelledV1.event_type, "enrollment_id"),
        Deliverable(EnrollmentCompletedV1.event_type, "enrollment_id"),
        Deliverable(EnrollmentRevokedV1.event_type, "enrollment_id"),
        Deliverable(CredentialIssuedV1.event_type, "enrollment_id"),
        Deliverable(CredentialRevokedV1.event_type, "enrollment_id"),
        Deliverable(OfferingPublishedV1.event_type, "offering_id"),
        Deliverable(OfferingRetiredV1.event_type, "offering_id"),
        # To the provider's other endpoints: one of its receivers stopped getting events.
        Deliverable(WebhookEndpointDisabledV1.event_type, "endpoint_id"),
    )
}

SUBSCRIBABLE: tuple[str, ...] = tuple(sorted(DELIVERABLE))


def unknown_types(requested: list[str]) -> list[str]:
    return [t for t in requested if t not in DELIVERABLE]
