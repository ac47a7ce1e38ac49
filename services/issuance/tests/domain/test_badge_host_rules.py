"""Rules of the OB 3.0 API's OAuth: scopes, redirect URIs, PKCE."""

from __future__ import annotations

import base64
import hashlib

import pytest
from issuance.domain.badge_host_rules import (
    CREDENTIAL_READONLY,
    PROFILE_READONLY,
    BadgeHostRuleError,
    check_redirect_uri,
    parse_scopes,
    pkce_matches,
)


def test_scopes_must_be_known_and_within_what_was_allowed() -> None:
    assert parse_scopes(f"{CREDENTIAL_READONLY}  {PROFILE_READONLY}") == {
        CREDENTIAL_READONLY,
        PROFILE_READONLY,
    }
    with pytest.raises(BadgeHostRuleError, match="required"):
        parse_scopes("")
    with pytest.raises(BadgeHostRuleError, match="unknown"):
        parse_scopes("openid")
    with pytest.raises(BadgeHostRuleError, match="exceeds"):
        parse_scopes(CREDENTIAL_READONLY, frozenset({PROFILE_READONLY}))


@pytest.mark.parametrize(
    "uri",
    ["http://host.example/cb", "https://host.example/cb#frag", "/relative", "javascript:x"],
)
def test_redirect_uris_outside_dev_mode(uri: str) -> None:
    with pytest.raises(BadgeHostRuleError):
        check_redirect_uri(uri, dev_mode=False)


def test_dev_mode_allows_plain_http_only() -> None:
    assert check_redirect_uri("http://127.0.0.1:9/cb", dev_mode=True)
    with pytest.raises(BadgeHostRuleError):
        check_redirect_uri("ftp://host.example/cb", dev_mode=True)


def test_pkce_s256() -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert pkce_matches(verifier, challenge.decode())
    assert not pkce_matches("w" * 50, challenge.decode())
    assert not pkce_matches("short", challenge.decode())
