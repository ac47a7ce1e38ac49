"""The gateway's settings: port, CORS origins, rate limits, timeouts, body size.

Read from the environment (``CREDMARKET_GATEWAY_*``, ``CREDMARKET_CORS_ORIGINS``) so
the local stack, Docker Compose and tests configure it the same way; tests build a
``GatewaySettings`` directly with tighter limits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

DEFAULT_PORT = 8000
HOST = "127.0.0.1"
# The frontend's dev servers (Vite, and the usual `npm start`): the origins a developer
# has on day one. Production sets CREDMARKET_CORS_ORIGINS to the real frontend origins.
DEFAULT_CORS_ORIGINS = (
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
)

_RATE = re.compile(r"^(\d+)r/([sm])\Z")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?\Z")


@dataclass(frozen=True)
class RateLimit:
    """An nginx `limit_req` zone: `rate` like ``5r/m`` or ``20r/s``, and its burst."""

    rate: str
    burst: int

    def __post_init__(self) -> None:
        if not _RATE.match(self.rate):
            raise ValueError(f"rate {self.rate!r} is not like '5r/m' or '20r/s'")
        if self.burst < 0:
            raise ValueError("burst must be >= 0")

    @property
    def retry_after_s(self) -> int:
        """Seconds until the bucket has room for one more request (rounded up, >= 1)."""
        match = _RATE.match(self.rate)
        assert match is not None
        count, unit = int(match.group(1)), match.group(2)
        window = 60 if unit == "m" else 1
        return max(1, -(-window // count))


def _parse_origins(raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        # The origins land in the nginx config as quoted strings: accept only the shape
        # an origin has (scheme://host[:port]), nothing that could break out of a quote.
        if not _ORIGIN.match(origin):
            raise ValueError(f"CORS origin {origin!r} is not like https://host[:port]")
    return origins


@dataclass(frozen=True)
class GatewaySettings:
    port: int = DEFAULT_PORT
    cors_origins: tuple[str, ...] = DEFAULT_CORS_ORIGINS
    token_limit: RateLimit = field(default_factory=lambda: RateLimit("5r/m", 5))
    purchase_limit: RateLimit = field(default_factory=lambda: RateLimit("10r/m", 5))
    verify_limit: RateLimit = field(default_factory=lambda: RateLimit("20r/s", 40))
    # Public health: per address (ADR 0024).
    health_limit: RateLimit = field(default_factory=lambda: RateLimit("2r/s", 5))
    max_body_size: str = "1m"
    connect_timeout_s: int = 5
    read_timeout_s: int = 30
    cors_max_age_s: int = 600

    def __post_init__(self) -> None:
        _parse_origins(",".join(self.cors_origins))
        if not re.fullmatch(r"\d+[km]?", self.max_body_size):
            raise ValueError(f"max body size {self.max_body_size!r} is not like '1m'")

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def with_(self, **changes: object) -> GatewaySettings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _limit(env: Mapping[str, str], name: str, default: RateLimit) -> RateLimit:
    rate = env.get(f"CREDMARKET_GATEWAY_{name}_RATE") or default.rate
    burst = env.get(f"CREDMARKET_GATEWAY_{name}_BURST")
    return RateLimit(rate, int(burst) if burst else default.burst)


def gateway_settings_from_env(env: Mapping[str, str] | None = None) -> GatewaySettings:
    env = os.environ if env is None else env
    base = GatewaySettings()
    origins = env.get("CREDMARKET_CORS_ORIGINS")
    return GatewaySettings(
        port=int(env.get("CREDMARKET_GATEWAY_PORT") or base.port),
        cors_origins=_parse_origins(origins) if origins is not None else base.cors_origins,
        token_limit=_limit(env, "TOKEN", base.token_limit),
        purchase_limit=_limit(env, "PURCHASE", base.purchase_limit),
        verify_limit=_limit(env, "VERIFY", base.verify_limit),
        health_limit=_limit(env, "HEALTH", base.health_limit),
        max_body_size=env.get("CREDMARKET_GATEWAY_MAX_BODY_SIZE") or base.max_body_size,
        connect_timeout_s=int(
            env.get("CREDMARKET_GATEWAY_CONNECT_TIMEOUT_S") or base.connect_timeout_s
        ),
        read_timeout_s=int(env.get("CREDMARKET_GATEWAY_READ_TIMEOUT_S") or base.read_timeout_s),
        cors_max_age_s=int(env.get("CREDMARKET_GATEWAY_CORS_MAX_AGE_S") or base.cors_max_age_s),
    )


def gateway_base_url(env: Mapping[str, str] | None = None) -> str:
    """Where the local stack's gateway listens: the system's one public origin."""
    env = os.environ if env is None else env
    return f"http://{HOST}:{int(env.get('CREDMARKET_GATEWAY_PORT') or DEFAULT_PORT)}"
