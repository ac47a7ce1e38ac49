"""`python -m payments`: the service on its port."""

from __future__ import annotations

import uvicorn

from payments.app import create_app
from payments.settings import PaymentsSettings


def main() -> None:
    settings = PaymentsSettings()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
