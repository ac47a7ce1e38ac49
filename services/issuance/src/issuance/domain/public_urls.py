"""Where the service publishes things, and recognising its own URLs and DIDs.

The verify endpoint resolves only what this service itself published (from its
database); recognising "ours" is a pure string rule over the public base URL.
"""

from __future__ import annotations

from uuid import UUID

from issuance.credentials.did_web import issuer_did


def _base(public_base_url: str) -> str:
    return public_base_url.rstrip("/")


def credential_url(public_base_url: str, credential_id: UUID) -> str:
    return f"{_base(public_base_url)}/credentials/{credential_id}"


def share_url(public_base_url: str, credential_id: UUID) -> str:
    return f"{credential_url(public_base_url, credential_id)}/share"


def status_list_url(public_base_url: str, list_id: UUID) -> str:
    return f"{_base(public_base_url)}/status-lists/{list_id}"


def issuer_profile_url(public_base_url: str, issuer_id: UUID) -> str:
    return f"{_base(public_base_url)}/issuers/{issuer_id}"


def did_for(public_base_url: str, issuer_id: UUID) -> str:
    return issuer_did(_base(public_base_url), str(issuer_id))


def _uuid_or_none(text: str) -> UUID | None:
    try:
        parsed = UUID(text)
    except ValueError:
        return None
    # Only the canonical spelling: another spelling of the same UUID is another DID/URL.
    return parsed if str(parsed) == text else None


def local_issuer_id(public_base_url: str, did: str) -> UUID | None:
    """The issuer id if ``did`` is one of this service's did:web identifiers, else None."""
    prefix = did_for(public_base_url, UUID(int=0)).removesuffix(str(UUID(int=0)))
    if not did.startswith(prefix):
        return None
    return _uuid_or_none(did.removeprefix(prefix))


def local_status_list_id(public_base_url: str, url: str) -> UUID | None:
    """The list id if ``url`` is one of this service's status list URLs, else None."""
    prefix = f"{_base(public_base_url)}/status-lists/"
    if not url.startswith(prefix):
        return None
    return _uuid_or_none(url.removeprefix(prefix))


def badge_png_url(public_base_url: str, credential_id: UUID) -> str:
    return f"{credential_url(public_base_url, credential_id)}/badge.png"


def badge_svg_url(public_base_url: str, credential_id: UUID) -> str:
    return f"{credential_url(public_base_url, credential_id)}/badge.svg"
