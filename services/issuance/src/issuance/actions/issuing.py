"""Issue one signed OpenBadgeCredential for a passed enrollment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from issuance.actions.issuers import issuer_profile
from issuance.actions.keyring import signing_key
from issuance.actions.status_lists import allocate_bit
from issuance.credentials import ob3
from issuance.credentials.schema import schema_errors
from issuance.credentials.status_list import build_status_entry
from issuance.db import repository
from issuance.db.tables import Credential
from issuance.domain.credential_content import Completion, credential_content
from issuance.domain.issuance_decision import IssuanceFacts, Outcome, decide_issuance
from issuance.domain.public_urls import status_list_url
from issuance.runtime import IssuanceRuntime


class IssuerNotReadyError(Exception):
    """The provider's issuer is unknown yet: its catalog event may still be on its way.

    Retryable on purpose: the consumer retries, and dead-letters it if the issuer
    never appears.
    """


class CredentialRejectedError(ValueError):
    """The completion cannot make a valid credential (it would never succeed)."""


@dataclass(frozen=True)
class IssueRequest:
    completion: Completion
    learner_id: UUID
    learner_name: str | None
    provider_id: UUID
    passed: bool


@dataclass(frozen=True)
class IssueResult:
    outcome: Outcome
    credential: Credential | None


async def issue_credential(
    session: AsyncSession, request: IssueRequest, rt: IssuanceRuntime
) -> IssueResult:
    enrollment_id = request.completion.enrollment_id
    facts = await repository.issuance_facts(session, enrollment_id, request.provider_id)
    existing, issuer = facts.credential, facts.issuer
    outcome = decide_issuance(
        IssuanceFacts(
            passed=request.passed,
            credential_exists=existing is not None,
            enrollment_revoked=facts.enrollment_revoked,
            issuer_exists=issuer is not None,
        )
    )
    if outcome is Outcome.ISSUER_UNKNOWN:
        raise IssuerNotReadyError(
            f"issuer for provider {request.provider_id} is not registered yet "
            f"(no ProviderRegisteredV1 consumed); enrollment {enrollment_id} waits for it"
        )
    if outcome is not Outcome.ISSUE or issuer is None:
        return IssueResult(outcome, existing)

    now = rt.clock()
    key = signing_key(facts.current_key, issuer.id, rt)
    status_list, index = await allocate_bit(session, issuer.id, key, rt, now)
    credential_id = uuid.uuid4()
    content = credential_content(request.completion, now)
    try:
        unsigned = ob3.build_open_badge_credential(
            credential_id=f"urn:uuid:{credential_id}",
            issuer=issuer_profile(issuer, rt),
            achievement=content.achievement,
            recipient=content.recipient,
            valid_from=content.valid_from,
            valid_until=content.valid_until,
            evidence=content.evidence,
            score=content.score,
            activity_end=content.activity_end,
            credential_status=build_status_entry(
                status_list_url(rt.public_base_url, status_list.id), index
            ),
        )
        signed = ob3.sign_open_badge(
            unsigned, key.private_key, key.verification_method, created=now
        )
    except ValueError as exc:  # ProofError is a ValueError too
        raise CredentialRejectedError(f"cannot build a credential: {exc}") from exc
    errors = schema_errors(signed)
    if errors:
        raise CredentialRejectedError(f"credential fails the OB 3.0 schema: {errors[:3]}")
    credential = Credential(
        id=credential_id,
        enrollment_id=enrollment_id,
        learner_id=request.learner_id,
        learner_name=request.learner_name,
        issuer_id=issuer.id,
        offering_id=request.completion.offering_id,
        achievement_name=request.completion.achievement_name,
        key_id=key.key_id,
        status_list_id=status_list.id,
        status_index=index,
        document=signed,
        issued_at=now,
        valid_until=content.valid_until,
    )
    session.add(credential)
    await session.flush()
    return IssueResult(Outcome.ISSUE, credential)
