"""FastAPI dependencies: who is calling, and may they call this endpoint.

    @router.get("/me/enrollments")
    async def mine(principal: Principal = require("learner")) -> ...

Using ``HTTPBearer`` makes FastAPI list the bearer scheme in the OpenAPI document and
mark every endpoint that depends on it as secured.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from credmarket_platform.auth.errors import KeysUnavailable, TokenRejected
from credmarket_platform.auth.principal import ROLES, Principal, Role
from credmarket_platform.auth.verifier import TokenVerifier
from credmarket_platform.http import problem_types
from credmarket_platform.http.contract import documents
from credmarket_platform.http.problems import ProblemError
from credmarket_platform.settings import ServiceSettings

SECURITY_SCHEME_NAME = "BearerJWT"
_VERIFIER_ATTR = "token_verifier"

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name=SECURITY_SCHEME_NAME,
    bearerFormat="JWT",
    description="A JWT from a trusted issuer, with `aud` = the platform audience and a "
    "`role` claim of learner, provider or ops.",
)


def install_auth(
    app: FastAPI,
    settings: ServiceSettings | None = None,
    *,
    verifier: TokenVerifier | None = None,
) -> TokenVerifier:
    """Store the verifier on ``app.state``; built from settings unless given explicitly."""
    if verifier is None:
        if settings is None:
            raise ValueError("install_auth needs settings or a verifier")
        verifier = TokenVerifier.from_settings(settings)
    setattr(app.state, _VERIFIER_ATTR, verifier)
    return verifier


def get_verifier(app: Any) -> TokenVerifier:
    verifier = getattr(app.state, _VERIFIER_ATTR, None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError("no TokenVerifier on app.state; call install_auth(app, ...)")
    return verifier


def _unauthorized(detail: str, error: str = "invalid_token") -> ProblemError:
    # RFC 6750: the challenge tells the client to (re)authenticate with a bearer token.
    challenge = 'Bearer realm="credmarket"'
    if error:
        challenge += f', error="{error}"'
    return ProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": challenge})


async def optional_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
) -> Principal | None:
    """The caller, or None without a token. A token that is present but bad is a 401:
    silently treating it as anonymous would hide the client's bug."""
    if request.headers.get("authorization") and credentials is None:
        raise _unauthorized("the Authorization header must be `Bearer <token>`")
    if credentials is None:
        return None
    try:
        return await get_verifier(request.app).verify(credentials.credentials)
    except TokenRejected as exc:
        raise _unauthorized(str(exc)) from None
    except KeysUnavailable:
        raise ProblemError(
            503,
            "Authentication unavailable",
            "The token issuer's keys can't be fetched right now; retry shortly.",
            headers={"Retry-After": "5"},
        ) from None


documents(
    optional_principal,
    problems=[problem_types.UNAUTHORIZED, problem_types.TEMPORARILY_UNAVAILABLE],
)


def require(*roles: Role) -> Any:
    """A dependency yielding the caller's Principal; 401 without a valid token, 403 when
    the caller's role isn't one of ``roles`` (no roles given: any authenticated caller)."""
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    allowed = frozenset(roles)

    async def authorized(principal: Principal | None = Depends(optional_principal)) -> Principal:
        if principal is None:
            raise _unauthorized("a bearer token is required", error="")
        if allowed and principal.role not in allowed:
            raise ProblemError(
                403,
                "Forbidden",
                f"this endpoint is for role(s) {', '.join(sorted(allowed))}",
            )
        return principal

    documents(authorized, problems=[problem_types.FORBIDDEN] if allowed else [])
    return Depends(authorized)
