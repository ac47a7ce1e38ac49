"""The read model of offerings, built from catalog's events.

Every version is kept (a learner pays the price of the version they bought);
the head says which version is current and whether the offering still sells.
Catalog's events for one offering share a partition, but replays and
redeliveries still bring stale or duplicate versions: they change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class OfferingStatus(StrEnum):
    PUBLISHED = "published"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class OfferingHead:
    offering_id: UUID
    provider_id: UUID
    current_version: int
    status: OfferingStatus
    changed_at: datetime


def apply_version(
    head: OfferingHead | None, *, offering_id: UUID, provider_id: UUID, version: int, at: datetime
) -> OfferingHead:
    """A published or updated version: it becomes current only if newer."""
    if head is None:
        return OfferingHead(offering_id, provider_id, version, OfferingStatus.PUBLISHED, at)
    if version <= head.current_version:
        return head
    # Retirement is final in catalog, so a newer version never revives an offering.
    return replace(head, current_version=version, changed_at=at)


def apply_retirement(
    head: OfferingHead | None, *, offering_id: UUID, provider_id: UUID, version: int, at: datetime
) -> OfferingHead:
    if head is None:
        return OfferingHead(offering_id, provider_id, version, OfferingStatus.RETIRED, at)
    if head.status is OfferingStatus.RETIRED:
        return head
    return replace(
        head,
        status=OfferingStatus.RETIRED,
        current_version=max(version, head.current_version),
        changed_at=at,
    )
