"""`python -m enrollment`: serve the app on settings.port."""

from __future__ import annotations

import uvicorn

from enrollment.app import create_app
from enrollment.settings import EnrollmentSettings


def main() -> None:
    settings = EnrollmentSettings()
    # log_config=None: the app routes uvicorn's logs through its own JSON handler.
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.port, log_config=None)  # noqa: S104


if __name__ == "__main__":
    main()
