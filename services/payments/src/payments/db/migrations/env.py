from credmarket_platform.db import platform_metadata
from credmarket_platform.db.migrations import run_env

from payments.db.tables import payments_metadata

run_env([platform_metadata, payments_metadata])
