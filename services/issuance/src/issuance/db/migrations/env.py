from credmarket_platform.db import platform_metadata
from credmarket_platform.db.migrations import run_env

from issuance.db.tables import issuance_metadata

run_env([platform_metadata, issuance_metadata])
