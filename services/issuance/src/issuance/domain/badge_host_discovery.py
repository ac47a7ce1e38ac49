"""The OB 3.0 API's Service Description Document (OB 3.0 §6.3.1): a pure document."""

from __future__ import annotations

from typing import Any

from issuance.domain.badge_host_rules import SCOPE_TEXT

API_PATH = "/ims/ob/v3p0"


def api_base(public_base_url: str) -> str:
    return f"{public_base_url.rstrip('/')}{API_PATH}"


def service_description(public_base_url: str) -> dict[str, Any]:
    base = api_base(public_base_url)
    return {
        "openapi": "3.0.1",
        "info": {
            "title": "credmarket Open Badges 3.0 API",
            "version": "3.0",
            "description": "The learner's credentials from credmarket, for badge hosts and "
            "wallets they authorise.",
            "termsOfService": f"{public_base_url.rstrip('/')}/terms",
            "x-imssf-privacyPolicyUrl": f"{public_base_url.rstrip('/')}/privacy",
        },
        "servers": [{"url": base, "description": "credmarket"}],
        "paths": {
            "/credentials": {
                "get": {
                    "operationId": "getCredentials",
                    "security": [
                        {
                            "OAuth2ACG": [
                                "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"
                            ]
                        }
                    ],
                },
                "post": {
                    "operationId": "upsertCredential",
                    "security": [
                        {
                            "OAuth2ACG": [
                                "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
                            ]
                        }
                    ],
                },
            },
            "/profile": {
                "get": {
                    "operationId": "getProfile",
                    "security": [
                        {
                            "OAuth2ACG": [
                                "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly"
                            ]
                        }
                    ],
                },
            },
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 authorization code grant with PKCE (S256)",
                    "x-imssf-registrationUrl": f"{base}/auth/register",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": f"{base}/auth/authorize",
                            "tokenUrl": f"{base}/auth/token",
                            "refreshUrl": f"{base}/auth/token",
                            "x-imssf-revocationUrl": f"{base}/auth/revoke",
                            "scopes": dict(SCOPE_TEXT),
                        }
                    },
                }
            },
        },
    }
