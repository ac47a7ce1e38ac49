"""The typed TypeScript client (clients/typescript) and the storefront built on it.

`./dev client` regenerates what is generated, from the code: the merged OpenAPI document
(`openapi.json`, exactly what the gateway serves at /docs/openapi.json), the types
openapi-typescript makes of it (`src/schema.d.ts`) and the storefront's bundle
(`infra/gateway/storefront/app.js`, by esbuild). `tests/contract/test_typescript_client.py`
fails while any of them is stale or `tsc --noEmit` fails. npm packages come from the
committed lockfile (`npm ci`), installed the first time they are needed.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
CLIENT_DIR = ROOT / "clients" / "typescript"
OPENAPI_FILE = CLIENT_DIR / "openapi.json"
SCHEMA_FILE = CLIENT_DIR / "src" / "schema.d.ts"
STOREFRONT_SOURCE = CLIENT_DIR / "storefront" / "main.ts"
STOREFRONT_BUNDLE = ROOT / "infra" / "gateway" / "storefront" / "app.js"


class ClientToolFailed(RuntimeError):
    pass


def merged_openapi() -> dict[str, Any]:
    from credmarket_infra.gateway.openapi_merge import generate_documents, merge

    return merge(generate_documents())


def openapi_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise ClientToolFailed("npm is not installed: ./dev test installs Node.js and npm")
    return npm


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 - tools from the lockfile, fixed arguments
        list(args), cwd=CLIENT_DIR, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise ClientToolFailed(
            f"{' '.join(args)} failed in {CLIENT_DIR}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done


def ensure_installed() -> None:
    """`npm ci` once (the lockfile decides every version); concurrent tests wait for it."""
    marker = CLIENT_DIR / "node_modules" / ".package-lock.json"
    with open(CLIENT_DIR / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lockfile = CLIENT_DIR / "package-lock.json"
        if marker.is_file() and marker.stat().st_mtime >= lockfile.stat().st_mtime:
            return
        _run(_npm(), "ci", "--no-audit", "--no-fund", "--loglevel=error")


def _bin(name: str) -> str:
    return str(CLIENT_DIR / "node_modules" / ".bin" / name)


def generate_schema(openapi: Path, out: Path) -> None:
    _run(_bin("openapi-typescript"), str(openapi), "--output", str(out))


def bundle_storefront(out: Path) -> None:
    _run(
        _bin("esbuild"),
        str(STOREFRONT_SOURCE),
        "--bundle",
        "--format=esm",
        "--target=es2022",
        "--log-level=warning",
        f"--outfile={out}",
    )


def typecheck() -> None:
    _run(_bin("tsc"), "--noEmit", "--project", str(CLIENT_DIR / "tsconfig.json"))


def regenerate() -> None:
    ensure_installed()
    OPENAPI_FILE.write_text(openapi_text(merged_openapi()))
    generate_schema(OPENAPI_FILE, SCHEMA_FILE)
    bundle_storefront(STOREFRONT_BUNDLE)
    typecheck()


def main() -> int:
    try:
        regenerate()
    except ClientToolFailed as failed:
        print(failed, file=sys.stderr)
        return 1
    for path in (OPENAPI_FILE, SCHEMA_FILE, STOREFRONT_BUNDLE):
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
