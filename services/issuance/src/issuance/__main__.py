"""`python -m issuance`: migrate the issuance database, then serve it on its port."""

from __future__ import annotations

from pathlib import Path

from credmarket_platform.db.migrations import upgrade
from credmarket_platform.http.serving import serve

from issuance.settings import IssuanceSettings

MIGRATIONS = Path(__file__).parent / "db" / "migrations"


def main() -> None:
    settings = IssuanceSettings()
    upgrade(MIGRATIONS, settings.database_url)
    serve(settings, "issuance.app:create_app")


if __name__ == "__main__":
    main()
