"""The typed TypeScript client is generated from the current OpenAPI and compiles (CI).

Stale generated files fail here with the one command that refreshes them: `./dev client`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from credmarket_infra import typescript_client as ts

FIX = "run `./dev client` and commit what it writes"


@pytest.fixture(scope="module")
def installed() -> None:
    ts.ensure_installed()


def test_the_committed_openapi_is_the_merged_document_of_the_code() -> None:
    assert ts.OPENAPI_FILE.read_text() == ts.openapi_text(ts.merged_openapi()), (
        f"clients/typescript/openapi.json is stale: {FIX}"
    )


def test_the_committed_types_are_what_openapi_typescript_makes_of_it(
    installed: None, tmp_path: Path
) -> None:
    fresh = tmp_path / "schema.d.ts"
    ts.generate_schema(ts.OPENAPI_FILE, fresh)
    assert ts.SCHEMA_FILE.read_text() == fresh.read_text(), f"src/schema.d.ts is stale: {FIX}"


def test_the_storefront_bundle_is_built_from_its_source(installed: None, tmp_path: Path) -> None:
    fresh = tmp_path / "app.js"
    ts.bundle_storefront(fresh)
    assert ts.STOREFRONT_BUNDLE.read_text() == fresh.read_text(), (
        f"infra/gateway/storefront/app.js is stale: {FIX}"
    )


def test_the_client_and_the_storefront_compile(installed: None) -> None:
    ts.typecheck()  # raises with tsc's errors
