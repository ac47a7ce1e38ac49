"""`python -m credmarket_infra.opspage`: the ops page on settings.host:settings.port (8090)."""

from __future__ import annotations

import uvicorn

from credmarket_infra.opspage.app import create_app
from credmarket_infra.opspage.settings import OpsPageSettings


def main() -> None:
    settings = OpsPageSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
