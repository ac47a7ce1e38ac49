"""Database access: engine, unit of work, the platform's own tables."""

from credmarket_platform.db.database import Database
from credmarket_platform.db.tables import platform_metadata
from credmarket_platform.db.unit_of_work import UnitOfWork

__all__ = ["Database", "UnitOfWork", "platform_metadata"]
