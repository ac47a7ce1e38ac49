"""What request handlers share for the life of the app: settings, database, signing keys,
the search read model, the KEK and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from credmarket_platform.db import Database
from fastapi import Request

from catalog.clock import Clock, SystemClock
from catalog.search.read_model import SearchReadModel
from catalog.security.signing_keys import SigningKeys
from catalog.settings import CatalogSettings

SOURCE = "/catalog"


@dataclass(frozen=True)
class CatalogRuntime:
    settings: CatalogSettings
    db: Database
    signing_keys: SigningKeys
    # None when search is answered by PostgreSQL (search_backend "database").
    search: SearchReadModel | None = None
    # The key-encryption key: webhook secrets are sealed with it too.
    kek: bytes = b""
    clock: Clock = field(default_factory=SystemClock)


async def runtime(request: Request) -> CatalogRuntime:
    rt = request.app.state.catalog
    assert isinstance(rt, CatalogRuntime)
    return rt
