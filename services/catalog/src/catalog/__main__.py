"""`python -m catalog`: serve the catalog service on its port."""

from __future__ import annotations

from credmarket_platform.http.serving import serve

from catalog.settings import CatalogSettings


def main() -> None:
    serve(CatalogSettings(), "catalog.app:create_app")


if __name__ == "__main__":
    main()
