"""Why a token was not accepted. Messages are safe to show to the caller."""

from __future__ import annotations


class TokenRejected(Exception):
    """The token is missing, malformed, expired, or not from a trusted issuer (HTTP 401)."""


class KeysUnavailable(Exception):
    """The issuer's keys could not be fetched, so no verdict is possible (HTTP 503)."""
