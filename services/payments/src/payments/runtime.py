"""What handlers, routes and sweeps share at run time: one object, built by the app."""

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


@dataclass
class Runtime:
    settings: PaymentsSettings
    db: Database
    stripe: StripeGateway
    clock: Callable[[], datetime] = field(default=utc_now)
