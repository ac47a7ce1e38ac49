"""A learner offers their credential to a wallet; the wallet redeems the offer for a token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from issuance.db import wallet_repository
from issuance.db.tables import Credential, WalletOffer
from issuance.domain.oid4vci_metadata import credential_offer, credential_offer_uri
from issuance.domain.wallet_offers import (
    MAX_OPEN_OFFERS,
    OFFER_TTL,
    TOKEN_TTL,
    OfferFacts,
    RedeemOutcome,
    decide_redeem,
    issue_nonce,
    new_secret,
    new_tx_code,
    secret_hash,
)
from issuance.runtime import IssuanceRuntime

NONCE_PURPOSE = "oid4vci-nonce"


class TooManyOffersError(Exception):
    """The credential already has the most open offers a learner may hold at once."""


@dataclass(frozen=True)
class CreatedOffer:
    row: WalletOffer
    offer: dict[str, Any]
    uri: str
    tx_code: str | None


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: int


async def create_offer(
    session: AsyncSession, credential: Credential, with_tx_code: bool, rt: IssuanceRuntime
) -> CreatedOffer:
    now = rt.clock()
    if await wallet_repository.open_offer_count(session, credential.id, now) >= MAX_OPEN_OFFERS:
        raise TooManyOffersError(
            f"at most {MAX_OPEN_OFFERS} open wallet offers per credential; "
            "use one or wait until one expires"
        )
    code = new_secret()
    tx_code = new_tx_code(rt.randbelow) if with_tx_code else None
    row = WalletOffer(
        id=uuid.uuid4(),
        credential_id=credential.id,
        code_hash=secret_hash(code),
        tx_code_hash=secret_hash(tx_code) if tx_code is not None else None,
        expires_at=now + OFFER_TTL,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    offer = credential_offer(rt.public_base_url, code, tx_code is not None)
    return CreatedOffer(row, offer, credential_offer_uri(offer), tx_code)


async def redeem_offer(
    session: AsyncSession, code: str, tx_code: str | None, rt: IssuanceRuntime
) -> TokenGrant | RedeemOutcome:
    """An access token for the wallet, or why not (a wrong tx code is counted)."""
    now = rt.clock()
    row = await wallet_repository.offer_by_code(session, secret_hash(code))
    facts = (
        OfferFacts(
            row.expires_at, row.redeemed_at is not None, row.tx_code_hash, row.failed_tx_attempts
        )
        if row is not None
        else None
    )
    outcome = decide_redeem(facts, tx_code, now)
    if row is None or outcome is not RedeemOutcome.GRANTED:
        if row is not None and outcome is RedeemOutcome.WRONG_TX_CODE:
            row.failed_tx_attempts += 1
        return outcome
    token = new_secret()
    row.redeemed_at = now
    row.token_hash = secret_hash(token)
    row.token_expires_at = now + TOKEN_TTL
    await session.flush()
    return TokenGrant(token, int(TOKEN_TTL.total_seconds()))


def new_nonce(rt: IssuanceRuntime) -> str:
    return issue_nonce(rt.derived_secret(NONCE_PURPOSE), rt.clock())


def offer_expires_at(created: CreatedOffer) -> datetime:
    return created.row.expires_at
