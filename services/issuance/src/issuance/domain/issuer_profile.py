"""An issuer's public profile: built from the provider's, newest version wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from issuance.credentials.document_loader import OB_V3P0_CONTEXT, VC_V2
from issuance.credentials.ob3 import IssuerProfile


@dataclass(frozen=True)
class ProviderProfile:
    """What catalog tells us about a provider (registered or updated)."""

    provider_id: UUID
    name: str
    contact_email: str
    website: str | None
    description: str | None
    logo_url: str | None
    as_of: datetime


def should_apply(stored_as_of: datetime | None, incoming: ProviderProfile) -> bool:
    """Whether an incoming profile replaces the stored one.

    Events of one provider arrive in order, but a replayed dead letter can bring
    an old profile back; it must not overwrite a newer one.
    """
    return stored_as_of is None or incoming.as_of >= stored_as_of


def _http_url(value: str | None) -> str | None:
    # The OB schema wants URIs: an unusable website/logo is dropped, not fatal.
    if value is None:
        return None
    value = value.strip()
    if value.startswith(("https://", "http://")) and " " not in value:
        return value
    return None


def ob3_profile(
    did: str,
    name: str,
    *,
    url: str | None,
    email: str | None,
    image_url: str | None,
    description: str | None,
) -> IssuerProfile:
    """The ``Profile`` embedded in credentials (``issuer``)."""
    return IssuerProfile(
        id=did,
        name=name,
        url=_http_url(url),
        email=email,
        image_url=_http_url(image_url),
        description=description,
    )


def profile_document(profile: IssuerProfile) -> dict[str, Any]:
    """The stand-alone JSON-LD Profile served at ``/issuers/{id}``."""
    document: dict[str, Any] = {
        "@context": [VC_V2, OB_V3P0_CONTEXT],
        "id": profile.id,
        "type": ["Profile"],
        "name": profile.name,
    }
    if profile.url is not None:
        document["url"] = profile.url
    if profile.email is not None:
        document["email"] = profile.email
    if profile.description is not None:
        document["description"] = profile.description
    if profile.image_url is not None:
        document["image"] = {"id": profile.image_url, "type": "Image"}
    return document
