"""What the catalog's routes, handlers and workers share for the life of the app: built
once, from the settings, by ``CatalogRuntime.from_settings``."""

from __future__ import annotations

from dataclasses import dataclass

from credmarket_platform.db import Database

from catalog.clock import Clock, SystemClock
from catalog.search.read_model import SearchReadModel
from catalog.security.signing_keys import SigningKeys
from catalog.settings import CatalogSettings
from catalog.webhooks.delivery import DeliveryWorker

SOURCE = "/catalog"


@dataclass(frozen=True)
class CatalogRuntime:
    settings: CatalogSettings
    db: Database
    signing_keys: SigningKeys
    # The key-encryption key: signing keys and webhook secrets are sealed with it.
    kek: bytes
    clock: Clock
    # None when search is answered by PostgreSQL (search_backend "database").
    search: SearchReadModel | None
    # None when this replica does not deliver webhooks (run_webhook_delivery off).
    delivery: DeliveryWorker | None

    @classmethod
    def from_settings(
        cls, settings: CatalogSettings, *, clock: Clock | None = None
    ) -> CatalogRuntime:
        """``clock``: what webhooks read the time from; tests move it on by days."""
        clock = clock or SystemClock()
        kek = settings.kek()
        db = Database.for_service(settings)
        return cls(
            settings=settings,
            db=db,
            signing_keys=SigningKeys(kek),
            kek=kek,
            clock=clock,
            search=SearchReadModel(settings) if settings.search_backend == "engine" else None,
            delivery=DeliveryWorker(db, kek, settings, clock)
            if settings.run_webhook_delivery
            else None,
        )
