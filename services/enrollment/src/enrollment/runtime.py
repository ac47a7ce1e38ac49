"""What enrollment's routes, handlers and sweeps share for the life of the app: built
once, from the settings, by ``EnrollmentRuntime.from_settings``."""

from __future__ import annotations

from dataclasses import dataclass

from credmarket_platform.db.database import Database

from enrollment.db.live_updates import UpdatesHub
from enrollment.settings import EnrollmentSettings

SOURCE = "/enrollment"


@dataclass(frozen=True)
class EnrollmentRuntime:
    settings: EnrollmentSettings
    db: Database
    # Wakes this process's live status streams (ADR 0026).
    updates: UpdatesHub

    @classmethod
    def from_settings(cls, settings: EnrollmentSettings) -> EnrollmentRuntime:
        return cls(
            settings=settings,
            db=Database.for_service(settings),
            updates=UpdatesHub(settings.database_url, max_streams=settings.live_max_streams),
        )
