"""Bearer-token authentication and role checks."""

from credmarket_platform.auth.dependencies import (
    bearer_scheme,
    get_verifier,
    install_auth,
    optional_principal,
    require,
)
from credmarket_platform.auth.errors import KeysUnavailable, TokenRejected
from credmarket_platform.auth.jwks import build_jwks, public_jwk
from credmarket_platform.auth.jwks_cache import JwksKeySet
from credmarket_platform.auth.principal import ROLES, Principal, Role, canonical_subject
from credmarket_platform.auth.subject import subject_uuid
from credmarket_platform.auth.tokens import mint_token
from credmarket_platform.auth.verifier import TokenVerifier, TrustedIssuer

__all__ = [
    "ROLES",
    "JwksKeySet",
    "KeysUnavailable",
    "Principal",
    "Role",
    "TokenRejected",
    "TokenVerifier",
    "TrustedIssuer",
    "bearer_scheme",
    "build_jwks",
    "canonical_subject",
    "get_verifier",
    "install_auth",
    "mint_token",
    "optional_principal",
    "public_jwk",
    "require",
    "subject_uuid",
]
