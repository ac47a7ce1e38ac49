"""What a badge host may do for the learner who authorised it (OB 3.0 API §6.2).

getCredentials returns the learner's credentials issued here, then those hosts put in
(upsertCredential); a credential of ours a host receives for the first time is a
CredentialDeliveredV1. A host can never replace a credential this service issued.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from credmarket_events.issuance import CredentialDeliveredV1
from sqlalchemy.ext.asyncio import AsyncSession

from issuance.db import badge_host_repository as repo
from issuance.db.tables import BadgeHostGrant, HostedCredential
from issuance.domain.badge_host_rules import MAX_PAGE, host_holder_id
from issuance.runtime import IssuanceRuntime

MAX_OFFSET = 100_000
CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


class UpsertRefusedError(ValueError):
    """The document cannot be stored for the learner (the message says why)."""


@dataclass(frozen=True)
class CredentialPage:
    credentials: list[dict[str, Any]]
    total: int
    delivered: list[CredentialDeliveredV1]


async def get_credentials(
    session: AsyncSession,
    grant: BadgeHostGrant,
    *,
    limit: int,
    offset: int,
    since: datetime | None,
    rt: IssuanceRuntime,
) -> CredentialPage:
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, min(offset, MAX_OFFSET))
    ours, ours_total = await repo.learner_credentials(
        session, grant.learner_id, since, offset, limit
    )
    hosted_offset = max(0, offset - ours_total)
    hosted, hosted_total = await repo.hosted_credentials(
        session, grant.learner_id, since, hosted_offset, limit - len(ours)
    )
    now = rt.clock()
    first_time = await repo.record_deliveries(session, grant.client_id, [c.id for c in ours], now)
    delivered = [
        CredentialDeliveredV1(
            credential_id=c.id,
            enrollment_id=c.enrollment_id,
            learner_id=c.learner_id,
            issuer_id=c.issuer_id,
            channel="ob3_api",
            holder_id=host_holder_id(grant.client_id),
            delivered_credential_id=c.id,
            delivered_at=now,
        )
        for c in ours
        if c.id in first_time
    ]
    documents = [c.document for c in ours] + [h.document for h in hosted]
    return CredentialPage(documents, ours_total + hosted_total, delivered)


async def upsert_credential(
    session: AsyncSession, grant: BadgeHostGrant, document: Any, rt: IssuanceRuntime
) -> bool:
    """Store or replace a credential in the learner's account; True if it was new."""
    if not isinstance(document, dict):
        raise UpsertRefusedError("send one credential as a JSON object")
    credential_id = document.get("id")
    types = document.get("type")
    if not isinstance(credential_id, str) or not 0 < len(credential_id) <= 2048:
        raise UpsertRefusedError("the credential needs an id (a URI of at most 2048 characters)")
    if not isinstance(types, list) or not CREDENTIAL_TYPES & {
        t for t in types if isinstance(t, str)
    }:
        raise UpsertRefusedError("type must include OpenBadgeCredential or AchievementCredential")
    if await repo.any_issued_here(session, [credential_id]):
        raise UpsertRefusedError("a credential issued by this service cannot be replaced")
    now = rt.clock()
    return await repo.upsert_hosted(
        session,
        HostedCredential(
            id=uuid.uuid4(),
            learner_id=grant.learner_id,
            credential_key=credential_id,
            document=document,
            client_id=grant.client_id,
            created_at=now,
            updated_at=now,
        ),
    )


def learner_profile(grant: BadgeHostGrant, name: str | None) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:{grant.learner_id}",
        "type": ["Profile"],
    }
    if name:
        profile["name"] = name
    return profile
