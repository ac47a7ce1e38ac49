"""Events the catalog consumes: none. It is the source of offerings, not a reader of
other services' events; the registry is here so the shape matches every service."""

from __future__ import annotations

from credmarket_platform.messaging.handlers import HandlerRegistry


def build_registry() -> HandlerRegistry:
    return HandlerRegistry()
