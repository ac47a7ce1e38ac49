"""One function per consumed event type.

Two registries, consumed by two consumer groups: providers (catalog) and
enrollments. A completion whose issuer is not known yet is retried; were both
streams one group, the retrying completion would hold back the very provider
event it waits for.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from credmarket_events.catalog import ProviderRegisteredV1, ProviderUpdatedV1
from credmarket_events.enrollment import EnrollmentCompletedV1, EnrollmentRevokedV1
from credmarket_events.issuance import CredentialIssuedV1
from credmarket_platform.messaging.handlers import (
    HandlerContext,
    HandlerRegistry,
    NonRetryableError,
)

from issuance.actions.issuers import apply_provider_profile
from issuance.actions.issuing import CredentialRejectedError, IssueRequest, issue_credential
from issuance.actions.revoking import revoke_for_enrollment
from issuance.domain.credential_content import Completion
from issuance.domain.issuance_decision import Outcome
from issuance.domain.issuer_profile import ProviderProfile
from issuance.domain.public_urls import share_url
from issuance.domain.revocation import normalise_reason
from issuance.runtime import IssuanceRuntime

log = logging.getLogger(__name__)


def _profile(data: ProviderRegisteredV1 | ProviderUpdatedV1, *, as_of: datetime) -> ProviderProfile:
    return ProviderProfile(
        provider_id=data.provider_id,
        name=data.name,
        contact_email=data.contact_email,
        website=data.website,
        description=data.description,
        logo_url=data.logo_url,
        as_of=as_of,
    )


async def handle_provider_registered(
    ctx: HandlerContext[ProviderRegisteredV1], rt: IssuanceRuntime
) -> None:
    profile = _profile(ctx.data, as_of=ctx.data.registered_at)
    await apply_provider_profile(ctx.uow.session, profile, rt)


async def handle_provider_updated(
    ctx: HandlerContext[ProviderUpdatedV1], rt: IssuanceRuntime
) -> None:
    # The whole profile travels, so an update for an unknown provider creates it.
    profile = _profile(ctx.data, as_of=ctx.data.updated_at)
    await apply_provider_profile(ctx.uow.session, profile, rt)


async def handle_enrollment_completed(
    ctx: HandlerContext[EnrollmentCompletedV1], rt: IssuanceRuntime
) -> None:
    data = ctx.data
    achievement = data.achievement
    request = IssueRequest(
        completion=Completion(
            enrollment_id=data.enrollment_id,
            offering_id=data.offering_id,
            learner_email=data.learner_email,
            achievement_id=achievement.achievement_id,
            achievement_name=achievement.name,
            achievement_description=achievement.description,
            criteria_narrative=achievement.criteria_narrative,
            achievement_image_url=achievement.image_url,
            valid_for_days=achievement.valid_for_days,
            score=data.result.score,
            evidence_url=data.result.evidence_url,
            evidence_narrative=data.result.evidence_narrative,
            completed_at=data.completed_at,
        ),
        learner_id=data.learner_id,
        learner_name=data.learner_name,
        provider_id=data.provider_id,
        passed=data.result.passed,
    )
    try:
        result = await issue_credential(ctx.uow.session, request, rt)
    except CredentialRejectedError as exc:
        raise NonRetryableError(str(exc)) from exc
    if result.outcome is not Outcome.ISSUE or result.credential is None:
        log.info("no credential for enrollment %s: %s", data.enrollment_id, result.outcome)
        return
    credential = result.credential
    ctx.emit(
        CredentialIssuedV1(
            credential_id=credential.id,
            enrollment_id=credential.enrollment_id,
            learner_id=credential.learner_id,
            issuer_id=credential.issuer_id,
            public_url=share_url(rt.public_base_url, credential.id),
            issued_at=credential.issued_at,
            valid_until=credential.valid_until,
        )
    )


async def handle_enrollment_revoked(
    ctx: HandlerContext[EnrollmentRevokedV1], rt: IssuanceRuntime
) -> None:
    data = ctx.data
    try:
        reason = normalise_reason(data.reason)
    except ValueError as exc:
        raise NonRetryableError(str(exc)) from exc
    result = await revoke_for_enrollment(ctx.uow.session, data.enrollment_id, reason, rt)
    event = result.revoked_event()
    if event is None:
        log.info("nothing to revoke for enrollment %s: %s", data.enrollment_id, result.outcome)
        return
    ctx.emit(event)


def provider_registry(rt: IssuanceRuntime) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register(ProviderRegisteredV1, partial(handle_provider_registered, rt=rt))
    registry.register(ProviderUpdatedV1, partial(handle_provider_updated, rt=rt))
    return registry


def enrollment_registry(rt: IssuanceRuntime) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register(EnrollmentCompletedV1, partial(handle_enrollment_completed, rt=rt))
    registry.register(EnrollmentRevokedV1, partial(handle_enrollment_revoked, rt=rt))
    return registry
