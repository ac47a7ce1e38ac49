"""`python -m issuance`: the service on its port, migrations applied first."""

from __future__ import annotations

from pathlib import Path

import uvicorn
from credmarket_platform.db.migrations import upgrade

from issuance.app import create_app
from issuance.settings import IssuanceSettings

MIGRATIONS = Path(__file__).parent / "db" / "migrations"


def main() -> None:
    settings = IssuanceSettings()
    upgrade(MIGRATIONS, settings.database_url)
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.port, log_config=None)  # noqa: S104


if __name__ == "__main__":
    main()
