from catalog.db.tables import catalog_metadata
from credmarket_platform.db import platform_metadata
from credmarket_platform.db.migrations import run_env

run_env([platform_metadata, catalog_metadata])
