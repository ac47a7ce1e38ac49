"""Where the broker, database and Stripe stand-in of a test run are."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    pg_host: str
    pg_port: int
    pg_user: str
    pg_password: str
    stripe_api_base: str

    def _credentials(self) -> str:
        return f"{quote(self.pg_user, safe='')}:{quote(self.pg_password, safe='')}"

    def database_url(self, dbname: str) -> str:
        """SQLAlchemy URL (asyncpg driver) for one database."""
        return f"postgresql+asyncpg://{self._credentials()}@{self.pg_host}:{self.pg_port}/{dbname}"

    def admin_dsn(self) -> str:
        """Plain DSN to the `postgres` database, for asyncpg (CREATE/DROP DATABASE)."""
        return f"postgresql://{self._credentials()}@{self.pg_host}:{self.pg_port}/postgres"


ENV_BOOTSTRAP = "CREDMARKET_KAFKA_BOOTSTRAP"


def infra_from_env(env: Mapping[str, str]) -> Infra | None:
    """The addresses given in the environment (or an env file), if the broker is among them."""
    bootstrap = env.get(ENV_BOOTSTRAP)
    if not bootstrap:
        return None
    return Infra(
        kafka_bootstrap=bootstrap,
        pg_host=env.get("CREDMARKET_PG_HOST", "127.0.0.1"),
        pg_port=int(env.get("CREDMARKET_PG_PORT", "15432")),
        pg_user=env.get("CREDMARKET_PG_USER", "credmarket"),
        pg_password=env.get("CREDMARKET_PG_PASSWORD", ""),
        stripe_api_base=env.get("CREDMARKET_STRIPE_API_BASE", "http://127.0.0.1:18420"),
    )


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values
