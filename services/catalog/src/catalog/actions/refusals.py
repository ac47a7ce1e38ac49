"""Why a catalog use case refused, besides the domain's own reasons
(catalog.domain.violations): the routes answer each as a problem (api/refusals.py)."""

from __future__ import annotations


class Missing(Exception):
    """No such thing, or another provider's: ids reveal nothing about others' records."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no such {what}")
        self.what = what


class ProviderNotRegistered(Exception):
    """The caller's provider id names no registered provider."""


class KeyUnusable(Exception):
    """The API key to be replaced is already revoked or expired."""
