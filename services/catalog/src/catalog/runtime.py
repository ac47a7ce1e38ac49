"""What request handlers share for the life of the app: settings, database, signing keys."""

from __future__ import annotations

from dataclasses import dataclass

from credmarket_platform.db import Database
from fastapi import Request

from catalog.security.signing_keys import SigningKeys
from catalog.settings import CatalogSettings

SOURCE = "/catalog"


@dataclass(frozen=True)
class CatalogRuntime:
    settings: CatalogSettings
    db: Database
    signing_keys: SigningKeys


async def runtime(request: Request) -> CatalogRuntime:
    rt = request.app.state.catalog
    assert isinstance(rt, CatalogRuntime)
    return rt
