"""Alembic migrations of the payments database."""

from pathlib import Path

SCRIPT_LOCATION = Path(__file__).parent
