"""Apply this image's service migrations (Compose one-shot container, Kubernetes Job).

Reads the database URL through the service's own settings class, so it honours the
same variables as the service (CREDMARKET_<SERVICE>_DATABASE_URL, then DATABASE_URL).
"""

import importlib
import os
from pathlib import Path

from credmarket_platform.db.migrations import upgrade
from credmarket_platform.settings import ServiceSettings


def main() -> None:
    service = os.environ["SERVICE"]
    package = importlib.import_module(service)
    module = importlib.import_module(f"{service}.settings")
    settings_class = next(
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    )
    settings = settings_class()
    assert package.__file__ is not None
    upgrade(Path(package.__file__).parent / "db" / "migrations", settings.database_url)
    print(f"{service}: migrations applied")


if __name__ == "__main__":
    main()
