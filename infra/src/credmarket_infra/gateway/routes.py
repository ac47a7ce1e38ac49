"""The public paths the gateway routes, rate-limits or treats specially: one list that the
nginx config and the merged OpenAPI document both read."""

from __future__ import annotations

SERVICES = ("catalog", "enrollment", "payments", "issuance")
# Issuance's public documents live at the root of the origin, unstripped, so that
# credential links and did:web identifiers have clean URLs.
ISSUANCE_PUBLIC_PREFIXES = ("/credentials/", "/issuers/", "/status-lists/")
# What wallets and badge hosts call, at the root of the origin (the credential issuer
# identifier is the origin), each under the public verify budget: anyone can call them.
WALLET_PATHS = (
    "= /.well-known/openid-credential-issuer",
    "= /.well-known/oauth-authorization-server",
    "/oid4vci/",
    "/ims/ob/v3p0/",
)
PROVIDER_TOKENS_PATH = "/catalog/v1/provider-tokens"
SEARCH_PATH = "/catalog/v1/offerings"
PURCHASE_PATH = "/enrollment/v1/enrollments"
VERIFY_PATH = "/issuance/v1/verify"
BAKED_VERIFY_PATH = "/issuance/v1/verify/baked"
# An enrollment's live status (ADR 0026), on enrollment's own path.
LIVE_STATUS_PATH = "/v1/enrollments/[0-9a-fA-F-]{36}/events"
# Longer than enrollment's heartbeat (15 s) by far: only a dead upstream is cut.
STREAM_READ_TIMEOUT_S = 3600
WEBHOOK_PATH = "/payments/v1/stripe/webhook"
