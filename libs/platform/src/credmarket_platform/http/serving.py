"""`python -m <service>`: one way for every service to serve HTTP."""

from __future__ import annotations

import uvicorn

from credmarket_platform.settings import ServiceSettings

__all__ = ["serve"]


def serve(settings: ServiceSettings, app_factory: str) -> None:
    """Serve ``app_factory`` (``"catalog.app:create_app"``) until SIGTERM.

    The factory is given by import path, not called here, because with
    ``web_workers > 1`` uvicorn starts each worker process fresh and every worker
    builds its own app (own connection pools, own consumer in the group) from the
    environment; with one worker the same path keeps both cases identical.
    """
    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.http_host,
        port=settings.port,
        workers=settings.web_workers,
        # The app routes uvicorn's logs through its own JSON handler.
        log_config=None,
    )
