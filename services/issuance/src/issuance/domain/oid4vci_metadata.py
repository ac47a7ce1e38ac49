"""What this service tells wallets about itself (OpenID4VCI 1.0, RFC 8414): pure documents.

The credential issuer identifier is the public base URL; everything a wallet calls lives
under it, so one origin (the gateway) serves the whole flow.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

from issuance.credentials.document_loader import OB_V3P0_CONTEXT, VC_V2

CONFIGURATION_ID = "OpenBadgeCredential_ldp_vc"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer://"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_ALGORITHMS = ["EdDSA", "ES256"]
BINDING_METHODS = ["did:key", "did:jwk", "jwk"]


def _base(issuer: str) -> str:
    return issuer.rstrip("/")


def token_endpoint(issuer: str) -> str:
    return f"{_base(issuer)}/oid4vci/token"


def credential_endpoint(issuer: str) -> str:
    return f"{_base(issuer)}/oid4vci/credential"


def nonce_endpoint(issuer: str) -> str:
    return f"{_base(issuer)}/oid4vci/nonce"


def well_known_url(issuer: str, name: str) -> str:
    """Where ``/.well-known/<name>`` of an identifier lives: before its path (RFC 8414 §3)."""
    parts = urlsplit(_base(issuer))
    return f"{parts.scheme}://{parts.netloc}/.well-known/{name}{parts.path}"


def credential_issuer_metadata(issuer: str) -> dict[str, Any]:
    return {
        "credential_issuer": _base(issuer),
        "authorization_servers": [_base(issuer)],
        "credential_endpoint": credential_endpoint(issuer),
        "nonce_endpoint": nonce_endpoint(issuer),
        "display": [{"name": "credmarket", "locale": "en"}],
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": "ldp_vc",
                "scope": "OpenBadgeCredential",
                "cryptographic_binding_methods_supported": BINDING_METHODS,
                "credential_signing_alg_values_supported": [CRYPTOSUITE],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": PROOF_ALGORITHMS}
                },
                "credential_definition": {
                    "@context": [VC_V2, OB_V3P0_CONTEXT],
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                },
                "credential_metadata": {
                    "display": [{"name": "Open Badge (Open Badges 3.0)", "locale": "en"}]
                },
            }
        },
    }


def authorization_server_metadata(issuer: str) -> dict[str, Any]:
    return {
        "issuer": _base(issuer),
        "token_endpoint": token_endpoint(issuer),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
    }


def credential_offer(issuer: str, pre_authorized_code: str, tx_code: bool) -> dict[str, Any]:
    grant: dict[str, Any] = {"pre-authorized_code": pre_authorized_code}
    if tx_code:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": 6,
            "description": "The code shown next to the QR code on your credential page",
        }
    return {
        "credential_issuer": _base(issuer),
        "credential_configuration_ids": [CONFIGURATION_ID],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def credential_offer_uri(offer: dict[str, Any]) -> str:
    text = json.dumps(offer, separators=(",", ":"))
    return f"{OFFER_SCHEME}?credential_offer={quote(text, safe='')}"
