"""OAuth 2.0 for badge hosts (OB 3.0 API §6): registration, consent, codes, tokens, grants.

Every secret (client secret, authorization code, access and refresh token) is random,
given once and stored as a SHA-256 hash. A grant is the learner's consent: revoking it
ends every token it gave.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from issuance.db import badge_host_repository as repo
from issuance.db.tables import (
    BadgeHostAuthorization,
    BadgeHostClient,
    BadgeHostGrant,
    BadgeHostToken,
)
from issuance.domain.badge_host_rules import (
    ACCESS_TOKEN_TTL,
    AUTHORIZATION_TTL,
    CODE_TTL,
    MAX_REDIRECT_URIS,
    REFRESH_TOKEN_TTL,
    SCOPES,
    BadgeHostRuleError,
    check_redirect_uri,
    parse_scopes,
    pkce_matches,
)
from issuance.domain.oauth import OAuthError
from issuance.domain.wallet_offers import new_secret, secret_hash
from issuance.runtime import IssuanceRuntime


@dataclass(frozen=True)
class Registration:
    client: BadgeHostClient
    client_secret: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str


def _text(body: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise OAuthError("invalid_client_metadata", f"{name} must be text of 1-{limit} characters")
    return value.strip()


async def register_client(session: AsyncSession, body: Any, rt: IssuanceRuntime) -> Registration:
    if not isinstance(body, dict):
        raise OAuthError("invalid_client_metadata", "send the client metadata as a JSON object")
    name = _text(body, "client_name", 200, required=True)
    client_uri = _text(body, "client_uri", 2048)
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not 1 <= len(uris) <= MAX_REDIRECT_URIS:
        raise OAuthError("invalid_redirect_uri", f"redirect_uris: 1 to {MAX_REDIRECT_URIS} URIs")
    try:
        checked = [check_redirect_uri(uri, dev_mode=rt.dev_mode) for uri in uris]
        scope = parse_scopes(body.get("scope") or " ".join(SCOPES))
    except BadgeHostRuleError as exc:
        error = "invalid_redirect_uri" if "redirect" in str(exc) else "invalid_client_metadata"
        raise OAuthError(error, str(exc)) from None
    method = body.get("token_endpoint_auth_method", "client_secret_basic")
    if method != "client_secret_basic":
        raise OAuthError(
            "invalid_client_metadata", "token_endpoint_auth_method: client_secret_basic"
        )
    grant_types = body.get("grant_types", ["authorization_code", "refresh_token"])
    if not isinstance(grant_types, list) or not set(grant_types) <= {
        "authorization_code",
        "refresh_token",
    }:
        raise OAuthError(
            "invalid_client_metadata", "grant_types: authorization_code, refresh_token"
        )
    assert name is not None
    secret = new_secret()
    client = BadgeHostClient(
        client_id=secrets.token_urlsafe(24),
        secret_hash=secret_hash(secret),
        client_name=name,
        client_uri=client_uri,
        redirect_uris=checked,
        scope=" ".join(sorted(scope)),
        created_at=rt.clock(),
    )
    session.add(client)
    await session.flush()
    return Registration(client, secret)


async def authenticate_client(session: AsyncSession, authorization: str) -> BadgeHostClient:
    """The client named by HTTP Basic authentication (client_secret_basic)."""
    scheme, _, encoded = authorization.partition(" ")
    try:
        client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        client_id, secret = "", ""
    client = (
        await repo.get_client(session, client_id)
        if scheme.lower() == "basic" and client_id and len(client_id) <= 64
        else None
    )
    if client is None or not hmac.compare_digest(client.secret_hash, secret_hash(secret)):
        raise OAuthError("invalid_client", "client authentication failed", 401)
    return client


@dataclass(frozen=True)
class AuthorizationStart:
    """Where the browser goes next: the learner's consent page, or back with an error."""

    redirect_to: str


def with_query(uri: str, params: Mapping[str, str | None]) -> str:
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


async def start_authorization(
    session: AsyncSession, params: Mapping[str, str], rt: IssuanceRuntime
) -> AuthorizationStart:
    """Check an authorization request; errors before the redirect URI is trusted raise."""
    client_id = params.get("client_id", "")
    client = await repo.get_client(session, client_id) if 0 < len(client_id) <= 64 else None
    if client is None:
        raise OAuthError("invalid_client", "unknown client_id")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        raise OAuthError("invalid_request", "redirect_uri is not one the client registered")
    state = params.get("state")

    def back(error: str, description: str) -> AuthorizationStart:
        return AuthorizationStart(
            with_query(
                redirect_uri,
                {"error": error, "error_description": description, "state": state},
            )
        )

    if params.get("response_type") != "code":
        return back("unsupported_response_type", "response_type must be code")
    challenge = params.get("code_challenge", "")
    if params.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
        return back("invalid_request", "PKCE is required: code_challenge with method S256")
    if state is not None and len(state) > 1024:
        return back("invalid_request", "state is too long")
    try:
        scope = parse_scopes(params.get("scope"), frozenset(client.scope.split()))
    except BadgeHostRuleError as exc:
        return back("invalid_scope", str(exc))
    row = BadgeHostAuthorization(
        id=uuid.uuid4(),
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scope=" ".join(sorted(scope)),
        state=state,
        code_challenge=challenge,
        expires_at=rt.clock() + AUTHORIZATION_TTL,
    )
    session.add(row)
    await session.flush()
    return AuthorizationStart(with_query(rt.badge_host_consent_url, {"request": str(row.id)}))


@dataclass(frozen=True)
class PendingAuthorization:
    row: BadgeHostAuthorization
    client: BadgeHostClient


async def pending_authorization(
    session: AsyncSession, authorization_id: UUID, rt: IssuanceRuntime, *, lock: bool = False
) -> PendingAuthorization | None:
    row = await repo.get_authorization(session, authorization_id, lock=lock)
    if row is None or row.decision is not None or rt.clock() >= row.expires_at:
        return None
    client = await repo.get_client(session, row.client_id)
    assert client is not None, "authorizations reference their client (foreign key)"
    return PendingAuthorization(row, client)


async def decide(
    session: AsyncSession,
    authorization_id: UUID,
    learner_id: UUID,
    approve: bool,
    rt: IssuanceRuntime,
) -> str | None:
    """The learner's answer; where the browser goes back to (None: no such pending request)."""
    pending = await pending_authorization(session, authorization_id, rt, lock=True)
    if pending is None:
        return None
    row, now = pending.row, rt.clock()
    row.learner_id = learner_id
    if not approve:
        row.decision = "denied"
        return with_query(
            row.redirect_uri,
            {
                "error": "access_denied",
                "error_description": "the learner said no",
                "state": row.state,
            },
        )
    code = new_secret()
    row.decision = "approved"
    row.code_hash = secret_hash(code)
    row.code_expires_at = now + CODE_TTL
    await session.flush()
    return with_query(row.redirect_uri, {"code": code, "state": row.state})


async def _issue_tokens(
    session: AsyncSession, grant: BadgeHostGrant, rt: IssuanceRuntime
) -> Tokens:
    now = rt.clock()
    access, refresh = new_secret(), new_secret()
    session.add(
        BadgeHostToken(
            token_hash=secret_hash(access),
            grant_id=grant.id,
            kind="access",
            expires_at=now + ACCESS_TOKEN_TTL,
        )
    )
    session.add(
        BadgeHostToken(
            token_hash=secret_hash(refresh),
            grant_id=grant.id,
            kind="refresh",
            expires_at=now + REFRESH_TOKEN_TTL,
        )
    )
    await session.flush()
    return Tokens(access, refresh, int(ACCESS_TOKEN_TTL.total_seconds()), grant.scope)


async def exchange_code(
    session: AsyncSession,
    client: BadgeHostClient,
    form: Mapping[str, str],
    rt: IssuanceRuntime,
) -> Tokens:
    now = rt.clock()
    row = await repo.authorization_by_code(session, secret_hash(form.get("code", "")))
    if (
        row is None
        or row.client_id != client.client_id
        or row.code_expires_at is None
        or now >= row.code_expires_at
        or row.code_used_at is not None
        or row.learner_id is None
    ):
        raise OAuthError("invalid_grant", "unknown, expired or used authorization code")
    if form.get("redirect_uri") != row.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
    if not pkce_matches(form.get("code_verifier", ""), row.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    row.code_used_at = now
    grant = BadgeHostGrant(
        id=uuid.uuid4(),
        client_id=client.client_id,
        learner_id=row.learner_id,
        scope=row.scope,
        created_at=now,
    )
    session.add(grant)
    await session.flush()
    return await _issue_tokens(session, grant, rt)


async def refresh_tokens(
    session: AsyncSession,
    client: BadgeHostClient,
    form: Mapping[str, str],
    rt: IssuanceRuntime,
) -> Tokens:
    now = rt.clock()
    token = await repo.get_token(session, secret_hash(form.get("refresh_token", "")), lock=True)
    grant = await repo.get_grant(session, token.grant_id) if token is not None else None
    if (
        token is None
        or grant is None
        or token.kind != "refresh"
        or token.used_at is not None
        or now >= token.expires_at
        or grant.client_id != client.client_id
        or grant.revoked_at is not None
    ):
        raise OAuthError("invalid_grant", "unknown, expired or used refresh token")
    if form.get("scope"):
        try:
            parse_scopes(form["scope"], frozenset(grant.scope.split()))
        except BadgeHostRuleError as exc:
            raise OAuthError("invalid_scope", str(exc)) from None
    token.used_at = now  # rotated: a refresh token works once
    return await _issue_tokens(session, grant, rt)


async def grant_for_access_token(
    session: AsyncSession, access_token: str, rt: IssuanceRuntime
) -> BadgeHostGrant | None:
    token = await repo.get_token(session, secret_hash(access_token))
    if token is None or token.kind != "access" or rt.clock() >= token.expires_at:
        return None
    grant = await repo.get_grant(session, token.grant_id)
    return grant if grant is not None and grant.revoked_at is None else None


async def revoke_grant(
    session: AsyncSession, learner_id: UUID, grant_id: UUID, rt: IssuanceRuntime
) -> bool:
    grant = await repo.get_grant(session, grant_id)
    if grant is None or grant.learner_id != learner_id:
        return False
    if grant.revoked_at is None:
        now = rt.clock()
        grant.revoked_at = now
        await repo.expire_tokens(session, grant.id, now)
    return True


async def revoke_token(
    session: AsyncSession, client: BadgeHostClient, token: str, rt: IssuanceRuntime
) -> None:
    """End one token of the client's (unknown or others' tokens are ignored, RFC 7009)."""
    row = await repo.get_token(session, secret_hash(token), lock=True)
    grant = await repo.get_grant(session, row.grant_id) if row is not None else None
    if row is not None and grant is not None and grant.client_id == client.client_id:
        row.expires_at = min(row.expires_at, rt.clock())
