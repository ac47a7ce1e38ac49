"""Where each service's API is: behind the gateway (one origin, by prefix) or direct."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Routes:
    """`gateway` set: every call goes through it as `/<service>/...`; else to each service."""

    services: dict[str, str] = field(default_factory=dict)
    gateway: str | None = None

    def url(self, service: str, path: str) -> str:
        if self.gateway is not None:
            return f"{self.gateway}/{service}{path}"
        return f"{self.services[service]}{path}"

    @classmethod
    def local(cls, gateway: str | None = None) -> Routes:
        return cls(
            services={
                "catalog": "http://127.0.0.1:8001",
                "enrollment": "http://127.0.0.1:8002",
                "payments": "http://127.0.0.1:8003",
                "issuance": "http://127.0.0.1:8004",
            },
            gateway=gateway,
        )
