"""`python -m catalog`: serve the catalog on its port."""

from __future__ import annotations

import uvicorn

from catalog.app import create_app
from catalog.settings import CatalogSettings


def main() -> None:
    settings = CatalogSettings()
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.port, log_config=None)  # noqa: S104


if __name__ == "__main__":
    main()
