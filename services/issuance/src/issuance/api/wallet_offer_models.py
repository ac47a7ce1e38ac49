"""Request/response models of wallet offers (OpenID4VCI credential offers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class WalletOfferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tx_code: bool = Field(
        default=True,
        description="Protect the offer with a 6-digit transaction code the wallet asks for "
        "(recommended: whoever sees the QR code alone cannot take the credential).",
    )


class WalletOfferOut(BaseModel):
    id: UUID
    credential_id: UUID
    credential_offer: dict[str, Any] = Field(description="The OpenID4VCI credential offer.")
    credential_offer_uri: str = Field(
        description="openid-credential-offer:// link: open it on the phone holding the wallet."
    )
    qr_code: str = Field(description="The link as a QR code (an SVG data: URI for an <img>).")
    tx_code: str | None = Field(
        description="Shown once: the wallet asks for it. Not stored anywhere in clear."
    )
    expires_at: datetime
