"""A credential's two public links, from the one issuance announces.

CredentialIssuedV1.public_url is the credential's share page (`…/credentials/<id>/share`,
for people); the signed document (JSON-LD, for machines) is that page's parent: issuance
publishes both under one public base (issuance.domain.public_urls).
"""

from __future__ import annotations

SHARE_SUFFIX = "/share"


def credential_url(share_url: str | None) -> str | None:
    if share_url is None or not share_url.endswith(SHARE_SUFFIX):
        return None
    return share_url.removesuffix(SHARE_SUFFIX)
