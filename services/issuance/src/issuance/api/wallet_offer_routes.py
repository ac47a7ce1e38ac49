"""POST /v1/credentials/{id}/wallet-offers: the learner sends their credential to a wallet."""

from __future__ import annotations

from uuid import UUID

import segno
from credmarket_platform.auth import Principal, require
from credmarket_platform.db import UnitOfWork
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, status

from issuance.actions.wallet_offers import TooManyOffersError, create_offer
from issuance.api.dependencies import get_runtime, get_unit_of_work
from issuance.api.wallet_offer_models import WalletOfferOut, WalletOfferRequest
from issuance.db import repository
from issuance.runtime import IssuanceRuntime

router = APIRouter(prefix="/v1/credentials", tags=["wallets"])


@router.post(
    "/{credential_id}/wallet-offers",
    summary="Offer the credential to a wallet (OpenID4VCI pre-authorized code, QR code)",
    status_code=status.HTTP_201_CREATED,
    response_model=WalletOfferOut,
    responses=problem_responses(pt.NOT_FOUND, pt.CREDENTIAL_REVOKED, pt.TOO_MANY_OFFERS),
)
async def create_wallet_offer(
    credential_id: UUID,
    body: WalletOfferRequest | None = None,
    principal: Principal = require("learner"),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> WalletOfferOut:
    credential = await repository.get_credential(uow.session, credential_id)
    # Only its owner may send it away; to anyone else it does not exist.
    if credential is None or not principal.is_subject(credential.learner_id):
        raise ProblemError(404, "Not found", "No credential with this id.")
    if credential.revoked_at is not None:
        raise ProblemError(
            409,
            "Credential revoked",
            "A revoked credential cannot be sent to a wallet.",
            type_="urn:credmarket:problem:credential-revoked",
        )
    try:
        created = await create_offer(
            uow.session, credential, (body or WalletOfferRequest()).tx_code, rt
        )
    except TooManyOffersError as exc:
        raise ProblemError(
            429, "Too many open offers", str(exc), type_="urn:credmarket:problem:too-many-offers"
        ) from None
    await uow.commit()
    return WalletOfferOut(
        id=created.row.id,
        credential_id=credential.id,
        credential_offer=created.offer,
        credential_offer_uri=created.uri,
        qr_code=segno.make(created.uri, error="m").svg_data_uri(scale=4),
        tx_code=created.tx_code,
        expires_at=created.row.expires_at,
    )
