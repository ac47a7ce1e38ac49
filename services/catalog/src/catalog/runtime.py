"""What request handlers share for the life of the app: settings, database, signing keys,
and the search read model."""

from __future__ import annotations

from dataclasses import dataclass

from credmarket_platform.db import Database
from fastapi import Request

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


async def runtime(request: Request) -> CatalogRuntime:
    rt = request.app.state.catalog
    assert isinstance(rt, CatalogRuntime)
    return rt
