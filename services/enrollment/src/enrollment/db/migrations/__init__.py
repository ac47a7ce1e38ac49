"""Alembic migrations of the enrollment database."""

from pathlib import Path

SCRIPT_LOCATION = Path(__file__).parent
