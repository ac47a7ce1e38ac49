"""What payments' routes, handlers and sweeps share for the life of the app: built once,
from the settings, by ``PaymentsRuntime.from_settings``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from credmarket_platform.db import Database

from payments.settings import PaymentsSettings
from payments.stripe_gateway import StripeGateway

SOURCE = "/payments"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PaymentsRuntime:
    settings: PaymentsSettings
    db: Database
    stripe: StripeGateway
    clock: Callable[[], datetime] = field(default=utc_now)

    @classmethod
    def from_settings(
        cls, settings: PaymentsSettings, *, stripe: StripeGateway | None = None
    ) -> PaymentsRuntime:
        """``stripe``: tests give a gateway that misbehaves on purpose."""
        return cls(
            settings=settings,
            db=Database.for_service(settings),
            stripe=stripe or StripeGateway.from_settings(settings),
        )
