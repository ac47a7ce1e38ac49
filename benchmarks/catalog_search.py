"""PostgreSQL search (the fallback backend) at 100,000 offerings: p50/p99, SQL and HTTP.

The engine that serves search now, and PostgreSQL next to it: benchmarks.search_engine.

    uv run python benchmarks/catalog_search.py [--offerings 100000] [--runs 50]

Creates a scratch database on the local stack's PostgreSQL, applies the catalog
migrations, loads offerings with COPY, then times each query through the repository
(SQL) and through the HTTP API (httpx ASGITransport, app lifespan without the relay).
The scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import catalog
import httpx
from catalog.app import create_app
from catalog.db import search_queries
from catalog.domain.search_query import SearchQuery, SortOrder
from catalog.settings import CatalogSettings
from credmarket_platform.db import Database
from credmarket_platform.db.migrations import upgrade_async
from credmarket_testing.infra import infra_from_env, read_env_file

WORDS = [
    "python",
    "data",
    "analysis",
    "machine",
    "learning",
    "statistics",
    "sql",
    "databases",
    "cloud",
    "security",
    "networking",
    "design",
    "leadership",
    "management",
    "finance",
    "accounting",
    "marketing",
    "writing",
    "spanish",
    "german",
    "kubernetes",
    "docker",
    "devops",
    "testing",
    "agile",
    "scrum",
    "excel",
    "visualization",
    "ethics",
    "privacy",
    "law",
    "negotiation",
    "sales",
    "photography",
    "music",
    "history",
    "biology",
    "chemistry",
]
SKILLS = [w for w in WORDS[:30]]
LEVELS = ["beginner", "intermediate", "advanced", "expert"]
LANGS = ["en", "en-GB", "de", "fr", "es"]
CURRENCIES = ["EUR", "USD", "GBP"]

QUERIES: dict[str, SearchQuery] = {
    "text: python": SearchQuery(text="python"),
    "text: machine learning": SearchQuery(text="machine learning"),
    "text: rare phrase": SearchQuery(text='"ethics privacy" -python'),
    "text + skill + level": SearchQuery(text="data", skill="sql", level="beginner"),
    "newest (no filter)": SearchQuery(),
    "skill + language": SearchQuery(skill="docker", language="en"),
    "free, newest": SearchQuery(free=True),
    "price range EUR asc": SearchQuery(
        price_min=1000, price_max=5000, currency="EUR", sort=SortOrder.PRICE_ASC
    ),
    "provider, price desc": SearchQuery(sort=SortOrder.PRICE_DESC),  # provider set later
}


def rows(n: int, providers: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    rnd = random.Random(42)
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        title = " ".join(rnd.sample(WORDS, 4)).title()
        description = " ".join(rnd.choices(WORDS, k=40))
        skills = sorted(set(rnd.sample(SKILLS, 3)))
        price = 0 if rnd.random() < 0.15 else rnd.randrange(500, 50000, 100)
        published = now - timedelta(minutes=i)
        achievement = {
            "name": title,
            "description": "d",
            "criteria_narrative": "c",
            "image_url": None,
            "valid_for_days": None,
        }
        out.append(
            (
                uuid.uuid4(),
                rnd.choice(providers),
                "published",
                1,
                title,
                description,
                skills,
                " ".join(skills),
                rnd.choice(LEVELS),
                rnd.randrange(30, 600),
                rnd.choice(LANGS),
                price,
                rnd.choice(CURRENCIES),
                json.dumps(achievement),
                published,
                published,
                published,
            )
        )
    return out


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def params_of(q: SearchQuery) -> dict[str, Any]:
    fields = {
        "q": q.text,
        "skill": q.skill,
        "provider_id": q.provider_id,
        "language": q.language,
        "level": q.level,
        "free": q.free,
        "price_min": q.price_min,
        "price_max": q.price_max,
        "currency": q.currency,
        "sort": q.sort.value if q.sort else None,
        "limit": q.limit,
    }
    return {
        k: (str(v).lower() if isinstance(v, bool) else str(v))
        for k, v in fields.items()
        if v is not None
    }


def stack_env() -> Any:
    return infra_from_env(os.environ) or infra_from_env(
        read_env_file(Path(__file__).resolve().parents[1] / ".stack" / "stack.env")
    )


OFFERING_COLUMNS = [
    "id",
    "provider_id",
    "status",
    "version",
    "title",
    "description",
    "skills",
    "skills_text",
    "level",
    "duration_minutes",
    "language",
    "price_amount",
    "price_currency",
    "achievement",
    "created_at",
    "updated_at",
    "published_at",
]


async def copy_providers(conn: asyncpg.Connection, providers: list[tuple[uuid.UUID, str]]) -> None:
    now = datetime.now(UTC)
    await conn.copy_records_to_table(
        "providers",
        records=[(p, name, None, None, None, "p@x.example", now, now) for p, name in providers],
        columns=[
            "id",
            "name",
            "website",
            "description",
            "logo_url",
            "contact_email",
            "registered_at",
            "updated_at",
        ],
    )


async def copy_catalog(conn: asyncpg.Connection, n: int) -> list[tuple[Any, ...]]:
    """n published offerings of 200 providers, by COPY; returns the offering rows."""
    providers = [uuid.uuid4() for _ in range(200)]
    await copy_providers(conn, [(p, f"P{i}") for i, p in enumerate(providers)])
    records = list(rows(n, providers))
    await conn.copy_records_to_table("offerings", records=records, columns=OFFERING_COLUMNS)
    # As autovacuum would leave it: COPY puts every row in the GIN pending list,
    # which each text search then scans linearly until a vacuum merges it.
    await conn.execute("VACUUM ANALYZE offerings")
    return records


async def main(n: int, runs: int) -> None:
    env = stack_env()
    assert env is not None, "no local stack: run ./dev up"
    name = f"bench_catalog_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(env.admin_dsn())
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = env.database_url(name)
    try:
        await upgrade_async(Path(catalog.__file__).parent / "db" / "migrations", url)
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        started = time.perf_counter()
        records = await copy_catalog(conn, n)
        print(
            f"loaded {n} offerings in {time.perf_counter() - started:.1f}s (COPY + VACUUM ANALYZE)"
        )
        await conn.close()

        queries = dict(QUERIES)
        queries["provider, price desc"] = SearchQuery(
            provider_id=records[0][1], sort=SortOrder.PRICE_DESC
        )
        db = Database(url)
        print(
            f"\n{'query':<26}{'hits/page':>10}{'SQL p50':>10}{'SQL p99':>10}"
            f"{'HTTP p50':>10}{'HTTP p99':>10}   (ms, {runs} runs each)"
        )
        settings = CatalogSettings(
            database_url=url,
            dev_mode=True,
            run_relay=False,
            run_consumer=False,
            search_backend="database",
            log_level="WARNING",
            signing_kek=base64.b64encode(os.urandom(32)).decode(),
        )
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as client,
        ):
            for label, query in queries.items():
                sql: list[float] = []
                hits = 0
                for _ in range(runs):
                    t0 = time.perf_counter()
                    async with db.unit_of_work() as uow:
                        found = await search_queries.search(
                            uow.session, query, None, settings.ranked_candidates
                        )
                    sql.append((time.perf_counter() - t0) * 1000)
                    hits = len(found.rows)
                http: list[float] = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    response = await client.get("/v1/offerings", params=params_of(query))
                    http.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, response.text
                print(
                    f"{label:<26}{hits:>10}{statistics.median(sql):>10.1f}"
                    f"{pct(sql, 0.99):>10.1f}{statistics.median(http):>10.1f}"
                    f"{pct(http, 0.99):>10.1f}"
                )
        await db.dispose()
    finally:
        admin = await asyncpg.connect(env.admin_dsn())
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--offerings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.offerings, args.runs))
