"""Where a gateway's nginx runs and where its files are: the local stack and the test
harness (our own master process under a prefix directory) or Docker Compose (the official
image)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

GATEWAY_DIR = Path(__file__).resolve().parents[3] / "gateway"
TEMPLATE = GATEWAY_DIR / "nginx.conf.template"
STATIC_DIR = GATEWAY_DIR / "static"
# The reference storefront (ADR 0026): the dev stack's gateway serves it, Compose does not.
STOREFRONT_DIR = GATEWAY_DIR / "storefront"
ASYNCAPI_FILE = GATEWAY_DIR.parent.parent / "libs" / "events" / "asyncapi.json"


@dataclass(frozen=True)
class NginxTarget:
    """Where this nginx runs and where its files are."""

    listen: str
    static_dir: str
    openapi_file: str
    asyncapi_file: str
    # Our own master process: `daemon off` (the stack's pid file is the master's pid),
    # pid and temp files under the prefix; None for the official image's defaults.
    prefix_dir: str | None = None
    error_log: str = "stderr"
    access_log: str = "/dev/stdout"
    user: str | None = None
    storefront_dir: str | None = None


def local_target(prefix_dir: Path, port: int, openapi_file: Path) -> NginxTarget:
    """Our own nginx on the loopback, with every file under ``prefix_dir``."""
    # Run as root (CI, this machine), nginx would hand requests to `nobody`, who cannot
    # read a test's 0700 temp directory; as anyone else the `user` directive is ignored.
    user = "root root" if os.geteuid() == 0 else None
    return NginxTarget(
        listen=f"127.0.0.1:{port}",
        static_dir=str(STATIC_DIR),
        openapi_file=str(openapi_file),
        asyncapi_file=str(ASYNCAPI_FILE),
        prefix_dir=str(prefix_dir),
        error_log="stderr",
        access_log=str(prefix_dir / "logs" / "access.log"),
        user=user,
        storefront_dir=str(STOREFRONT_DIR),
    )


COMPOSE_DOCS_DIR = "/usr/share/nginx/credmarket"


def compose_target(port: int = 8000) -> NginxTarget:
    """The official nginx image in Docker Compose: files mounted under /usr/share/nginx."""
    return NginxTarget(
        listen=str(port),
        static_dir=f"{COMPOSE_DOCS_DIR}/static",
        openapi_file=f"{COMPOSE_DOCS_DIR}/openapi.json",
        asyncapi_file=f"{COMPOSE_DOCS_DIR}/asyncapi.json",
        prefix_dir=None,
        error_log="/dev/stderr",
        access_log="/dev/stdout",
        # The image's temp directories belong to its `nginx` user.
        user="nginx",
    )
