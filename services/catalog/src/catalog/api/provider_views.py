"""Rows as response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from catalog.api.provider_models import ApiKey, IssuedApiKey, KeyStatus, Provider
from catalog.domain.api_keys import SCHEME


def provider_view(row: Any, *, private: bool) -> Provider:
    return Provider(
        id=row.id,
        name=row.name,
        website=row.website,
        description=row.description,
        logo_url=row.logo_url,
        contact_email=row.contact_email if private else None,
        registered_at=row.registered_at,
        updated_at=row.updated_at,
    )


def key_status(row: Any, now: datetime) -> KeyStatus:
    if row.revoked_at is not None and row.revoked_at <= now:
        return "revoked"
    if row.expires_at is not None:
        return "expired" if row.expires_at <= now else "expiring"
    return "active"


def key_view(row: Any, now: datetime) -> ApiKey:
    return ApiKey(
        id=row.id,
        prefix=row.prefix,
        status=key_status(row, now),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def issued_view(row: Any, plaintext: str, now: datetime) -> IssuedApiKey:
    assert plaintext.startswith(f"{SCHEME}_{row.prefix}_")
    return IssuedApiKey(**key_view(row, now).model_dump(), key=plaintext)
