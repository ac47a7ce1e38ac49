"""Revoke a credential: flip its status bit and re-sign the list, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from credmarket_events.issuance import CredentialRevokedV1
from sqlalchemy.ext.asyncio import AsyncSession

from issuance.actions.keyring import current_signing_key
from issuance.actions.status_lists import set_bit
from issuance.actions.wallet_delivery import revoke_copies
from issuance.db import repository
from issuance.db.tables import Credential, EnrollmentRevocation
from issuance.domain.revocation import RevocationFacts, RevocationOutcome, decide_revocation
from issuance.runtime import IssuanceRuntime


@dataclass(frozen=True)
class RevokeResult:
    outcome: RevocationOutcome
    credential: Credential | None

    def revoked_event(self) -> CredentialRevokedV1 | None:
        """What to announce: the revocation just made, or None if none was made."""
        credential = self.credential
        if self.outcome is not RevocationOutcome.REVOKE or credential is None:
            return None
        assert credential.revoked_at is not None
        assert credential.revocation_reason is not None
        return CredentialRevokedV1(
            credential_id=credential.id,
            enrollment_id=credential.enrollment_id,
            reason=credential.revocation_reason,
            revoked_at=credential.revoked_at,
        )


async def _revoke(
    session: AsyncSession,
    credential: Credential | None,
    reason: str,
    rt: IssuanceRuntime,
    now: datetime,
) -> RevokeResult:
    outcome = decide_revocation(
        RevocationFacts(
            credential_exists=credential is not None,
            already_revoked=credential is not None and credential.revoked_at is not None,
        )
    )
    if outcome is not RevocationOutcome.REVOKE or credential is None:
        return RevokeResult(outcome, credential)
    # Lock the list row: concurrent revocations in one list each re-sign the bits
    # they read, so without the lock the later one would drop the earlier bit.
    status_list = await repository.get_status_list(session, credential.status_list_id, lock=True)
    assert status_list is not None, "credentials reference their list (foreign key)"
    key = await current_signing_key(session, credential.issuer_id, rt)
    set_bit(status_list, credential.status_index, key, rt, now)
    await revoke_copies(session, credential, rt, now)
    credential.revoked_at = now
    credential.revocation_reason = reason
    await session.flush()
    return RevokeResult(outcome, credential)


async def revoke_for_enrollment(
    session: AsyncSession, enrollment_id: UUID, reason: str, rt: IssuanceRuntime
) -> RevokeResult:
    """Revoke the enrollment's credential; without one, remember the revocation."""
    now = rt.clock()
    credential = await repository.credential_for_enrollment(session, enrollment_id, lock=True)
    result = await _revoke(session, credential, reason, rt, now)
    if (
        result.outcome is RevocationOutcome.NO_CREDENTIAL
        and await repository.enrollment_revocation(session, enrollment_id) is None
    ):
        session.add(
            EnrollmentRevocation(enrollment_id=enrollment_id, reason=reason, revoked_at=now)
        )
        await session.flush()
    return result


async def revoke_credential(
    session: AsyncSession, credential_id: UUID, reason: str, rt: IssuanceRuntime
) -> RevokeResult:
    credential = await repository.get_credential(session, credential_id, lock=True)
    return await _revoke(session, credential, reason, rt, rt.clock())
