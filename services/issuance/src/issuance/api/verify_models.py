"""Request/response models of the verify endpoint."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class CheckOut(BaseModel):
    name: str = Field(description="structure, schema, issuer_key, signature, dates, status, ...")
    passed: bool
    detail: str


class VerificationReport(BaseModel):
    valid: bool = Field(description="True only if every check passed.")
    status: Literal["valid", "revoked", "expired", "invalid"]
    issuer: str | None = Field(description="The credential's issuer id, as stated.")
    issued_here: bool = Field(
        description="The issuer is one of this service's; its keys and status lists were "
        "resolved locally."
    )
    checks: list[CheckOut]
