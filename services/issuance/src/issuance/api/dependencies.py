"""Per-app objects the routes need, kept on ``app.state`` by the app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from credmarket_platform.db import Database, UnitOfWork
from fastapi import Depends, Request

from issuance.actions.dependencies import IssuanceDeps


async def get_database(request: Request) -> Database:
    db = request.app.state.database
    assert isinstance(db, Database)
    return db


async def get_deps(request: Request) -> IssuanceDeps:
    deps = request.app.state.issuance_deps
    assert isinstance(deps, IssuanceDeps)
    return deps


async def unit_of_work(db: Database = Depends(get_database)) -> AsyncIterator[UnitOfWork]:
    async with db.unit_of_work() as uow:
        yield uow
